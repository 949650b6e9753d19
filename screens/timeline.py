"""One order's timeline: what the database, the traces, the logs and the pod events say, on
one time axis. Parts arrive as their sources answer; each says if its source failed."""

from __future__ import annotations

import asyncio
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding

from oc_console.domain.orders import OrderTimeline, ns_to_datetime
from oc_console.sanitize import clean
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.timeline_rows import TimelineRow, timeline_rows
from oc_console.screens.widgets.quiet_static import QuietStatic
from oc_console.screens.widgets.waterfall import Waterfall
from oc_console.services.action_service import ActionRun

PARTS = (("postgres", "db"), ("traces", "traces"), ("logs", "logs"), ("pod_events", "events"))


def summary_text(t: OrderTimeline) -> Text:
    text = Text()
    text.append(f"order {clean(t.order_id)}", "bold")
    if t.target is not None:
        text.append(f" in {clean(t.target)}", "bold")
    if t.order is not None:
        o = t.order
        style = "red" if o.status not in ("synced", "processed") else "green"
        text.append(f"  {clean(o.platform)} {clean(o.shop_id)} ")
        text.append(clean(o.status), style)
    text.append("   ")
    for name, label in PARTS:
        part = t.part(name)
        if part is None:
            text.append(f" …{label}", "cyan")
        elif not part.configured:
            text.append(f" -{label}", "dim")
        elif part.ok:
            text.append(f" ●{label} {part.elapsed_ms:.0f}ms", "green")
        else:
            text.append(f" ✖{label}: {clean(part.error or 'failed')}", "bold red")
    spans = sum(len(tr.spans) for tr in t.traces)
    # on the sources' line, not one of its own: at 24 lines the findings need the room
    text.append(f"  {len(t.events)} events, {spans} spans, {len(t.logs)} log lines, "
                f"{len(t.pod_events)} pod events", "dim")  # fmt: skip
    if not t.done:
        text.append("  (still reading)", "cyan")
    elif not t.found:
        text.append("  no source knows this order", "yellow")
    if t.probes:
        text.append("\n")
        text.append_text(asked_text(t))
    for finding in t.findings[:3]:
        text.append(f"\n• {clean(finding)}", "yellow")
    return text


def asked_text(t: OrderTimeline) -> Text:
    """Which targets' databases were asked and what each said, so "not found" names where
    it was not found and a target that did not answer is not taken for one that said no."""
    text = Text("asked: ", "dim")
    for i, probe in enumerate(t.probes):
        if i:
            text.append(" · ", "dim")
        if probe.knows:
            text.append(f"{clean(probe.name)} knows it", "green")
        elif probe.knows is False:
            text.append(f"{clean(probe.name)} no", "dim")
        else:
            text.append(f"{clean(probe.name)} ✖ {clean(probe.error or 'no answer')}", "red")
    if not any(p.knows for p in t.probes) and t.target is not None:
        text.append(f"  (no database knows it: {clean(t.target)}'s traces and logs shown)",
                    "yellow")  # fmt: skip
    return text


class TimelineScreen(ConsoleScreen):
    DEFAULT_CSS = """
    #timeline-summary { height: auto; max-height: 7; padding: 0 1; }
    #waterfall { height: 1fr; border: round $primary; }
    """
    BINDINGS = [
        Binding("enter", "detail", "attributes", id="timeline.detail"),
        Binding("l", "logs", "logs at this time", id="timeline.logs"),
        Binding("p", "act('replay')", "replay", id="timeline.replay"),
    ]

    def action_params(self, kind: str) -> dict[str, str] | None:
        if kind != "replay":
            return None
        self._on_answering_target()  # the replay goes to the target that knows the order
        return {"order_id": self.order_id}

    def _on_answering_target(self) -> None:
        if self.timeline is not None and self.timeline.target is not None:
            self.console_app.focus_target(self.timeline.target)

    def refresh_after_action(self, run: ActionRun) -> None:
        """A replay of this order ended: its status changed, read the timeline again."""
        if run.kind == "replay" and run.target.endswith(f"/{self.order_id}"):
            self.run_worker(self._lookup(), exclusive=True, group="order-lookup")

    def __init__(self, order_id: str) -> None:
        super().__init__()
        self.order_id = order_id
        self.timeline: OrderTimeline | None = None
        self._placed_cursor = False

    def compose_body(self) -> ComposeResult:
        yield QuietStatic(id="timeline-summary")
        yield Waterfall(id="waterfall")

    def on_mount(self) -> None:
        super().on_mount()
        waterfall = self.query_one(Waterfall)
        waterfall.border_title = f"Order {clean(self.order_id)} (enter: attributes, l: logs)"
        waterfall.focus()
        self.show_timeline(OrderTimeline(self.order_id))
        self.run_worker(self._lookup(), exclusive=True, group="order-lookup")

    async def _lookup(self) -> None:
        """Parts arrive in a queue; each is laid out in a thread (20,000 spans take a while)
        and shown, the newest only when several wait, so keys never queue behind them."""
        parts: asyncio.Queue[OrderTimeline | None] = asyncio.Queue()
        # with several targets, the fleet asks each and looks the order up where it is known
        looker = self.console_app.fleet or self.console_app.service
        lookup = asyncio.ensure_future(looker.lookup_order(self.order_id, parts.put_nowait))
        lookup.add_done_callback(lambda _: parts.put_nowait(None))  # ends the loop, always
        ended = False
        try:
            while not ended:
                batch = [await parts.get()]
                while not parts.empty():
                    batch.append(parts.get_nowait())
                ended = None in batch
                newest = [t for t in batch if t is not None]
                if newest:  # several waiting: only the newest is worth laying out
                    laid_out = await asyncio.to_thread(timeline_rows, newest[-1])
                    # summary and rows change together: a summary saying "done" above the
                    # rows of an earlier part would describe rows not on screen yet
                    self.show_summary(newest[-1])
                    self.show_rows(*laid_out)
            if not lookup.cancelled() and lookup.exception() is not None:
                error = str(lookup.exception()).splitlines()[0]
                self.notify(f"lookup failed: {clean(error)}", severity="error")
        finally:
            lookup.cancel()

    def show_summary(self, t: OrderTimeline) -> None:
        self.timeline = t
        for summary in self.query("#timeline-summary").results(QuietStatic):  # none once left
            summary.show_text(summary_text(t))

    def show_timeline(self, t: OrderTimeline) -> None:
        """Show a timeline at once (laid out on the UI thread: for small ones)."""
        self.show_summary(t)
        self.show_rows(*timeline_rows(t))

    def show_rows(self, rows: list[TimelineRow], first: int | None) -> None:
        found = self.query(Waterfall)
        if not found:  # the screen was left while the rows were laid out in a thread
            return
        waterfall = found.first()
        cursor = None
        if not self._placed_cursor and first is not None:
            cursor, self._placed_cursor = first, True  # the first failure, once, on arrival
        waterfall.set_rows(rows, cursor)

    def action_detail(self) -> None:
        from oc_console.screens.span_detail import SpanDetailScreen

        row = self.query_one(Waterfall).current
        if row is not None:
            self.app.push_screen(SpanDetailScreen(row))

    def action_logs(self) -> None:
        """The log of the selected row's pod, standing at the row's time: the lines around
        a span, not only the few this timeline picked for naming the order."""
        row = self.query_one(Waterfall).current
        if row is None or row.pod is None:
            self.notify("this row names no pod", severity="warning")
            return
        self._on_answering_target()  # the pod is in the cluster that answered
        self._open_pod_log(row.namespace, row.pod, ns_to_datetime(row.start_ns))

    def _open_pod_log(self, namespace: str | None, pod: str, at: datetime) -> None:
        from oc_console.screens.logs import LogScreen

        snap = self.console_app.snapshot
        found = None
        if snap is not None and snap.fleet is not None:
            found = next((p for p in snap.fleet.pods if p.name == pod), None)
        if found is None or not found.app_containers:
            self.notify(f"pod {clean(pod)} is not in the cluster view", severity="warning")
            return
        container = found.app_containers[0].name
        self.app.push_screen(
            LogScreen(namespace or found.namespace, pod, container, previous=False, around=at)
        )
