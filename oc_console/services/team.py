"""The facade's team side: what other engineers did (the shared audit, read on its own schedule
like any source, failing alone), and what this operator adds to the incident (notes, an
incident started by hand, the orders looked up), each an audit record with who and when.

The shared audit's poller has its own scheduler: it is not one of the target's sources (`check`
neither waits for it nor judges the platform by it), but it reads off the UI loop, with a
deadline and backoff, and says when it cannot."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from oc_console.config import Config
from oc_console.domain.health import SourceHealth
from oc_console.domain.incident import AuditEntry, IncidentStart, TeamActivity
from oc_console.domain.orders import OrderTimeline
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.errors import SourceError, UserError
from oc_console.runbook.audit import AuditError, AuditLog
from oc_console.runbook.audit_shared import CONNECT_TIMEOUT, SharedAuditError, read_shared
from oc_console.runbook.identity import Operator, local_operator, os_user
from oc_console.services.incident import IncidentTracker, journal_path, lookup_summary, save
from oc_console.services.poller import Poller
from oc_console.services.scheduler import SourceScheduler

if TYPE_CHECKING:
    from oc_console.runbook.engine import Engine

TEAM_WINDOW_S = 3600.0  # "actions by others in the last hour"
OPERATOR_SECONDS = 3.0  # a note waits this long at most for the cluster to say who we are
SHARED_ROWS = 1000
HOW_TO_SHARE = (
    "no shared audit configured: start with --audit-dsn DSN (or OC_AUDIT_DSN, or audit.dsn in "
    "the config file), create its table once with `oc-console audit init`; the README shows "
    "the GRANTs"
)


def team_activity(
    records: list[dict[str, Any]], me: tuple[str, str], window_s: float
) -> TeamActivity:
    """Actions (start records) by anyone but `me` (user, host), from newest-first records."""
    ids: set[str] = set()
    people: list[str] = []
    for r in records:
        who = (str(r.get("user") or ""), str(r.get("host") or ""))
        if r.get("phase") != "start" or who == me:
            continue
        ids.add(str(r.get("id")))
        if who[0] not in people:
            people.append(who[0])
    return TeamActivity(len(ids), window_s, tuple(people))


class TeamFeed:
    """The shared audit's last hour, as a source."""

    name = "shared audit"

    def __init__(self, dsn: str, me: tuple[str, str], window_s: float = TEAM_WINDOW_S) -> None:
        self.dsn, self.me, self.window_s = dsn, me, window_s

    async def fetch(self) -> TeamActivity:
        try:
            found = await read_shared(self.dsn, timedelta(seconds=self.window_s), SHARED_ROWS)
        except SharedAuditError as exc:
            raise SourceError(str(exc)) from None
        return team_activity(found, self.me, self.window_s)

    async def close(self) -> None:
        return None


def team_poller(config: Config, me: tuple[str, str]) -> Poller[TeamActivity]:
    source = TeamFeed(config.audit.dsn, me) if config.audit.dsn else None
    return Poller(source, "shared audit", deadline=CONNECT_TIMEOUT * 2)


def _target(r: dict[str, Any]) -> str:
    t = r.get("target")
    if isinstance(t, dict):
        where = f"{t['namespace']}/" if t.get("namespace") else ""
        return f"{where}{t.get('kind')}/{t.get('name')}"
    return str(t or "")


def audit_entry(r: dict[str, Any]) -> AuditEntry:
    try:
        at: datetime | None = datetime.fromisoformat(str(r.get("at")))
    except ValueError:
        at = None
    who = f"{r.get('user') or '?'}@{r.get('host') or '?'}"
    detail = r.get("note") or r.get("error") or r.get("message") or r.get("verification") or ""
    return AuditEntry(at, who, str(r.get("action") or ""), _target(r), str(r.get("phase") or ""),
                      str(r.get("outcome") or r.get("reason") or ""), str(detail),
                      str(r.get("record_id") or ""))  # fmt: skip


class ConsoleTeam:
    """Mixed into the facade (console.py), which sets these."""

    config: Config
    context_label: str | None
    audit: AuditLog
    _engine: Engine | None

    def _init_team(self) -> None:
        self.incident = IncidentTracker()
        self._journal_writes: set[asyncio.Task[None]] = set()
        self.team_feed = team_poller(self.config, (os_user(), local_operator().host))
        self.team_scheduler = SourceScheduler(
            (self.team_feed,), refresh_seconds=self.config.ui.refresh_seconds
        )

    async def engine(self) -> Engine:
        raise NotImplementedError  # the facade's (ConsoleActions)

    def observe(self, snap: ConsoleSnapshot) -> None:
        """What appeared or cleared since the last snapshot shown: into the incident, and
        into its journal in a thread (the UI loop never writes a file)."""
        fresh = self.incident.observe(snap)
        if fresh:
            work = asyncio.to_thread(save, journal_path(self.audit.path), fresh)
            task = asyncio.get_running_loop().create_task(work)
            self._journal_writes.add(task)
            task.add_done_callback(self._journal_writes.discard)

    async def journal_written(self) -> None:
        """Every journal write started so far has ended (a hand-off, a test, the exit)."""
        if self._journal_writes:
            await asyncio.wait(list(self._journal_writes))

    def team(self) -> tuple[TeamActivity | None, SourceHealth]:
        """What others did in the last hour (None until read), and how the read went."""
        return self.team_feed.value, self.team_feed.health()

    async def shared_audit(self, since: timedelta = timedelta(hours=24)) -> list[AuditEntry]:
        """Every engineer's records, newest first; UserError without a shared audit, or when
        the table cannot be read (one line)."""
        if self.audit.shared is None:
            raise UserError(HOW_TO_SHARE)
        with contextlib.suppress(SharedAuditError, OSError):
            await self.audit.shared.flush()  # this console's own records first
        try:
            found = await read_shared(self.audit.shared.dsn, since, SHARED_ROWS)
        except SharedAuditError as exc:
            raise UserError(str(exc)) from None
        return [audit_entry(r) for r in found]

    async def _operator(self, *, ask: bool = True) -> tuple[Operator, str]:
        """Who writes the record (with the Kubernetes identity when the cluster says it;
        `ask=False`: only when the engine already asked, so a lookup never waits for it)."""
        if self._engine is None and ask:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(OPERATOR_SECONDS):
                    await self.engine()
        if self._engine is not None:
            return self._engine.env.operator, self._engine.env.context
        return local_operator(), self.context_label or self.config.kubernetes.context or "-"

    async def _record(
        self, build: Callable[[Operator, str], dict[str, Any]], *, ask: bool = True
    ) -> dict[str, Any]:
        op, context = await self._operator(ask=ask)
        record = build(op, context)
        try:
            await self.audit.write(record)
        except AuditError as exc:
            raise UserError(str(exc)) from None
        return record

    async def add_note(self, text: str) -> str:
        """`N`: a timestamped note, audited (and shared) like an action; the note as kept."""
        from oc_console.runbook.incident import note_record

        record = await self._record(lambda op, ctx: note_record(op, ctx, text))
        return str(record["note"])

    async def start_incident(self) -> IncidentStart | None:
        """`:incident start`: None when an incident is already under way (it says since when)."""
        from oc_console.runbook.incident import incident_record

        if self.incident.start is not None:
            return None
        record = await self._record(incident_record)
        who = f"{record['user']}@{record['host']}"
        at = datetime.fromisoformat(record["at"])
        self.incident.begin(at, f":incident start by {who}", entry=False)
        return self.incident.start

    async def record_lookup(self, timeline: OrderTimeline) -> None:
        """An order the operator looked up, with its state and why it failed: the hand-off's
        "Orders looked at". Never fails the lookup."""
        from oc_console.runbook.incident import lookup_record

        state, reason = lookup_summary(timeline)
        with contextlib.suppress(UserError):
            await self._record(
                lambda op, ctx: lookup_record(op, ctx, timeline.order_id, state, reason), ask=False
            )

    def incident_since(self, now: datetime, at_least: timedelta) -> timedelta:
        """The hand-off's window: `at_least`, or longer to cover the whole incident."""
        start = self.incident.start
        if start is None:
            return at_least
        return max(at_least, now.astimezone(UTC) - start.at + timedelta(minutes=1))
