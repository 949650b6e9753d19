"""What the console knows about the PostgreSQL connection pool at one moment."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Session:
    """A backend worth showing: idle in transaction, blocked, or blocking."""

    pid: int
    application_name: str
    client_addr: str | None
    user: str | None
    database: str | None
    state: str | None
    xact_age_s: float | None  # since the transaction began
    state_age_s: float | None  # since the state last changed
    wait_event: str | None
    query: str
    # The instants the ages are read from (epoch seconds): the probe reads each age as its
    # now() minus these, so they stay put while the session does nothing, as its ages grow.
    # None where unknown (a session built by hand).
    xact_start: float | None = None
    state_change: float | None = None


@dataclass(frozen=True)
class BlockedSession:
    session: Session
    blocked_by: tuple[int, ...]  # pg_blocking_pids()


@dataclass(frozen=True)
class StatementStat:
    queryid: int | None
    query: str
    calls: int
    total_ms: float
    mean_ms: float
    rows: int


QUERY_HIDDEN = "(query text left out)"


@dataclass(frozen=True)
class PoolSnapshot:
    server_version: str
    max_connections: int
    reserved_connections: int  # superuser_reserved_connections + reserved_connections
    sessions_by_state: tuple[tuple[str, int], ...]  # client backends, most first
    sessions_by_application: tuple[tuple[str, int], ...]
    oldest_xact_age_s: float | None
    oldest_xact_pid: int | None
    idle_in_transaction_count: int
    idle_in_transaction: tuple[Session, ...]  # oldest transaction first, capped
    blocked: tuple[BlockedSession, ...]
    blockers: tuple[Session, ...]  # every session some blocked session waits on
    hidden_sessions: int  # sessions whose state/query the role may not see
    role: str
    can_see_all: bool  # pg_read_all_stats (part of pg_monitor) or superuser
    statements: tuple[StatementStat, ...] | None  # None: pg_stat_statements not available
    statements_note: str | None  # why statements are missing
    # (application_name, client_addr, sessions), most first: who holds the connections, by
    # the name a client gave itself and by the address it came from (None: a unix socket)
    sessions_by_client: tuple[tuple[str, str | None, int], ...] = ()

    @property
    def total_sessions(self) -> int:
        return sum(n for _, n in self.sessions_by_state)

    def without_queries(self) -> PoolSnapshot:
        """The same snapshot with pg_stat_activity's query text dropped: it can carry
        literals such as passwords. pg_stat_statements text is normalised ($1) and stays."""

        def bare(s: Session) -> Session:
            return replace(s, query=QUERY_HIDDEN)

        return replace(
            self,
            idle_in_transaction=tuple(bare(s) for s in self.idle_in_transaction),
            blocked=tuple(replace(b, session=bare(b.session)) for b in self.blocked),
            blockers=tuple(bare(s) for s in self.blockers),
        )

    @property
    def usable_connections(self) -> int:
        return max(1, self.max_connections - self.reserved_connections)

    @property
    def saturation_pct(self) -> float:
        return 100.0 * self.total_sessions / self.usable_connections

    def state_count(self, state: str) -> int:
        return dict(self.sessions_by_state).get(state, 0)

    @property
    def visibility_note(self) -> str | None:
        if self.can_see_all:
            return None
        return (
            f"role {self.role} lacks pg_monitor: the state and query of "
            f"{self.hidden_sessions} other users' sessions are hidden"
        )

    def blocking_tree(self) -> list[tuple[int, Session]]:
        """(depth, session) rows: each root blocker, then whoever waits on it, depth-first."""
        by_pid = {s.pid: s for s in self.blockers}
        by_pid.update({b.session.pid: b.session for b in self.blocked})
        waiters: dict[int, list[int]] = {}
        for b in self.blocked:
            for blocker in b.blocked_by:
                waiters.setdefault(blocker, []).append(b.session.pid)
        blocked_pids = {b.session.pid for b in self.blocked}
        roots = sorted(pid for pid in waiters if pid not in blocked_pids)
        rows: list[tuple[int, Session]] = []
        seen: set[int] = set()

        def walk(pid: int, depth: int) -> None:
            if pid in seen or pid not in by_pid:
                return
            seen.add(pid)
            rows.append((depth, by_pid[pid]))
            for w in sorted(waiters.get(pid, [])):
                walk(w, depth + 1)

        for root in roots or sorted(waiters):  # a pure cycle has no root: start anywhere
            walk(root, 0)
        return rows


@dataclass(frozen=True)
class BouncerPool:
    """One PgBouncer pool (database, user) on one PgBouncer, as its Prometheus exporter reports
    it (asyncpg cannot speak PgBouncer's admin console). None: this exporter does not export
    the figure: Debian's (`pgbouncer_waiting_clients`, ...) has no per-pool server counts,
    the prometheus-community one (`pgbouncer_pools_*`) has them all."""

    instance: str
    database: str
    user: str
    client_active: int | None = None
    client_waiting: int | None = None
    server_active: int | None = None
    server_idle: int | None = None
    server_used: int | None = None
    max_wait_s: float | None = None  # the oldest waiting client's wait
    pool_size: int | None = None  # the database's pool_size (default_pool_size unless set)
    servers: int | None = None  # server connections open for the database, in any state

    @property
    def no_idle_server(self) -> bool | None:
        """PgBouncer hands an idle server to a waiting client at once, so a full pool means none
        is idle; None when the exporter says neither."""
        if self.server_idle is not None:
            return self.server_idle == 0
        if self.servers is not None and self.pool_size:
            return self.servers >= self.pool_size
        return None

    @property
    def exhausted(self) -> bool:
        """Clients wait and no server is idle: the pool is spent before PostgreSQL is."""
        return bool(self.client_waiting) and self.no_idle_server is True

    @property
    def summary(self) -> str:
        """One line, as the Database screen shows it beside PostgreSQL's own view."""

        def n(value: float | None) -> str:
            return "?" if value is None else f"{value:g}"

        if self.server_idle is not None:
            servers = (
                f"servers {n(self.server_active)} active {n(self.server_idle)} idle "
                f"{n(self.server_used)} used"
            )
        else:
            servers = f"servers {n(self.servers)} open"
        wait = f" · max wait {self.max_wait_s:.0f}s" if self.max_wait_s else ""
        return (
            f"pgbouncer {self.database}/{self.user}: clients {n(self.client_active)} active "
            f"{n(self.client_waiting)} waiting · {servers} of pool {n(self.pool_size)}{wait}"
        )
