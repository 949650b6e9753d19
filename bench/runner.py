"""What `make bench` prints and how it exits, read from each bench script's own output.

Every budget line ends in `ok` or `over`; a budget that could not be measured says `skip` and
why. A bench that skips, crashes, or exits 1 without a budget over is not a pass: the run fails
on it (a skip only when BENCH_ALLOW_SKIP is unset), and says which one and why."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# `bench: <name> skip <reason>`; `skipped:` is how benches wrote it before, on stderr
SKIP = re.compile(r"^bench: (?P<name>\S+) skip(?:ped)?:?(?:\s+(?P<reason>.*))?$")


@dataclass
class Tally:
    ok: int = 0
    over: int = 0
    skipped: int = 0
    failed: int = 0

    def exit_code(self, *, allow_skip: bool) -> int:
        return 1 if self.over or self.failed or (self.skipped and not allow_skip) else 0

    def summary(self, *, allow_skip: bool) -> str:
        line = (f"bench: {self.ok} ok, {self.over} over, {self.skipped} skipped, "
                f"{self.failed} failed")  # fmt: skip
        if self.skipped and not allow_skip:
            line += " (a skip fails the run; BENCH_ALLOW_SKIP=1 accepts it)"
        return line


def _last(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output on stderr"


def read_run(module: str, returncode: int, stdout: str, stderr: str, tally: Tally) -> list[str]:
    """The lines to show for one bench script's run, each budget counted into `tally`."""
    shown: list[str] = []
    results = over = 0
    skips = [line for line in stderr.splitlines() if SKIP.match(line)]
    for line in [*stdout.splitlines(), *skips]:
        skip = SKIP.match(line)
        if skip:
            tally.skipped += 1
            results += 1
            shown.append(f"bench: {skip['name']} skip {skip['reason'] or '(no reason given)'}")
            continue
        if line.startswith("bench: ") and line.endswith(" over"):
            results += 1
            over += 1
        elif line.startswith("bench: ") and line.endswith(" ok"):
            results += 1
            tally.ok += 1
        shown.append(line)
    tally.over += over
    if returncode not in (0, 1):
        tally.failed += 1
        shown.append(f"bench: {module} crashed (exit {returncode}): {_last(stderr)}")
    elif returncode == 1 and not over:
        # an uncaught exception also exits 1: without a budget over, that is what happened
        tally.failed += 1
        shown.append(f"bench: {module} failed with no budget over: {_last(stderr)}")
    elif not results:
        tally.failed += 1
        shown.append(f"bench: {module} reported no budget")
    return shown


def run(modules: Iterable[str], cwd: Path, *, allow_skip: bool) -> int:
    """Run each bench module in its own process, print its lines as it ends, and the verdict."""
    tally = Tally()
    for module in modules:
        done = subprocess.run(
            [sys.executable, "-m", module], cwd=cwd, capture_output=True, text=True
        )
        for line in read_run(module, done.returncode, done.stdout, done.stderr, tally):
            print(line, flush=True)
    print(tally.summary(allow_skip=allow_skip), flush=True)
    return tally.exit_code(allow_skip=allow_skip)
