"""One adapter: its Deployment (on a VM, its compose service), its pods (containers) with
their last termination, and their events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding

from oc_console.domain.acted_on import acted_on
from oc_console.domain.durations import human_duration
from oc_console.domain.findings import Finding, of_object, of_subject
from oc_console.domain.kube import AdapterHealth, EventRow, FleetSnapshot, PodRow
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.sanitize import clean
from oc_console.screens.adapter_rows import last_terminated, needs_cluster, on_vm, termination
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.format import SEVERITY_STYLE, mib
from oc_console.screens.widgets.quiet_static import QuietStatic
from oc_console.screens.widgets.row_table import Column, Row, RowTable

POD_COLUMNS = (
    Column("POD", 30, middle=True),
    Column("READY", 5, right=True, priority=2),
    Column("STATUS", 16),
    Column("RST", 4, right=True, priority=1),
    Column("LAST TERMINATION", 19, priority=1),
    Column("MEM REQ/LIM", 12, priority=3),
    Column("AGE", 7, right=True, priority=4),
)
# a VM's containers: the same cells under the compose file's names
CONTAINER_COLUMNS = (
    Column("CONTAINER", 30, middle=True),
    *POD_COLUMNS[1:5],
    Column("MEM RES/LIMIT", 12, priority=3),
    POD_COLUMNS[6],
)
EVENT_COLUMNS = (
    Column("LAST", 6, right=True),  # whole: 14m02s, not 14m0…
    Column("TYPE", 7, priority=1),
    Column("REASON", 16),
    Column("OBJECT", 30, middle=True),  # never dropped: which pod is the point
    Column("MESSAGE", 24),
)


def short_image(ref: str) -> str:
    """`registry/path/name@sha256:<64 hex>` as `name@sha256:<12 hex>`: enough to tell apart."""
    name, at, digest = ref.partition("@")
    short = name.rsplit("/", 1)[-1]
    return f"{short}@{digest[:19]}" if at else short


def _images(text: Text, a: AdapterHealth, findings: tuple[Finding, ...]) -> None:
    unpinned = SEVERITY_STYLE[of_subject(findings, a.key, ("image-not-pinned",))]
    text.append("images: ")
    for i, image in enumerate(a.images):
        text.append(", " if i else "")
        text.append(
            clean(f"{image.container}={short_image(image.image)}"),
            "" if image.pinned else unpinned,
        )
        if not image.pinned:
            text.append(" (tag only, not pinned by digest)", unpinned)
    text.append("\n")


def service_text(a: AdapterHealth, fleet: FleetSnapshot, findings: Iterable[Finding] = ()) -> Text:
    """A VM's compose service in a few lines: its containers, restart policy, cpus, images."""
    text = Text()
    text.append(clean(f"{a.namespace}/{a.name}"), "bold")
    text.append(f"  compose service, {clean(a.rollout_message)}, {a.ready} ready\n")
    mine = [c for c in fleet.vm if (c.project, c.service) == (a.namespace, a.name)]
    policies = ", ".join(sorted({c.restart_policy for c in mine})) or "?"
    cpus = sorted({f"{c.cpus:g}" if c.cpus else "no limit" for c in mine})
    text.append(clean(f"restart policy {policies}, cpus {', '.join(cpus) or '?'}\n"))
    _images(text, a, tuple(findings))
    return text


def deployment_text(a: AdapterHealth, findings: Iterable[Finding] = ()) -> Text:
    """The Deployment in a few lines; the rollout and the images take the colour of the
    analysis's findings about them."""
    findings = tuple(findings)
    rollout = SEVERITY_STYLE[of_subject(findings, a.key, ("rollout-stuck",))]
    text = Text()
    text.append(clean(f"{a.namespace}/{a.name}"), "bold")
    text.append(f"  {a.ready}/{a.desired} ready, {a.updated} updated, {a.available} available")
    text.append(f", revision {clean(a.revision or '?')}\n")
    text.append(f"rollout: {clean(a.rollout_message)}\n", rollout)
    _images(text, a, findings)
    if a.hpa:
        h = a.hpa
        text.append(f"HPA {h.min_replicas}-{h.max_replicas}, now {h.current_replicas}\n")
    history = ", ".join(f"r{r.revision} {r.ready}/{r.replicas}" for r in a.revisions[:4])
    text.append(f"revisions: {clean(history)}", "dim")
    return text


def pod_row(pod: PodRow, now: datetime, findings: Iterable[Finding] = (), adapter: str = "") -> Row:
    """A pod, coloured by the worst of the adapter's findings that name it."""
    app = pod.app_containers[0] if pod.app_containers else None
    memory = f"{mib(app.memory_request)}/{mib(app.memory_limit)}" if app else "-"
    created = pod.created.timestamp() if pod.created else None
    severity = of_object(findings, adapter, pod.name)
    return Row(
        key=pod.name,
        cells=(
            pod.name,
            pod.ready_text,
            pod.status_text,
            str(pod.restarts),
            termination(last_terminated((pod,)), now),
            memory,
            human_duration(now.timestamp() - created) if created else "-",
        ),
        style=SEVERITY_STYLE[severity],
    )


EVENTS_TITLE = "Events, warnings first, newest first"


def event_rank(e: EventRow) -> tuple[int, float]:
    """Warnings first (Kubernetes' own classification), newest first within each."""
    last = e.last_seen.timestamp() if e.last_seen else 0.0
    return (0 if e.type == "Warning" else 1, -last)


def event_row(e: EventRow, now_s: float) -> Row:
    last = e.last_seen.timestamp() if e.last_seen else None
    return Row(
        key=f"{e.namespace}/{e.name}",
        cells=(
            human_duration(now_s - last) if last else "-",
            e.type,
            e.reason,
            f"{e.object_kind.lower()}/{e.object_name}",
            e.message + (f" (x{e.count})" if e.count > 1 else ""),
        ),
        style="yellow" if e.type == "Warning" else "",
        sort_key=event_rank(e),
    )


def events_for(fleet: FleetSnapshot, a: AdapterHealth, pods: tuple[PodRow, ...]) -> list[EventRow]:
    names = {p.name for p in pods} | {a.name} | {p.owner_rs for p in pods if p.owner_rs}
    return sorted((e for e in fleet.events if e.object_name in names), key=event_rank)


class AdapterScreen(ConsoleScreen):
    HELP_NAME = "Adapter"
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
        yield RowTable(
            POD_COLUMNS,
            empty="no pods",
            title="Pods  (l logs, P previous logs, m metrics)",
            enter_describes=True,
            id="pods",
        )
        yield RowTable(
            EVENT_COLUMNS,
            empty="no events",
            title=EVENTS_TITLE,
            enter_describes=True,
            id="pod-events",
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#pods", RowTable).focus()

    def _adapter(self, snap: ConsoleSnapshot) -> AdapterHealth | None:
        if snap.fleet is None:
            return None
        return next((a for a in snap.fleet.adapters if a.key == self.adapter_key), None)

    def show(self, snap: ConsoleSnapshot) -> None:
        adapter = self._adapter(snap)
        if adapter is None or snap.fleet is None:
            self.query_one("#deployment", QuietStatic).show_text(
                Text(f"{clean(self.adapter_key)} is not in the cluster's current view", "yellow")
            )
            return
        now = snap.generated_at
        pods = snap.fleet.pods_of(adapter)
        vm = on_vm(snap)
        if vm:  # one compose service and its containers: no pods, no rollout
            text = service_text(adapter, snap.fleet, snap.findings)
            table = self.query_one("#pods", RowTable)
            table.set_title("Containers  (l logs, m metrics)")
            table.columns, table.empty = CONTAINER_COLUMNS, "no containers"
            self.refresh_bindings()
        else:
            text = deployment_text(adapter, snap.findings)
        acted = acted_on(snap.fleet, adapter.key, now)  # from the Event any oc-console left
        if acted:
            text.append(f"\n{clean(acted)}", "cyan")
        self.query_one("#deployment", QuietStatic).show_text(text)
        self.query_one("#pods", RowTable).set_rows(
            [pod_row(p, now, snap.findings, adapter.key) for p in pods]
        )
        events = events_for(snap.fleet, adapter, pods)
        self.query_one("#pod-events", RowTable).set_rows(
            [event_row(e, now.timestamp()) for e in events]
        )

    def _selected_pod(self) -> PodRow | None:
        snap = self.console_app.snapshot
        row = self.query_one("#pods", RowTable).current
        if snap is None or snap.fleet is None or row is None:
            return None
        return next((p for p in snap.fleet.pods if p.name == row.key), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if needs_cluster(action, parameters, self.console_app.snapshot):
            return False  # not offered on a VM
        return super().check_action(action, parameters)

    def action_logs(self, previous: bool) -> None:
        from oc_console.screens.logs import LogScreen

        pod = self._selected_pod()
        if pod is None or not pod.app_containers:
            self.notify("select a pod first", severity="warning")
            return
        container = pod.app_containers[0].name
        self.app.push_screen(LogScreen(pod.namespace, pod.name, container, previous=previous))

    def action_metrics(self) -> None:
        from oc_console.screens.adapter_metrics import AdapterMetricsScreen

        self.app.push_screen(AdapterMetricsScreen(self.adapter_key))

    def action_params(self, kind: str) -> dict[str, str] | None:
        if kind not in ("restart", "undo", "scale"):
            return None
        namespace, _, name = self.adapter_key.partition("/")
        return {"namespace": namespace, "deployment": name}
