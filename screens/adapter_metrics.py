"""One adapter's metrics: golden signals, queue, sync failures by reason, memory per pod."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult

from oc_console.domain.durations import human_duration
from oc_console.domain.findings import Finding, of_object, of_subject
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.sanitize import clean
from oc_console.screens.adapter_rows import AdapterLine, adapter_lines
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.format import SEVERITY_STYLE, mib, pct, seconds, sparkline
from oc_console.screens.widgets.quiet_static import QuietStatic
from oc_console.screens.widgets.row_table import Column, Row, RowTable

MEMORY_COLUMNS = (
    Column("POD", 30, middle=True),
    # the adapter and its sidecar share a pod: without the container they are two identical
    # rows, so at 80 columns the sparkline goes first
    Column("CONTAINER", 14, priority=1),  # otel-collector, whole
    Column("USED", 7, right=True),
    Column("LIMIT", 7, right=True),
    Column("%", 5, right=True),
    Column("LAST HOUR", 24, priority=2),
)


def signals_text(
    line: AdapterLine,
    stand_in: bool,
    warnings: tuple[str, ...],
    findings: Iterable[Finding] = (),
) -> Text:
    m = line.metrics
    if m is None:
        return Text("no metrics for this adapter (is it scraped?)", "yellow")
    findings = tuple(findings)
    key = line.adapter.key
    text = Text()
    rate = "-" if m.request_rate is None else f"{m.request_rate:.2f}/s"
    text.append(f"requests {rate}   ")
    text.append(
        f"errors (5xx) {pct(m.error_ratio)}",
        SEVERITY_STYLE[of_subject(findings, key, ("adapter-error-rate",))],
    )
    text.append("   ")
    text.append(
        f"throttled (429) {pct(m.throttled_ratio)}",
        SEVERITY_STYLE[of_subject(findings, key, ("adapter-throttled",))],
    )
    text.append(f"   p95 {seconds(m.p95_latency_seconds)}\n")
    depth = "-" if m.queue_depth is None else f"{m.queue_depth:.0f}"
    text.append(f"queue depth {depth}, oldest {human_duration(m.queue_oldest_age_seconds)}")
    text.append(f"   last sample {human_duration(m.last_sample_age_seconds)} ago\n")
    failures = ", ".join(f"{reason} {n:.0f}" for reason, n in m.sync_failures) or "none"
    text.append(f"sync failures (1 h): {clean(failures)}")
    for warning in warnings:  # the stand-in says what it is through a warning too
        text.append(f"\n⚠ {clean(warning)}", "yellow")
    if stand_in and not warnings:
        text.append("\nstand-in metrics (no prometheus binary): shapes, not measurements", "dim")
    return text


def memory_rows(line: AdapterLine, findings: Iterable[Finding] = ()) -> list[Row]:
    """Memory per pod, coloured by the analysis's memory-near-limit finding for that pod."""
    findings = tuple(findings)
    key = line.adapter.key
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
            style=SEVERITY_STYLE[of_object(findings, key, m.pod, ("memory-near-limit",))],
        )
        for m in line.memory
    ]


class AdapterMetricsScreen(ConsoleScreen):
    HELP_NAME = "Adapter metrics"
    DEFAULT_CSS = """
    #signals { height: auto; padding: 0 1; border: round $secondary; }
    #memory { height: 1fr; border: round $primary; }
    """

    def __init__(self, adapter_key: str) -> None:
        super().__init__()
        self.adapter_key = adapter_key

    def compose_body(self) -> ComposeResult:
        yield QuietStatic(id="signals")
        yield RowTable(
            MEMORY_COLUMNS,
            empty="no memory series",
            title="Memory working set against limit",
            enter_describes=True,
            id="memory",
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#signals").border_title = Text(
            f"{clean(self.adapter_key)} — golden signals"
        )
        self.query_one("#memory", RowTable).focus()

    def show(self, snap: ConsoleSnapshot) -> None:
        line = next(
            (x for x in adapter_lines(snap) if x.adapter.key == self.adapter_key),
            None,
        )
        stand_in = bool(snap.metrics and snap.metrics.stand_in)
        signals = self.query_one("#signals", QuietStatic)
        if line is None:
            signals.show_text(
                Text(f"{clean(self.adapter_key)} is not in the current view", "yellow")
            )
            return
        warnings = snap.metrics.warnings if snap.metrics else ()
        signals.show_text(signals_text(line, stand_in, warnings, snap.findings))
        self.query_one("#memory", RowTable).set_rows(memory_rows(line, snap.findings))
