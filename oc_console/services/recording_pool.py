"""The database source (a PoolSnapshot) as a frame records it, and back.

The pool is read again at every refresh, and every session row it lists carries two clocks
(its transaction's age, its state's age) that PostgreSQL reads anew for each row: written as
they are, every row of every frame differs from the frame before, and the rows' ages were most
of a recording's size and of its cost. Yet the ages all grow together: a session's age minus
the oldest age among the pool's rows stays put while it stays in its transaction. So the pool
is written with that oldest age (`"@oldest"`), and each row's ages as how much younger they
are, to 10 ms (`{"@younger": seconds}`): a row whose session did nothing since is the
same tree as in the frame before (the same object: the delta passes it at once), and a
frame's pool costs a few bytes, whatever its rows.

Before anything is encoded, pg_stat_activity's query text is dropped (it can hold literals
such as passwords that no pattern recognises), as PoolSnapshot.without_queries does."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Any

from oc_console.domain.database import QUERY_HIDDEN, BlockedSession, PoolSnapshot, Session
from oc_console.recording.codec import Codec, CodecError, Tree, type_name

# The ages of the rows but the oldest are kept to 10 ms (in hundredths of a second): the probe
# reads every age against the same instant, so a session that did nothing keeps its distance
# to the oldest exactly. That distance is taken in whole microseconds (PostgreSQL's clock's
# unit) before it is rounded to hundredths, so a float's last digits never move it across a
# hundredth's boundary from one frame to the next. The screens show tenths at most.
PER_SECOND = 100
_MICROS = 1_000_000
_MICROS_PER_UNIT = _MICROS // PER_SECOND
OLDEST = "@oldest"
YOUNGER = "@younger"
SESSION_LISTS = ("idle_in_transaction", "blockers")
BLOCKED = type_name(BlockedSession)
# What a session row holds besides its ages (and its query, which is not recorded).
_WHO = attrgetter("pid", "application_name", "client_addr", "user", "database", "state",
                  "wait_event")  # fmt: skip
# A probe's row by the instants its ages are read from: while these stay, so does its tree.
# A backend's client, user and database are its connection's, and whatever it runs moves its
# state's instant (a wait need not).
_SINCE = attrgetter("pid", "xact_start", "state_change", "state", "wait_event",
                    "application_name")  # fmt: skip
_XACT, _STATE = attrgetter("xact_age_s"), attrgetter("state_age_s")
_XACT_START, _STATE_CHANGE = attrgetter("xact_start"), attrgetter("state_change")


@dataclass
class _Rows:
    """One list of session rows as a frame wrote it: who each session is, its ages in
    hundredths younger than the pool's oldest, and its tree."""

    who: list[tuple[Any, ...]]
    xact: list[int | None]
    state: list[int | None]
    trees: list[Tree]
    since: list[tuple[Any, ...]]  # who each session is, and the instants its ages are read from
    anchor: int | None  # see _anchor

    def keys(self) -> Iterator[tuple[Any, ...]]:
        return zip(self.who, self.xact, self.state, strict=True)

    def items(self) -> Iterator[tuple[tuple[Any, ...], Tree]]:
        return zip(self.keys(), self.trees, strict=True)


class PoolEncoder:
    """Encodes one PoolSnapshot a frame, reusing the last frame's tree of every row (and of
    the statements) that did not change."""

    def __init__(self, codec: Codec) -> None:
        self.codec = codec
        self._statements: tuple[object, Tree] | None = None
        self._lists: dict[str, _Rows] = {}  # the last frame's rows, by list
        self._rest: tuple[PoolSnapshot, Tree] | None = None  # the pool's own fields, last frame

    def encode(self, pool: PoolSnapshot) -> Tree:
        oldest = pool.oldest_xact_age_s
        if oldest is None:  # no transaction open: the rows' ages are their states'
            ages = [s.state_age_s for s in self._sessions(pool) if s.state_age_s is not None]
            oldest = max(ages, default=0.0)
        rest = replace(pool, idle_in_transaction=(), blocked=(), blockers=(), statements=None)
        was = self._rest
        own = self.codec.encode(rest) if was is None else self.codec.encode_like(rest, *was)
        self._rest = (rest, own)
        tree: dict[str, Tree] = dict(own)  # the rows go in below, not into `own`
        tree[OLDEST] = oldest
        last, self._lists = self._lists, {}
        for name in SESSION_LISTS:
            tree[name] = self._rows(name, getattr(pool, name), oldest, last)
        sessions = self._rows("blocked", [b.session for b in pool.blocked], oldest, last)
        tree["blocked"] = [
            {"@": BLOCKED, "session": session, "blocked_by": list(b.blocked_by)}
            for b, session in zip(pool.blocked, sessions, strict=True)
        ]
        tree["statements"] = self._statements_tree(pool.statements)
        return tree

    @staticmethod
    def _sessions(pool: PoolSnapshot) -> list[Session]:
        return [*pool.idle_in_transaction, *(b.session for b in pool.blocked), *pool.blockers]

    def _rows(
        self, name: str, sessions: Sequence[Session], oldest: float, last: dict[str, _Rows]
    ) -> list[Tree]:
        """Each session's tree: the last frame's when it holds the same. The hottest loop of a
        recording, hence written as whole-list steps: most often every row is as it was, and
        the whole list is the last frame's (the same object: the delta passes it at once).
        The probe's rows say so without an age computed: the same sessions, the same instants
        their ages are read from, and the same distance from the pool's oldest."""
        since, was = list(map(_SINCE, sessions)), last.get(name)
        # the same instants as the last frame's rows, which all had theirs (an anchor)
        if (
            was is not None
            and was.anchor is not None
            and since == was.since
            and _distance(sessions, oldest) == was.anchor
        ):
            self._lists[name] = was
            return was.trees
        top, unit = round(oldest * _MICROS) + _MICROS_PER_UNIT // 2, _MICROS_PER_UNIT  # to nearest
        rows = _Rows(
            list(map(_WHO, sessions)),
            [
                None if a is None else (top - round(a * _MICROS)) // unit
                for a in map(_XACT, sessions)
            ],
            [
                None if a is None else (top - round(a * _MICROS)) // unit
                for a in map(_STATE, sessions)
            ],
            [],
            since,
            _anchor(sessions, oldest),
        )
        if was is not None and (was.who, was.xact, was.state) == (rows.who, rows.xact, rows.state):
            rows.trees = was.trees
        else:  # a session began, ended or moved (perhaps from another list) since
            known = {key: tree for r in last.values() for key, tree in r.items()}
            for s, key in zip(sessions, rows.keys(), strict=True):
                tree = known.get(key)
                rows.trees.append(tree if tree is not None else self._row(s, key[1], key[2]))
        self._lists[name] = rows
        return rows.trees

    def _row(self, s: Session, xact: int | None, state: int | None) -> Tree:
        # the instants are the encoder's, not the recording's: a row is written as it was
        plain = replace(s, query=QUERY_HIDDEN, xact_start=None, state_change=None)
        tree: dict[str, Tree] = self.codec.encode(plain)
        tree["xact_age_s"] = None if xact is None else {YOUNGER: xact / PER_SECOND}
        tree["state_age_s"] = None if state is None else {YOUNGER: state / PER_SECOND}
        return tree

    def _statements_tree(self, statements: object) -> Tree:
        # pg_stat_statements' counters move only with the statements run since the last read
        cached = self._statements
        if cached is not None and cached[0] == statements:
            return cached[1]
        tree = self.codec.encode(statements)
        self._statements = (statements, tree)
        return tree


def _anchor(sessions: Sequence[Session], oldest: float) -> int | None:
    """`_distance` when every row carries the instants its ages are read from (the probe's
    rows: each age is the probe's now() minus its instant), else None. Then a row whose
    instants did not move keeps its ages' distances to the pool's oldest exactly while this
    stays: the oldest did not move either."""
    if None in map(_XACT_START, sessions) or None in map(_STATE_CHANGE, sessions):
        return None
    return _distance(sessions, oldest)


def _distance(sessions: Sequence[Session], oldest: float) -> int | None:
    """How much younger than the pool's oldest the first row's transaction is, in
    microseconds (the probe reads to the microsecond: a float's last digits are rounded off)."""
    if not sessions:
        return 0
    first = sessions[0].xact_age_s
    return None if first is None else round(oldest * _MICROS) - round(first * _MICROS)


def resolve_ages(pool: Tree) -> Tree:
    """A recorded pool's tree with its rows' ages back in seconds (a pool written before the
    ages were written this way has none to resolve, and is returned as it is)."""
    if not isinstance(pool, dict) or OLDEST not in pool:
        return pool
    oldest = pool[OLDEST]
    if not isinstance(oldest, int | float):
        raise CodecError("a recorded pool's oldest age is not a number")

    def row(tree: Tree) -> Tree:
        if not isinstance(tree, dict):
            return tree
        out = dict(tree)
        for name in ("xact_age_s", "state_age_s"):
            value = tree.get(name)
            if isinstance(value, dict):
                younger = value.get(YOUNGER)
                if not isinstance(younger, int | float):
                    raise CodecError("a recorded session's age is not a number")
                out[name] = oldest - younger
        return out

    out = {k: v for k, v in pool.items() if k != OLDEST}
    for name in SESSION_LISTS:
        if isinstance(pool.get(name), list):
            out[name] = [row(s) for s in pool[name]]
    if isinstance(pool.get("blocked"), list):
        out["blocked"] = [
            {**b, "session": row(b.get("session"))} if isinstance(b, dict) else b
            for b in pool["blocked"]
        ]
    return out
