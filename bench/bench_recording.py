"""Recording: what a frame costs and how big a recording grows, on the demo's sandbox
(`--scenario all`), time compressed as in bench_soak (one UI refresh per cycle, the console's
clock moved on a refresh interval per cycle); the sandbox runs in a child process, so the CPU
measured is the facade's and the recorder's alone.

- CPU per refresh with a frame recorded each refresh (encoded, compressed and written, the
  recorder's thread waited for) against refreshes without recording, in alternating blocks of
  the same run: the CPU of the event loop's thread and of the recorder's. Printed for a person:
  it prices a frame against the facade's refresh alone, without the screens' work or the
  sources' threads, which a console pays either way; the 5 % budget is the console's, measured
  by bench_recording_console;
- the file's growth per (virtual) hour over a stretch recorded without a gap, against a fixed
  2 MB/h;
- seeking to a random moment of a 6-hour recording (made of the frames just recorded, one every
  two seconds) and building its snapshot, the slowest of 30, against a fixed 200 ms.
BENCH_RECORDING_MINUTES sets each measured phase's virtual minutes (default 20)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.bench_soak import VirtualTime, serve
from bench.common import limit, skip

MINUTES = float(os.environ.get("BENCH_RECORDING_MINUTES", "20"))
WARM_UP_MINUTES = 5
GROWTH_LIMIT_MB_PER_HOUR = 2.0
SEEK_LIMIT_MS = 200.0
SEEK_HOURS = 6
SEEKS = 30
BLOCK = 30  # refreshes per block of the CPU comparison


async def measure(flags: dict[str, Any], path: Path) -> bool:
    from oc_console.config_loading import load_config
    from oc_console.services.console import Console
    from oc_console.services.recorder import Recorder

    clock = VirtualTime()
    config = load_config(flags=flags, environ={})
    console = Console(config, context_label="sandbox", clock=clock.now)
    for poller in console.pollers:
        poller.monotonic = clock.monotonic
    interval = config.ui.refresh_seconds
    cycles = int(MINUTES * 60 / interval)
    recording = False

    def cpu() -> float:
        # the event loop's thread and the recorder's: the sources' own threads (watches, log
        # sampler, Prometheus's pool) do the same work either way, and their CPU landing in one
        # block or the next was most of this measure's noise
        return time.thread_time() + time.clock_gettime(writer_clock)

    async def cycle() -> float:
        clock.advance(interval)
        start = cpu()
        await console.refresh()
        console.snapshot()  # what the Overview redraws from
        if recording:
            recorder.take()  # what the recorder does when a source answers
            recorder.flush()
        return cpu() - start

    recorder = Recorder(console, path)
    assert recorder.thread_id is not None
    writer_clock = time.pthread_getcpuclockid(recorder.thread_id)
    plain: list[float] = []
    recorded: list[float] = []
    try:
        await console.fresh(first_data_within=60.0)
        for _ in range(int(WARM_UP_MINUTES * 60 / interval)):
            await cycle()
        # CPU: blocks of refreshes with and without recording, in turn, so the drift of a
        # refresh's cost over the run (it creeps up as the sandbox's data grows) weighs on both
        for _ in range(max(1, cycles // BLOCK)):
            recording = False
            plain += [await cycle() for _ in range(BLOCK)]
            recording = True
            recorded += [await cycle() for _ in range(BLOCK)]
        # size: a stretch recorded without a gap, as a recording runs
        before, started = path.stat().st_size, clock.now()
        for _ in range(cycles):
            await cycle()
        recorder.flush()
        grown = path.stat().st_size - before
        hours = (clock.now() - started).total_seconds() / 3600
    finally:
        recorder.close()
        await console.close()
    base, cost = sum(plain) / len(plain), sum(recorded) / len(recorded)
    print(f"# a refresh of the facade alone: {base * 1e3:.2f} ms; with a frame recorded: "
          f"{cost * 1e3:.2f} ms ({cost / base:.3f}x)")  # fmt: skip
    growth = grown / 1e6 / hours
    return limit("recording_growth_per_hour", growth, GROWTH_LIMIT_MB_PER_HOUR, "MB")


def six_hours(source: Path, path: Path) -> None:
    """A 6-hour recording made of the frames of `source`, one every two seconds."""
    from oc_console.recording.format import header_tree
    from oc_console.recording.reader import Recording
    from oc_console.recording.writer import RecordingWriter

    rec = Recording(source)
    trees = [rec.tree(i) for i in range(len(rec))]
    trees += trees[-2:0:-1]  # there and back: no jump from the last frame to the first
    header = header_tree(console_version="bench", context="sandbox", namespaces=("openclaw",),
                         sources=tuple(rec.header["sources"]), full_every=300.0,
                         created_at=datetime.now(UTC).isoformat())  # fmt: skip
    writer = RecordingWriter(path, header, max_size=2**31)
    start = rec.start.timestamp()
    for i in range(SEEK_HOURS * 3600 // 2):
        tree = trees[i % len(trees)]
        at = start + 2 * i
        tree = {**tree, "inputs": {**tree["inputs"], "now": {"@dt": _iso(at)}}}
        writer.frame(at, tree)
    writer.close()


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


def seek(path: Path) -> bool:
    from oc_console.config import Config
    from oc_console.recording.reader import Recording
    from oc_console.services.replay import offline
    from oc_console.services.replay_player import ReplayPlayer

    player = ReplayPlayer(Recording(path), offline(Config()))
    rec = player.recording
    rng = random.Random(6)
    player.seek(rec.end)
    player.snapshot()  # once first: the analysis's imports and compiled patterns are not a seek
    slowest = 0.0
    for _ in range(SEEKS):
        at = datetime.fromtimestamp(rng.uniform(rec.times[0], rec.times[-1]), UTC)
        rec._cache = None  # each seek from cold: its full frame and deltas decoded anew
        start = time.perf_counter()
        player.seek(at)
        player.snapshot()
        slowest = max(slowest, time.perf_counter() - start)
    return limit("recording_seek_6h_slowest", slowest * 1e3, SEEK_LIMIT_MS, "ms")


def main() -> int:
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_recording", "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    with tempfile.TemporaryDirectory() as tmp:
        recorded, long = Path(tmp) / "bench.ocrec", Path(tmp) / "six-hours.ocrec"
        try:
            line = child.stdout.readline()
            if not line:
                skip("recording", "the sandbox did not start")
                return 0
            ok = asyncio.run(measure(json.loads(line), recorded))
        finally:
            child.stdin.close()
            child.wait(60)
        six_hours(recorded, long)
        ok &= seek(long)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(serve() if "--serve" in sys.argv else main())
