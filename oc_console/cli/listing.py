"""Listings (`runbook list`, `silence list`, `audit`, `check`) for a person or for a pipe.

On a terminal: a Rich table that fits the width. Piped (`| cat`, `| grep`, a script), the way
kubectl prints: a header in capitals, then one line per row with every value whole, columns
padded to their longest value and three spaces apart: no box drawing, no wrapping, no
ellipsis, so an id can be copied and a column cut with awk. Every cell is backend text and goes
through `clean` first (in both forms).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence

import orjson
from rich.cells import cell_len
from rich.console import Console as RichConsole
from rich.table import Column, Table
from rich.text import Text

from oc_console.inert_json import inert
from oc_console.sanitize import clean

GAP = "   "
OUTPUTS = ("wide", "json")


def out_console() -> RichConsole:
    return RichConsole(no_color=bool(os.environ.get("NO_COLOR")), highlight=False)


def write_json(doc: object) -> None:
    """Indented JSON with nothing a terminal would act on (see inert_json)."""
    sys.stdout.write(inert(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()) + "\n")


def piped() -> bool:
    """Not a terminal: plain columns, never cut."""
    return not sys.stdout.isatty()


def plain_lines(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    cells = [[clean(c) for c in row] for row in rows]
    header = [c.upper() for c in columns]
    widths = [max(cell_len(x) for x in col) for col in zip(header, *cells, strict=True)]
    return [
        GAP.join(
            cell + " " * (w - cell_len(cell)) for cell, w in zip(row, widths, strict=True)
        ).rstrip()
        for row in (header, *cells)
    ]


def whole(out: RichConsole, line: str | Text, style: str = "") -> None:
    """One line as it is, whatever the width (a pipe has none)."""
    text = line if isinstance(line, Text) else Text(line, style=style)
    out.print(text, soft_wrap=True, crop=False)


def show(
    out: RichConsole,
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    plain: bool,
    keep: Sequence[str] = (),
    styles: Sequence[str] = (),
    title: str | None = None,
) -> None:
    """`rows` as plain columns (`plain`), or as a table whose `keep` columns are never cut
    (ids the operator types next), with an optional style per row."""
    if plain:
        for line in plain_lines(columns, rows):
            whole(out, line)
        return
    table = Table(
        *(Column(c, no_wrap=c in keep, min_width=None) for c in columns),
        box=None, title=title, title_justify="left",
    )  # fmt: skip
    for i, row in enumerate(rows):
        table.add_row(*(Text(clean(c)) for c in row), style=styles[i] if i < len(styles) else "")
    out.print(table)
