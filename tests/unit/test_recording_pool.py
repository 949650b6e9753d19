"""The database pool in a recording: its sessions' ages, which grow at every read, are written
relative to the pool's oldest, so a pool read again with every session older by the same few
seconds costs a frame one number; the ages come back to within 10 ms, without the query text,
and a recording written before (schema 1, ages in seconds) still reads."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from oc_console.domain.database import QUERY_HIDDEN, PoolSnapshot
from oc_console.recording.codec import Codec
from oc_console.recording.delta import apply, diff
from oc_console.services.recording_frames import FrameCodec
from oc_console.services.recording_pool import PoolEncoder
from oc_console.services.snapshot_builder import SnapshotInputs
from tests.unit.factories import blocked, pool, session

AT = datetime(2026, 12, 5, 3, 12, tzinfo=UTC)


def read(later: float, rng: random.Random, *, state: str = "idle in transaction") -> PoolSnapshot:
    """The pool `later` seconds on, each age with a few microseconds of noise (a float's last
    digits, or a probe that reads each row's age at its own instant)."""

    def age(start: float) -> float:
        return start + later + rng.uniform(0, 20e-6)

    rows = tuple(
        session(100 + i, "openclaw-adapter-amazon", xact_age_s=age(60.0 - i * 0.25),
                state_age_s=age(59.5 - i * 0.25), query="UPDATE orders SET token='hunter2'")
        for i in range(40)
    )  # fmt: skip
    waiter = session(900, "openclaw-webhook", state="active", wait_event="transactionid",
                     xact_age_s=age(3.0), state_age_s=age(3.0))  # fmt: skip
    holder = session(100, "openclaw-adapter-amazon", state=state, xact_age_s=age(60.0),
                     state_age_s=age(59.5))  # fmt: skip
    return pool(
        oldest_xact_age_s=age(60.0),
        oldest_xact_pid=100,
        idle_in_transaction_count=len(rows),
        idle_in_transaction=rows,
        blocked=(blocked(waiter, 100),),
        blockers=(holder,),
    )


def frame(codec: FrameCodec, database: PoolSnapshot, later: float) -> Any:
    inputs = SnapshotInputs(now=AT + timedelta(seconds=later), context_label="sandbox",
                            sources=(), database=database)  # fmt: skip
    return codec.encode(inputs, (), (), ())


def written(tree: Any) -> Any:
    return orjson.loads(orjson.dumps(tree))


def test_a_pool_read_again_a_little_older_costs_a_frame_one_number() -> None:
    rng, codec = random.Random(5), FrameCodec()
    first = frame(codec, read(0.0, rng), 0.0)
    second = frame(codec, read(2.0, rng), 2.0)
    patch = diff(first, second)
    assert patch is not None
    database = patch["@~"]["inputs"]["@~"]["database"]["@~"]
    assert set(database) == {"oldest_xact_age_s", "@oldest"}
    size = len(orjson.dumps(database))
    assert size < 100, size


def test_a_session_that_moved_is_the_only_row_patched() -> None:
    rng, codec = random.Random(6), FrameCodec()
    first = frame(codec, read(0.0, rng), 0.0)
    second = frame(codec, read(2.0, rng, state="active"), 2.0)
    database = diff(first, second)["@~"]["inputs"]["@~"]["database"]["@~"]  # type: ignore[index]
    assert set(database) == {"oldest_xact_age_s", "@oldest", "blockers"}
    assert database["blockers"] == {"@i": [[0, {"@~": {"state": {"@=": "active"}}}]]}


def test_the_ages_come_back_to_ten_milliseconds_without_the_query_text() -> None:
    rng, codec = random.Random(7), FrameCodec()
    trees, pools = [], []
    for i in range(3):
        pools.append(read(2.0 * i, rng))
        trees.append(written(frame(codec, pools[-1], 2.0 * i)))
    patched = apply(trees[0], diff(trees[0], trees[2]))
    for tree, original in ((trees[1], pools[1]), (patched, pools[2])):
        back = FrameCodec().decode(tree).inputs.database
        assert back is not None
        assert back.oldest_xact_age_s == original.oldest_xact_age_s
        rows = [*back.idle_in_transaction, back.blocked[0].session, *back.blockers]
        was = [*original.idle_in_transaction, original.blocked[0].session, *original.blockers]
        assert [r.pid for r in rows] == [r.pid for r in was]
        for row, old in zip(rows, was, strict=True):
            assert row.query == QUERY_HIDDEN
            assert row.xact_age_s == pytest.approx(old.xact_age_s, abs=0.0051)
            assert row.state_age_s == pytest.approx(old.state_age_s, abs=0.0051)
            assert (row.state, row.wait_event) == (old.state, old.wait_event)
        assert back.blocked[0].blocked_by == (100,)
    assert "hunter2" not in orjson.dumps(trees).decode()


def test_a_pool_written_with_ages_in_seconds_still_reads() -> None:
    """How schema 1 wrote the pool (the fixtures in tests/fixtures/recordings are schema 1)."""
    codec = FrameCodec()
    original = read(0.0, random.Random(8)).without_queries()
    database = codec.codec.encode(original)
    tree = {"@": "snapshot_builder.SnapshotInputs", "now": {"@dt": AT.isoformat()},
            "context_label": "sandbox", "sources": [], "database": database}  # fmt: skip
    frame_tree = {"inputs": tree, "recorded": {"findings": [], "pages": [], "cleared": []}}
    assert codec.decode(written(frame_tree)).inputs.database == original


class Probe:
    """Sessions as the probe reads them: each age is one instant (the probe's now()) minus the
    instant its session's transaction began or its state changed, to the microsecond. The
    pool's oldest transaction is now and then an active one, which the rows do not list."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.now = 1_796_000_000 * _US  # microseconds since the epoch
        self.next_pid = 100
        self.sessions: dict[int, tuple[int, int]] = {}  # pid -> (xact start, state change)
        self.active: int | None = None  # an active transaction's start, listed nowhere
        for _ in range(30):
            self.begin(ago=rng.randrange(1, 600 * _US))

    def begin(self, ago: int = 0) -> None:
        self.next_pid += 1
        self.sessions[self.next_pid] = (self.now - ago, self.now - ago)

    def step(self) -> None:
        """Two seconds on, and now and then a session ends, begins, or runs a statement, or a
        long transaction (older than every row) begins or ends elsewhere."""
        self.now += 2 * _US + self.rng.randrange(-5000, 5000)
        event = self.rng.choice(["none"] * 5 + ["end", "end oldest", "begin", "statement",
                                                "active"])  # fmt: skip
        pids = sorted(self.sessions, key=lambda p: self.sessions[p][0])
        if event == "end":
            del self.sessions[self.rng.choice(pids[1:])]
        elif event == "end oldest":
            del self.sessions[pids[0]]
        elif event == "begin":
            self.begin()
        elif event == "statement":
            pid = self.rng.choice(pids)
            self.sessions[pid] = (self.sessions[pid][0], self.now - self.rng.randrange(1000))
        elif event == "active":
            oldest_row = self.sessions[pids[0]][0]
            self.active = None if self.active else oldest_row - self.rng.randrange(1, 60 * _US)

    def read(self) -> PoolSnapshot:
        rows = [
            session(pid, "openclaw-adapter-amazon", xact_age_s=(self.now - xs) / _US,
                    state_age_s=(self.now - sc) / _US, xact_start=xs / _US,
                    state_change=sc / _US)
            for pid, (xs, sc) in sorted(self.sessions.items(), key=lambda kv: kv[1][0])
        ]  # fmt: skip
        oldest = rows[0].xact_age_s if self.active is None else (self.now - self.active) / _US
        return pool(
            oldest_xact_age_s=oldest,
            oldest_xact_pid=rows[0].pid,
            idle_in_transaction_count=len(rows),
            idle_in_transaction=tuple(rows),
        )


_US = 1_000_000


def test_the_probes_rows_keep_their_trees_by_their_instants_and_write_what_their_ages_say() -> None:
    """A row of the probe's keeps its tree while its session and instants stay and the oldest
    stays (no age is computed for it); whatever moved, the frame holds what an encoder that
    never saw the pool before writes from the ages."""
    probe, encoder = Probe(random.Random(9)), PoolEncoder(Codec(extra=(SnapshotInputs,)))
    last, kept = encoder.encode(probe.read()), 0
    for _ in range(300):
        before = (dict(probe.sessions), probe.active)
        probe.step()
        database = probe.read()
        tree = encoder.encode(database)
        assert tree == PoolEncoder(Codec(extra=(SnapshotInputs,))).encode(database)
        if (probe.sessions, probe.active) == before:
            assert tree["idle_in_transaction"] is last["idle_in_transaction"]
            kept += 1
        last = tree
    assert kept > 100
