"""Small text formatters shared by the screens: ages, bars, severities."""

from __future__ import annotations

from oc_console.domain.durations import human_bytes, human_duration
from oc_console.domain.findings import Severity

SEVERITY_STYLE = {Severity.CRITICAL: "bold red", Severity.WARNING: "yellow", Severity.OK: ""}
# Words as well as colours, so the screen reads the same with NO_COLOR.
SEVERITY_TAG = {Severity.CRITICAL: "CRIT", Severity.WARNING: "WARN", Severity.OK: "ok"}


def bar(fraction: float, width: int = 10) -> str:
    """A text bar that still reads without colour: ███████░░░."""
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "█" * filled + "░" * (width - filled)


_SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: tuple[float, ...] | list[float], width: int = 12) -> str:
    """Fractions 0..1 as block characters, the newest on the right; resampled to `width`."""
    if not values:
        return ""
    if len(values) > width:
        step = len(values) / width
        values = [max(values[int(i * step) : int((i + 1) * step)] or [0.0]) for i in range(width)]
    return "".join(_SPARKS[min(7, max(0, int(v * 8)))] for v in values)


def pct(ratio: float | None) -> str:
    return (
        "-" if ratio is None else f"{ratio * 100:.0f}%" if ratio >= 0.1 else f"{ratio * 100:.1f}%"
    )


# The console's one byte and one duration formatter (oc_console.domain.durations), under the
# names the screens call.
mib = human_bytes
seconds = human_duration


def minutes(seconds: float) -> str:
    """An age or a time left to the minute: a per-second figure would repaint an idle console
    every second."""
    span = abs(seconds)
    return "<1m" if span < 60 else human_duration(span // 60 * 60)
