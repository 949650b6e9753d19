"""One line per adapter: the Deployment's health joined with its pods and its metrics."""

from __future__ import annotations

from dataclasses import dataclass

from oc_console.domain.durations import human_duration
from oc_console.domain.kube import ROLLOUT_STUCK, AdapterHealth, PodRow
from oc_console.domain.metrics import AdapterMetrics, PodMemory
from oc_console.domain.snapshot import ConsoleSnapshot
from screens.format import mib, pct, seconds, sparkline
from screens.widgets.row_table import Column, Row

METRICS_STATUS = (
    ("adapter-error-rate", "Erroring"),
    ("adapter-throttled", "Throttled"),
    ("queue-backlog", "Backlog"),
)


@dataclass(frozen=True)
class AdapterLine:
    adapter: AdapterHealth
    pods: tuple[PodRow, ...]
    metrics: AdapterMetrics | None
    memory: tuple[PodMemory, ...]
    findings: frozenset[str] = frozenset()  # ids of the findings about this adapter

    @property
    def restarts(self) -> int:
        return sum(p.restarts for p in self.pods)

    @property
    def oomkilled(self) -> int:
        return sum(1 for p in self.pods for c in p.containers if c.oomkilled)

    @property
    def crashlooping(self) -> int:
        return sum(1 for p in self.pods for c in p.containers if c.crashloop)

    @property
    def last_termination(self) -> str:
        latest = max(
            (c for p in self.pods for c in p.containers if c.last_finished_at),
            key=lambda c: c.last_finished_at,  # type: ignore[arg-type, return-value]
            default=None,
        )
        if latest is None:
            return "-"
        return f"{latest.last_reason or 'exit'}({latest.last_exit_code})"

    @property
    def worst_memory(self) -> PodMemory | None:
        return max(self.memory, key=lambda m: m.ratio or 0.0, default=None)

    @property
    def status(self) -> str:
        a = self.adapter
        if self.crashlooping:
            return "CrashLoop"
        if a.rollout == ROLLOUT_STUCK:
            return "RolloutStuck"
        if a.ready == 0 and a.desired > 0:
            return "Unavailable"
        if self.oomkilled:
            return "OOMKilled"
        if a.ready < a.desired:
            return "Degraded"
        # the metrics rules live in the analysis: the status follows its findings
        for finding_id, status in METRICS_STATUS:
            if finding_id in self.findings:
                return status
        return "Ready" if a.rollout == "complete" else a.rollout.capitalize()

    @property
    def severity_style(self) -> str:
        if self.status in ("CrashLoop", "Unavailable", "RolloutStuck"):
            return "bold red"
        if self.status in ("OOMKilled", "Degraded", "Erroring", "Throttled", "Backlog"):
            return "yellow"
        return ""


def adapter_lines(snap: ConsoleSnapshot) -> list[AdapterLine]:
    fleet, metrics = snap.fleet, snap.metrics
    if fleet is None:
        return []
    about: dict[str, set[str]] = {}
    for f in snap.findings:
        about.setdefault(f.subject, set()).add(f.id)
    lines = []
    for a in fleet.adapters:
        pods = fleet.pods_of(a)
        names = {p.name for p in pods}
        lines.append(
            AdapterLine(
                adapter=a,
                pods=pods,
                metrics=metrics.adapter(a.platform) if metrics else None,
                memory=tuple(m for m in metrics.pods if m.pod in names) if metrics else (),
                findings=frozenset(about.get(a.key, ())),
            )
        )
    return lines


ADAPTER_COLUMNS = (
    Column("PLATFORM", 9),
    Column("READY", 5, right=True),
    Column("STATUS", 12),
    Column("RST", 4, right=True),
    Column("LAST TERM", 15),
    Column("ERR", 5, right=True),
    Column("429", 5, right=True),
    Column("P95", 6, right=True),
    Column("QUEUE", 11, right=True),
    Column("MEM/LIMIT", 22),
)

COMPACT_COLUMNS = (
    Column("PLATFORM", 9),
    Column("READY", 5, right=True),
    Column("STATUS", 11),
    Column("RST", 3, right=True),
    Column("ERR", 5, right=True),
    Column("429", 5, right=True),
)
COMPACT_CELLS = (0, 1, 2, 3, 5, 6)  # which of adapter_row's cells the compact table shows

SORTS = ("severity", "platform", "restarts", "errors", "memory")


def _memory_cell(line: AdapterLine) -> str:
    m = line.worst_memory
    if m is None or m.ratio is None:
        return "-"
    return f"{pct(m.ratio):>4} {sparkline(m.ratio_history, 10)} {mib(m.limit_bytes)}"


def _queue_cell(m: AdapterMetrics | None) -> str:
    if m is None or m.queue_depth is None:
        return "-"
    return f"{m.queue_depth:.0f}/{human_duration(m.queue_oldest_age_seconds)}"


def compact_row(line: AdapterLine) -> Row:
    row = adapter_row(line)
    return Row(row.key, tuple(row.cells[i] for i in COMPACT_CELLS), row.style, row.sort_key)


def adapter_row(line: AdapterLine) -> Row:
    a, m = line.adapter, line.metrics
    severity = {"bold red": 0, "yellow": 1}.get(line.severity_style, 2)
    memory = line.worst_memory
    return Row(
        key=a.key,
        cells=(
            a.platform,
            f"{a.ready}/{a.desired}",
            line.status,
            str(line.restarts),
            line.last_termination,
            pct(m.error_ratio) if m else "-",
            pct(m.throttled_ratio) if m else "-",
            seconds(m.p95_latency_seconds) if m else "-",
            _queue_cell(m),
            _memory_cell(line),
        ),
        style=line.severity_style,
        sort_key=(
            severity,
            a.platform,
            -line.restarts,
            -((m.error_ratio or 0) + (m.throttled_ratio or 0) if m else 0),
            -((memory.ratio or 0) if memory else 0),
        ),
    )
