"""Several targets at once (clusters, VMs): each one's snapshot under its name, what one cell of
the fleet line says about it, and the findings of all of them worst first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from oc_console.domain.findings import Finding, Severity, by_urgency
from oc_console.domain.snapshot import ConsoleSnapshot

# The sources' names where a cell has room for a word ("ap-se k8s down")
SHORT_SOURCE = {
    "postgres": "pg",
    "kubernetes": "k8s",
    "prometheus": "prom",
    "alertmanager": "am",
    "recent_orders": "orders",
}
_SHORT_SEVERITY = {Severity.CRITICAL: "CRIT", Severity.WARNING: "WARN"}
# A target that cannot be read and has nothing critical is UNKNOWN, as `check` says: worse
# than a warning (what cannot be seen may be the real cause), not as bad as a critical.
_RANK = {0: 0, 1: 1, 3: 2, 2: 3}
UNKNOWN = 3


@dataclass(frozen=True)
class TargetSnapshot:
    name: str
    snapshot: ConsoleSnapshot

    @property
    def worst(self) -> Severity:
        return Severity(self.snapshot.worst)

    @property
    def problems(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.snapshot.findings if f.severity > Severity.OK)

    @property
    def down(self) -> tuple[str, ...]:
        """The configured sources it could not read: the last attempt failed, or gave up at a
        deadline. A source whose first read is still under way (or not begun: a fleet's other
        targets wait for the shown one's first frame) is not down yet."""
        return tuple(
            s.name
            for s in self.snapshot.sources
            if s.configured and not s.ok and (s.error is not None or s.fetched_at is not None)
        )

    @property
    def reading(self) -> bool:
        """Nothing read yet, nothing failed yet: its first reads are under way or to come."""
        configured = [s for s in self.snapshot.sources if s.configured]
        return bool(configured) and all(
            not s.ok and s.error is None and s.fetched_at is None for s in configured
        )

    @property
    def status(self) -> int:
        """Nagios, as `check` exits: a critical finding wins over an unreadable source, which
        wins over a warning."""
        if self.worst == Severity.CRITICAL:
            return int(Severity.CRITICAL)
        return UNKNOWN if self.down else int(self.worst)

    def cell(self) -> str:
        """One target on the fleet line: 'eu-west CRIT 3', 'us-east ok', 'ap-se k8s down'."""
        parts = [self.name]
        if self.worst > Severity.OK:
            parts.append(f"{_SHORT_SEVERITY[self.worst]} {len(self.problems)}")
        if self.down:
            parts.append(",".join(SHORT_SOURCE.get(n, n) for n in self.down) + " down")
        if len(parts) == 1:
            parts.append("reading…" if self.reading else "ok")
        return " ".join(parts)


def worst_status(statuses: Iterable[int]) -> int:
    """The worst of several Nagios statuses (0 when there are none)."""
    return max(statuses, key=_RANK.__getitem__, default=0)


def fleet_line(targets: Iterable[TargetSnapshot]) -> str:
    return " · ".join(t.cell() for t in targets)


def fleet_findings(targets: Iterable[TargetSnapshot]) -> list[Finding]:
    """Every target's findings (each names its target), worst first across the fleet."""
    return by_urgency([f for t in targets for f in t.snapshot.findings])


@dataclass(frozen=True)
class FleetView:
    """What the screens show of several targets: each one's latest, the one every screen
    shows (`focused`), and whether `:ctx` pinned it."""

    targets: tuple[TargetSnapshot, ...]
    focused: str
    pinned: bool = False

    @property
    def listed(self) -> tuple[TargetSnapshot, ...]:
        """The targets a list screen shows: the pinned one, else every one."""
        if self.pinned:
            return tuple(t for t in self.targets if t.name == self.focused)
        return self.targets

    @property
    def findings(self) -> list[Finding]:
        """The Overview's list: the pinned target's, else every target's, worst first."""
        return fleet_findings(self.listed)


def listed_targets(view: FleetView | None, focused: ConsoleSnapshot) -> tuple[TargetSnapshot, ...]:
    """What a list screen lists rows from: each listed target's snapshot, the focused one's
    being `focused` (the app's latest: its cluster's watch redraws it between the fleet's
    reads). One console without a fleet is one unnamed target."""
    if view is None:
        return (TargetSnapshot("", focused),)
    return tuple(
        TargetSnapshot(t.name, focused) if t.name == view.focused else t for t in view.listed
    )
