"""How a row table lays its columns out in the width it has: which columns to show, and each
cell cut or padded to its width in terminal cells.

At 80 columns not everything fits. Each column has a priority: 0 is never dropped, and the
highest number is dropped first (the rightmost of equals first), so the least useful column
goes before a useful one, and the table never slides a cut-off column off its right edge.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from rich.cells import cell_len

from oc_console.sanitize import clean, fit, fit_middle

MIN_NAME = 12  # a name cut in the middle still tells itself apart at this width


@dataclass(frozen=True)
class Column:
    title: str
    width: int  # minimum width; the last column shown takes the rest
    right: bool = False
    priority: int = 0  # 0: always shown; the highest number is dropped first when narrow
    middle: bool = False  # names: cut in the middle, keeping the suffix that tells them apart


def shown_columns(columns: Sequence[Column], width: int, keep: Collection[int] = ()) -> list[int]:
    """Indexes of the columns that fit in `width` cells; `keep` are never dropped (the column
    a table is sorted by must stay visible)."""
    shown = list(range(len(columns)))

    def need() -> int:
        return sum(columns[i].width for i in shown) + len(shown) - 1

    while shown and need() > width:
        droppable = [i for i in shown if columns[i].priority > 0 and i not in keep]
        if not droppable:
            break
        shown.remove(max(droppable, key=lambda i: (columns[i].priority, i)))
    return shown


def widths(columns: Sequence[Column], shown: Sequence[int], width: int) -> list[int]:
    """The width of each shown column. What is left goes to the last column, unless that is a
    right-aligned number (numbers line up under their title): then to the first name column,
    so names are cut only when they must be."""
    out = [columns[i].width for i in shown]
    left = width - (sum(out) + len(out) - 1)
    names = [n for n, i in enumerate(shown) if columns[i].middle]
    for n in names:  # still too wide: names give up room first (their cut keeps the suffix)
        if left >= 0:
            break
        give = min(-left, max(0, out[n] - MIN_NAME))
        out[n] -= give
        left += give
    if not shown or left <= 0:
        return out
    if not columns[shown[-1]].right:
        out[-1] += left
    elif names:
        out[names[0]] += left
    return out


def cell(text: str, column: Column, width: int) -> str:
    """One cell, cleaned of control characters and exactly `width` cells wide."""
    if column.middle:
        s = fit_middle(text, width)
        return s + " " * (width - cell_len(s))
    return fit(text, width, right=column.right)


def line(columns: Sequence[Column], shown: Sequence[int], cells: Sequence[str], width: int) -> str:
    parts = []
    for i, w in zip(shown, widths(columns, shown, width), strict=True):
        parts.append(cell(cells[i] if i < len(cells) else "", columns[i], w))
    text = " ".join(parts)
    return pad(text, width)


def pad(text: str, width: int) -> str:
    """`text` cut or padded to exactly `width` cells."""
    n = cell_len(text)
    if n > width:
        return fit(text, width)
    return text + " " * (width - n)


def chunks(text: str, width: int) -> list[str]:
    """`text` (cleaned) in pieces of at most `width` cells, for a wrapped cell."""
    s = clean(text)
    if width <= 0:
        return [s]
    if s.isascii():
        return [s[i : i + width] for i in range(0, len(s), width)] or [""]
    out: list[str] = []
    piece: list[str] = []
    used = 0
    for ch in s:
        w = cell_len(ch)
        if used + w > width and piece:
            out.append("".join(piece))
            piece, used = [], 0
        piece.append(ch)
        used += w
    out.append("".join(piece))
    return out


def wrapped_height(text: str, width: int) -> int:
    """How many lines `chunks` makes, without building them for plain ASCII."""
    s = clean(text)
    if width <= 0:
        return 1
    if s.isascii():
        return max(1, -(-len(s) // width))
    return len(chunks(s, width))
