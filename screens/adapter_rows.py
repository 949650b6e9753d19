"""One line per adapter: the Deployment's health joined with its pods and its metrics."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from oc_console.domain.durations import human_duration
from oc_console.domain.findings import Severity, of_subject
from oc_console.domain.kube import ROLLOUT_STUCK, AdapterHealth, ContainerState, PodRow
from oc_console.domain.metrics import AdapterMetrics, PodMemory
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.screens.format import SEVERITY_STYLE, mib, pct, seconds, sparkline
from oc_console.screens.widgets.row_table import Column, Row

METRICS_STATUS = (
    ("adapter-error-rate", "Erroring"),
    ("adapter-throttled", "Throttled"),
    ("queue-backlog", "Backlog"),
)


def short_age(seconds: float) -> str:
    """The leading unit of a duration: `3m`, `2h`, `4d`, enough for a table cell."""
    if seconds < 60:  # `4s`, not the `-` that `4.2s` or `350ms` would give the pattern
        return f"{max(0, int(seconds))}s"
    match = re.match(r"\d+[a-z]", human_duration(seconds))
    return match.group() if match else "-"


def termination(c: ContainerState | None, now: datetime) -> str:
    """A container's last termination as `OOMKilled 137 · 3m` (reason, exit code, how long
    ago): the cause, not just the container's name."""
    if c is None or (c.last_reason is None and c.last_exit_code is None):
        return "-"
    parts = [c.last_reason or "exit"]
    if c.last_exit_code is not None:
        parts.append(str(c.last_exit_code))
    text = " ".join(parts)
    if c.last_finished_at is not None:
        text += f" · {short_age((now - c.last_finished_at).total_seconds())}"
    return text


def last_terminated(pods: tuple[PodRow, ...]) -> ContainerState | None:
    """The container that ended most recently."""
    ended = [c for p in pods for c in p.containers if c.last_reason or c.last_exit_code]
    dated = [c for c in ended if c.last_finished_at]
    if dated:
        return max(dated, key=lambda c: c.last_finished_at)  # type: ignore[arg-type, return-value]
    return ended[0] if ended else None


@dataclass(frozen=True)
class AdapterLine:
    adapter: AdapterHealth
    pods: tuple[PodRow, ...]
    metrics: AdapterMetrics | None
    memory: tuple[PodMemory, ...]
    now: datetime
    findings: frozenset[str] = frozenset()  # ids of the findings about this adapter
    severity: Severity = Severity.OK  # the worst of those findings: the row's colour

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
        return termination(last_terminated(self.pods), self.now)

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
        """The colour the analysis gave this adapter: its worst finding's."""
        return SEVERITY_STYLE[self.severity]


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
                severity=of_subject(snap.findings, a.key),
                now=snap.generated_at,
            )
        )
    return lines


# At 80 columns the least useful go first: p95, then the queue and 429s (the
# column the table is sorted by always stays).
CLUSTER_ONLY = frozenset({"undo", "scale"})  # a compose service has no revisions or replicas


def on_vm(snap: ConsoleSnapshot | None) -> bool:
    """The fleet is a VM's Docker Engine: compose services and containers, no pods."""
    return snap is not None and snap.fleet is not None and snap.fleet.engine == "docker"


def needs_cluster(
    action: str, parameters: tuple[object, ...], snap: ConsoleSnapshot | None
) -> bool:
    """An action key that only a cluster has, on a VM (rollback, scale, a previous log)."""
    if not on_vm(snap):
        return False
    return (action == "act" and bool(parameters) and parameters[0] in CLUSTER_ONLY) or (
        action == "logs" and parameters == (True,)
    )


ADAPTER_COLUMNS = (
    Column("PLATFORM", 8),
    Column("READY", 5, right=True, priority=2),
    Column("STATUS", 12),
    Column("RST", 3, right=True, priority=2),
    Column("LAST TERM", 19, priority=1),  # whole: `OOMKilled 137 · 14m`
    Column("5XX", 5, right=True, priority=1),
    Column("429", 5, right=True, priority=3),
    Column("P95", 6, right=True, priority=5),
    Column("QUEUE", 11, right=True, priority=4),
    Column("MEM/LIMIT", 17, priority=2),  # `100% ▇█▇█▆█ 1.5Gi`
)

COMPACT_COLUMNS = (
    Column("PLATFORM", 9),
    Column("READY", 5, right=True, priority=2),
    Column("STATUS", 11),
    Column("RST", 3, right=True, priority=3),
    Column("5XX", 5, right=True, priority=1),
    Column("429", 5, right=True, priority=1),
)
COMPACT_CELLS = (0, 1, 2, 3, 5, 6)  # which of adapter_row's cells the compact table shows

# name, and the column the sort reads (kept on screen while sorted by it)
SORTS = (
    ("severity", 2),
    ("platform", 0),
    ("restarts", 3),
    ("5xx errors", 5),
    ("429s", 6),
    ("memory", 9),
)


def _memory_cell(line: AdapterLine) -> str:
    m = line.worst_memory
    if m is None or m.ratio is None:
        return "-"
    return f"{pct(m.ratio):>4} {sparkline(m.ratio_history, 6)} {mib(m.limit_bytes)}"


def _queue_cell(m: AdapterMetrics | None) -> str:
    if m is None or m.queue_depth is None:
        return "-"
    return f"{m.queue_depth:.0f}/{human_duration(m.queue_oldest_age_seconds)}"


def compact_row(line: AdapterLine) -> Row:
    row = adapter_row(line)
    return Row(row.key, tuple(row.cells[i] for i in COMPACT_CELLS), row.style, row.sort_key)


def adapter_row(line: AdapterLine) -> Row:
    a, m = line.adapter, line.metrics
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
            -line.severity,
            a.platform,
            -line.restarts,
            -((m.error_ratio or 0) if m else 0),  # 5xx: failures, not throttling
            -((m.throttled_ratio or 0) if m else 0),
            -((memory.ratio or 0) if memory else 0),
        ),
    )
