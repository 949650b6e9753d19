"""Rows from several targets in one list: each row carries its target (the screen turns to it
before opening or acting on the row), and a TARGET column leads only when more than one target
is listed, so one target's screens keep their columns and their 80-column layout."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace

from oc_console.domain.targets import FleetView
from oc_console.screens.widgets.row_table import Column, Row, RowTable

# "us-east", "eu-west" whole; a longer name is cut ("ap-south…"): the fleet line spells it out
TARGET_COLUMN = Column("TARGET", 9)


GIVES_WAY = 9  # a priority above every table's own: dropped first


def with_target(
    columns: Sequence[Column], several: bool, give_way: Collection[int] = ()
) -> tuple[Column, ...]:
    """The columns, led by TARGET when several targets are listed; then the columns of
    `give_way` are the first dropped when narrow, making room for it at 80 columns."""
    if not several:
        return tuple(columns)
    return (TARGET_COLUMN, *(
        replace(c, priority=GIVES_WAY) if i in give_way else c for i, c in enumerate(columns)
    ))  # fmt: skip


def tagged(rows: Iterable[Row], target: str, several: bool) -> list[Row]:
    """The rows as one target's: they carry its name, and show it first when several are listed."""
    return [
        Row(r.key, (target, *r.cells) if several else r.cells, r.style, r.sort_key, target)
        for r in rows
    ]


def merged(per_target: Iterable[tuple[str, Sequence[Row]]], *, sort: bool = True) -> list[Row]:
    """Every target's rows in one list, each carrying its target. With `sort`, ordered by each
    row's sort key across targets (the targets' order among equals); rows without one keep
    their order."""
    parts = list(per_target)
    several = len(parts) > 1
    rows = [row for name, part in parts for row in tagged(part, name, several)]
    return sorted(rows, key=lambda r: r.sort_key) if sort and several else rows


def show_columns(table: RowTable, columns: Sequence[Column]) -> None:
    """Give `table` these columns (a target column comes and goes as `:ctx` pins and unpins)."""
    columns = tuple(columns)
    if table.columns != columns:
        table.columns = columns
        table.refresh()


def has_several(view: FleetView | None) -> bool:
    """More than one target configured (shown or not)."""
    return view is not None and len(view.targets) > 1


def targets_title(view: FleetView | None, title: str) -> str:
    """A list's title, saying whose rows it lists when there are several targets."""
    if not has_several(view):
        return title
    assert view is not None
    if view.pinned:
        return f"{title} · {view.focused} only  (:ctx * for all)"
    return f"{title} · all {len(view.targets)} targets"


def one_target_title(view: FleetView | None, title: str) -> str:
    """A screen that always shows one target (its database): which one, and how to change it."""
    if not has_several(view):
        return title
    assert view is not None
    return f"{title} · {view.focused}  (:ctx NAME for another)"
