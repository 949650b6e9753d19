"""`make bench`: run every bench/bench_*.py in its own process; exit 1 if any budget is over,
any bench crashed or skipped (a skip passes only with BENCH_ALLOW_SKIP=1)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bench.runner import run

HERE = Path(__file__).resolve().parent


def main() -> int:
    modules = [f"bench.{script.stem}" for script in sorted(HERE.glob("bench_*.py"))]
    return run(modules, HERE.parent, allow_skip=os.environ.get("BENCH_ALLOW_SKIP") == "1")


if __name__ == "__main__":
    sys.exit(main())
