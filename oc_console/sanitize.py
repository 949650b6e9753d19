"""The one sanitiser for text that came from a backend, before it reaches a terminal.

Log lines, event messages, SQL text, span attributes and error strings are written by whoever
can write a log line or a SQL comment, and the console runs in an on-call engineer's SSH
session: an ESC sequence in them could set the clipboard (OSC 52), retitle the window, clear the
screen or hide text. So every control character is shown visibly instead of passed through:
C0 controls as their Unicode "control picture" (ESC as ␛), DEL as ␡, C1 controls and bidi
overrides as `\\x9b` / `<U+202E>`. A tab becomes spaces, so columns keep their widths.

Widths are terminal cells (Rich's `cell_len`), never `len()`: a wide character takes two cells,
and a cut never splits a sequence because nothing escaping survives `clean`.

Rich markup is never parsed in this text: widgets build `Text`/`Segment` objects from it, never
markup strings; `clean` does not escape brackets because nothing that receives its output
interprets them.
"""

from __future__ import annotations

import re

from rich.cells import cell_len

TAB_WIDTH = 4
ELLIPSIS = "…"

_BIDI = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))
# Everything that must not reach a terminal as itself: C0 (tab and newline handled first),
# DEL, C1, and the bidi embeddings, overrides and isolates that reorder what is shown.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀..␟: ESC shows as ␛
    if code == 0x7F:
        return "\u2421"  # ␡
    if code in _BIDI:
        return f"<U+{code:04X}>"
    return f"\\x{code:02x}"  # C1, for example the 8-bit CSI \x9b


def clean(text: object, *, newlines: bool = False) -> str:
    """`text` made safe for a terminal. Newlines become spaces unless `newlines` keeps them
    (for text that is wrapped as a block, such as a log tail)."""
    s = text if isinstance(text, str) else str(text)
    if "\t" in s:
        s = s.expandtabs(TAB_WIDTH)
    if newlines:
        s = s.replace("\r\n", "\n")
        return "\n".join(_UNSAFE.sub(_visible, part) for part in s.split("\n"))
    if "\n" in s or "\r" in s:
        s = s.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return _UNSAFE.sub(_visible, s)


def is_clean(text: str) -> bool:
    return _UNSAFE.search(text) is None


def _take(text: str, cells: int, *, from_end: bool = False) -> str:
    """The longest prefix (or suffix) of `text` that fits in `cells` terminal cells."""
    out: list[str] = []
    used = 0
    for ch in reversed(text) if from_end else text:
        w = cell_len(ch)
        if used + w > cells:
            break
        out.append(ch)
        used += w
    return "".join(reversed(out)) if from_end else "".join(out)


def fit(text: str, width: int, *, right: bool = False) -> str:
    """Clean `text`, then cut (with …) or pad it to exactly `width` cells."""
    s = clean(text)
    n = cell_len(s)
    if n > width:
        s = _take(s, width - 1) + ELLIPSIS if width > 1 else _take(s, width)
        n = cell_len(s)
    pad = " " * (width - n)
    return pad + s if right else s + pad


def fit_middle(text: str, width: int) -> str:
    """Clean `text` and cut it in the middle to at most `width` cells, keeping the end: pod
    names differ in their suffix (`openclaw-adapter-amazon-7d9f…x2k4q`)."""
    s = clean(text)
    if cell_len(s) <= width:
        return s
    if width <= 1:
        return _take(s, width)
    tail = max(1, (width - 1) // 2)
    head = width - 1 - tail
    return _take(s, head) + ELLIPSIS + _take(s, tail, from_end=True)
