"""The one output format of every budget (DESIGN.md section 10)."""

from __future__ import annotations


def report(name: str, value: float, baseline: float, budget: float, unit: str = "") -> bool:
    """Print `bench: <name> value=.. baseline=.. ratio=.. budget=.. ok|over`; True when ok.
    For a budget measured against something run in the same bench (a ratio)."""
    ratio = value / baseline if baseline else float("inf")
    ok = ratio <= budget
    print(
        f"bench: {name} value={value:.4g}{unit} baseline={baseline:.4g}{unit} "
        f"ratio={ratio:.3f} budget={budget:g} {'ok' if ok else 'over'}",
        flush=True,
    )
    return ok


def limit(name: str, value: float, bound: float, unit: str = "") -> bool:
    """Print `bench: <name> value=.. limit=.. ratio=.. ok|over`; True when ok. For a budget that
    is a fixed number (50 ms, 150 MB, 0 B/s): calling that number a baseline would say it was
    measured."""
    # a limit of zero (0 B/s): nothing is within it, anything is infinitely over it
    zero = 0.0 if value <= 0 else float("inf")
    ratio = value / bound if bound else zero
    ok = value <= bound
    print(
        f"bench: {name} value={value:.4g}{unit} limit={bound:.4g}{unit} "
        f"ratio={ratio:.3f} {'ok' if ok else 'over'}",
        flush=True,
    )
    return ok


def skip(name: str, reason: str) -> None:
    """Print `bench: <name> skip <reason>`: a budget not measured. `make bench` fails on it unless
    BENCH_ALLOW_SKIP=1, so a missing tool never passes for a met budget."""
    print(f"bench: {name} skip {reason}", flush=True)
