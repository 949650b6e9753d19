"""`make bench`: run every bench/bench_*.py in its own process; exit 1 if any budget is over."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    over = failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        module = f"bench.{script.stem}"
        done = subprocess.run(
            [sys.executable, "-m", module], cwd=HERE.parent, capture_output=True, text=True
        )
        sys.stdout.write(done.stdout)
        over += sum(1 for line in done.stdout.splitlines() if line.endswith(" over"))
        if done.returncode not in (0, 1):
            failed += 1
            print(f"bench: {module} crashed: {done.stderr.strip().splitlines()[-1:]}")
    return 1 if over or failed else 0


if __name__ == "__main__":
    sys.exit(main())
