"""One adapter's metrics: golden signals, queue, sync failures by reason, memory per pod."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from oc_console.domain.durations import human_duration
from oc_console.domain.snapshot import ConsoleSnapshot
from screens.adapter_rows import AdapterLine, adapter_lines
from screens.base import ConsoleScreen
from screens.format import mib, pct, seconds, sparkline
from screens.widgets.quiet_static import QuietStatic
from screens.widgets.row_table import Column, Row, RowTable

MEMORY_COLUMNS = (
    Column("POD", 34),
    Column("CONTAINER", 10),
    Column("USED", 7, right=True),
    Column("LIMIT", 7, right=True),
    Column("%", 5, right=True),
    Column("LAST HOUR", 24),
)


def signals_text(line: AdapterLine, stand_in: bool, warnings: tuple[str, ...]) -> Text:
    m = line.metrics
    if m is None:
        return Text("no metrics for this adapter (is it scraped?)", "yellow")
    text = Text()
    rate = "-" if m.request_rate is None else f"{m.request_rate:.2f}/s"
    text.append(f"requests {rate}   errors (5xx) {pct(m.error_ratio)}   ")
    text.append(
        f"throttled (429) {pct(m.throttled_ratio)}",
        "yellow" if "adapter-throttled" in line.findings else "",
    )
    text.append(f"   p95 {seconds(m.p95_latency_seconds)}\n")
    depth = "-" if m.queue_depth is None else f"{m.queue_depth:.0f}"
    text.append(f"queue depth {depth}, oldest {human_duration(m.queue_oldest_age_seconds)}")
    text.append(f"   last sample {human_duration(m.last_sample_age_seconds)} ago\n")
    failures = ", ".join(f"{reason} {n:.0f}" for reason, n in m.sync_failures) or "none"
    text.append(f"sync failures (1 h): {failures}")
    for warning in warnings:  # the stand-in says what it is through a warning too
        text.append(f"\n⚠ {warning}", "yellow")
    if stand_in and not warnings:
        text.append("\nstand-in metrics (no prometheus binary): shapes, not measurements", "dim")
    return text


def memory_rows(line: AdapterLine) -> list[Row]:
    return [
        Row(
            key=f"{m.pod}/{m.container}",
            cells=(
                m.pod,
                m.container,
                mib(m.working_set_bytes),
                mib(m.limit_bytes),
                pct(m.ratio),
                sparkline(m.ratio_history, 24),
            ),
            style="bold red" if (m.ratio or 0) >= 0.9 else "",
        )
        for m in line.memory
    ]


class AdapterMetricsScreen(ConsoleScreen):
    DEFAULT_CSS = """
    #signals { height: auto; padding: 0 1; border: round $secondary; }
    #memory { height: 1fr; border: round $primary; }
    """

    def __init__(self, adapter_key: str) -> None:
        super().__init__()
        self.adapter_key = adapter_key

    def compose_body(self) -> ComposeResult:
        yield QuietStatic(id="signals")
        yield RowTable(MEMORY_COLUMNS, empty="no memory series", id="memory")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#signals").border_title = f"{self.adapter_key} — golden signals"
        self.query_one("#memory").border_title = "Memory working set against limit"
        self.query_one("#memory", RowTable).focus()

    def show(self, snap: ConsoleSnapshot) -> None:
        line = next(
            (x for x in adapter_lines(snap) if x.adapter.key == self.adapter_key),
            None,
        )
        stand_in = bool(snap.metrics and snap.metrics.stand_in)
        signals = self.query_one("#signals", QuietStatic)
        if line is None:
            signals.show_text(Text(f"{self.adapter_key} is not in the current view", "yellow"))
            return
        warnings = snap.metrics.warnings if snap.metrics else ()
        signals.show_text(signals_text(line, stand_in, warnings))
        self.query_one("#memory", RowTable).set_rows(memory_rows(line))
