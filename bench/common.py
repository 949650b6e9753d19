"""The one output format of every budget (DESIGN.md section 10)."""

from __future__ import annotations


def report(name: str, value: float, baseline: float, budget: float, unit: str = "") -> bool:
    """Print `bench: <name> value=.. baseline=.. ratio=.. budget=.. ok|over`; True when ok."""
    ratio = value / baseline if baseline else float("inf")
    ok = ratio <= budget
    print(
        f"bench: {name} value={value:.4g}{unit} baseline={baseline:.4g}{unit} "
        f"ratio={ratio:.3f} budget={budget:g} {'ok' if ok else 'over'}",
        flush=True,
    )
    return ok
