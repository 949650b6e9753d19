"""One adapter: its Deployment, its pods with their last termination, and their events."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding

from oc_console.domain.durations import human_duration
from oc_console.domain.kube import AdapterHealth, EventRow, FleetSnapshot, PodRow
from oc_console.domain.snapshot import ConsoleSnapshot
from screens.base import ConsoleScreen
from screens.format import mib
from screens.widgets.quiet_static import QuietStatic
from screens.widgets.row_table import Column, Row, RowTable

POD_COLUMNS = (
    Column("POD", 41),
    Column("READY", 5, right=True),
    Column("STATUS", 16),
    Column("RST", 4, right=True),
    Column("LAST TERMINATION", 30),
    Column("MEM REQ/LIM", 12),
    Column("AGE", 7, right=True),
)
EVENT_COLUMNS = (
    Column("LAST", 6, right=True),
    Column("TYPE", 7),
    Column("REASON", 16),
    Column("OBJECT", 30),
    Column("MESSAGE", 20),
)


def short_image(ref: str) -> str:
    """`registry/path/name@sha256:<64 hex>` as `name@sha256:<12 hex>`: enough to tell apart."""
    name, at, digest = ref.partition("@")
    short = name.rsplit("/", 1)[-1]
    return f"{short}@{digest[:19]}" if at else short


def deployment_text(a: AdapterHealth) -> Text:
    text = Text()
    text.append(f"{a.namespace}/{a.name}", "bold")
    text.append(f"  {a.ready}/{a.desired} ready, {a.updated} updated, {a.available} available")
    text.append(f", revision {a.revision or '?'}\n")
    text.append(f"rollout: {a.rollout_message}\n", "bold red" if a.rollout == "stuck" else "")
    text.append("images: ")
    for i, image in enumerate(a.images):
        text.append(", " if i else "")
        text.append(
            f"{image.container}={short_image(image.image)}", "" if image.pinned else "yellow"
        )
        if not image.pinned:
            text.append(" (tag only, not pinned by digest)", "yellow")
    text.append("\n")
    if a.hpa:
        h = a.hpa
        text.append(f"HPA {h.min_replicas}-{h.max_replicas}, now {h.current_replicas}\n")
    history = ", ".join(f"r{r.revision} {r.ready}/{r.replicas}" for r in a.revisions[:4])
    text.append(f"revisions: {history}", "dim")
    return text


def _termination(pod: PodRow) -> str:
    for c in pod.containers:
        if c.last_reason or c.last_exit_code is not None:
            when = f" {c.last_finished_at:%H:%M:%S}" if c.last_finished_at else ""
            return f"{c.name}: {c.last_reason or 'no reason'}({c.last_exit_code}){when}"
    return "-"


def pod_row(pod: PodRow, now_s: float) -> Row:
    app = pod.app_containers[0] if pod.app_containers else None
    memory = f"{mib(app.memory_request)}/{mib(app.memory_limit)}" if app else "-"
    created = pod.created.timestamp() if pod.created else None
    bad = any(c.crashloop or c.oomkilled for c in pod.containers)
    return Row(
        key=pod.name,
        cells=(
            pod.name,
            pod.ready_text,
            pod.status_text,
            str(pod.restarts),
            _termination(pod),
            memory,
            human_duration(now_s - created) if created else "-",
        ),
        style="bold red" if bad else "",
    )


def event_rank(e: EventRow) -> tuple[int, float]:
    """OOM first, then warnings, newest first within each."""
    oom = "oom" in e.reason.lower() or "OOMKilled" in e.message
    last = e.last_seen.timestamp() if e.last_seen else 0.0
    return (0 if oom else 1 if e.type == "Warning" else 2, -last)


def event_row(e: EventRow, now_s: float) -> Row:
    last = e.last_seen.timestamp() if e.last_seen else None
    oom = event_rank(e)[0] == 0
    return Row(
        key=f"{e.namespace}/{e.name}",
        cells=(
            human_duration(now_s - last) if last else "-",
            e.type,
            e.reason,
            f"{e.object_kind.lower()}/{e.object_name}",
            e.message + (f" (x{e.count})" if e.count > 1 else ""),
        ),
        style="bold red" if oom else "yellow" if e.type == "Warning" else "",
    )


def events_for(fleet: FleetSnapshot, a: AdapterHealth, pods: tuple[PodRow, ...]) -> list[EventRow]:
    names = {p.name for p in pods} | {a.name} | {p.owner_rs for p in pods if p.owner_rs}
    return sorted((e for e in fleet.events if e.object_name in names), key=event_rank)


class AdapterScreen(ConsoleScreen):
    DEFAULT_CSS = """
    #deployment { height: auto; max-height: 8; padding: 0 1; }
    #pods { height: 1fr; min-height: 5; border: round $primary; }
    #pod-events { height: 1fr; min-height: 5; border: round $secondary; }
    """
    BINDINGS = [
        Binding("l", "logs(False)", "logs", id="adapter.logs"),
        Binding("P", "logs(True)", "previous logs", id="adapter.previous_logs"),
        Binding("m", "metrics", "metrics", id="adapter.metrics"),
        Binding("r", "act('restart')", "restart", id="adapter.restart"),
        Binding("u", "act('undo')", "rollback", id="adapter.rollback"),
        Binding("s", "act('scale')", "scale", id="adapter.scale"),
    ]

    def __init__(self, adapter_key: str) -> None:
        super().__init__()
        self.adapter_key = adapter_key

    def compose_body(self) -> ComposeResult:
        yield QuietStatic(id="deployment")
        yield RowTable(POD_COLUMNS, empty="no pods", id="pods")
        yield RowTable(EVENT_COLUMNS, empty="no events", id="pod-events")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#pods").border_title = "Pods  (l logs, P previous logs, m metrics)"
        self.query_one("#pod-events").border_title = "Events (OOM and warnings first)"
        self.query_one("#pods", RowTable).focus()

    def _adapter(self, snap: ConsoleSnapshot) -> AdapterHealth | None:
        if snap.fleet is None:
            return None
        return next((a for a in snap.fleet.adapters if a.key == self.adapter_key), None)

    def show(self, snap: ConsoleSnapshot) -> None:
        adapter = self._adapter(snap)
        if adapter is None or snap.fleet is None:
            self.query_one("#deployment", QuietStatic).show_text(
                Text(f"{self.adapter_key} is not in the cluster's current view", "yellow")
            )
            return
        now = snap.generated_at.timestamp()
        pods = snap.fleet.pods_of(adapter)
        self.query_one("#deployment", QuietStatic).show_text(deployment_text(adapter))
        self.query_one("#pods", RowTable).set_rows([pod_row(p, now) for p in pods])
        events = events_for(snap.fleet, adapter, pods)
        self.query_one("#pod-events", RowTable).set_rows([event_row(e, now) for e in events])

    def _selected_pod(self) -> PodRow | None:
        snap = self.console_app.snapshot
        row = self.query_one("#pods", RowTable).current
        if snap is None or snap.fleet is None or row is None:
            return None
        return next((p for p in snap.fleet.pods if p.name == row.key), None)

    def action_logs(self, previous: bool) -> None:
        from screens.logs import LogScreen

        pod = self._selected_pod()
        if pod is None or not pod.app_containers:
            self.notify("select a pod first", severity="warning")
            return
        container = pod.app_containers[0].name
        self.app.push_screen(LogScreen(pod.namespace, pod.name, container, previous=previous))

    def action_metrics(self) -> None:
        from screens.adapter_metrics import AdapterMetricsScreen

        self.app.push_screen(AdapterMetricsScreen(self.adapter_key))

    def action_params(self, kind: str) -> dict[str, str] | None:
        if kind not in ("restart", "undo", "scale"):
            return None
        namespace, _, name = self.adapter_key.partition("/")
        return {"namespace": namespace, "deployment": name}
