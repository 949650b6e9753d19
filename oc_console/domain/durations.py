"""The console's one duration formatter and one byte formatter, as people read them on a
screen or in a finding: 350ms, 2.5s, 45s, 12m05s, 3h, 2d04h; 512Mi, 1.5Gi (Kubernetes units,
as `kubectl` and the memory limits are written)."""

from __future__ import annotations

import math


def human_duration(seconds: float | None) -> str:
    """A zero minor unit is left out (3h, not 3h00m): a finding reads "expires in 5d"."""
    if seconds is None or not math.isfinite(seconds):
        return "-" if seconds is None else "∞"
    if seconds < 0:
        return "-" + human_duration(-seconds)
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 10 and seconds != int(seconds):
        return f"{seconds:.1f}s"
    s = int(seconds)
    for size, major, minor_size, minor, width in (
        (86400, "d", 3600, "h", 2),
        (3600, "h", 60, "m", 2),
        (60, "m", 1, "s", 2),
    ):
        if s >= size:
            rest = (s % size) // minor_size
            return f"{s // size}{major}" + (f"{rest:0{width}d}{minor}" if rest else "")
    return f"{s}s"


_BINARY = (("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10))


def human_bytes(n: float | None) -> str:
    """Bytes in binary units: 512Mi, 1.5Gi, 2Gi; a fraction only below 10 of a unit."""
    if n is None or not math.isfinite(n):
        return "-"
    for unit, size in _BINARY:
        if n >= size:
            value = n / size
            text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
            return text.removesuffix(".0") + unit
    return f"{n:.0f}B"
