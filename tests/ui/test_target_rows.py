"""Which targets a list screen lists, and how their rows are put together: each row carries
its target, a TARGET column leads only when more than one target is listed, rows sort across
targets by the screen's own order, and titles say whose rows they are."""

from __future__ import annotations

from datetime import UTC, datetime

from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.domain.targets import FleetView, TargetSnapshot, listed_targets
from oc_console.screens.target_rows import (
    TARGET_COLUMN,
    merged,
    one_target_title,
    targets_title,
    with_target,
)
from oc_console.screens.widgets.row_table import Column, Row

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def snap(context: str) -> ConsoleSnapshot:
    return ConsoleSnapshot(NOW, context, ("openclaw",), False, (), None, ())


def view(focused: str = "eu-west", pinned: bool = False) -> FleetView:
    targets = tuple(TargetSnapshot(n, snap(n)) for n in ("eu-west", "us-east", "ap-southeast"))
    return FleetView(targets, focused, pinned)


def test_unpinned_lists_every_target_with_the_focused_ones_latest() -> None:
    latest = snap("eu-west, newer")
    listed = listed_targets(view(), latest)
    assert [t.name for t in listed] == ["eu-west", "us-east", "ap-southeast"]
    assert listed[0].snapshot is latest  # the app's latest, not the fleet's last read


def test_pinned_lists_the_pinned_target_only() -> None:
    listed = listed_targets(view("us-east", pinned=True), snap("us"))
    assert [t.name for t in listed] == ["us-east"]
    assert view("us-east", pinned=True).listed == (view().targets[1],)


def test_one_console_is_one_unnamed_target() -> None:
    latest = snap("ctx")
    assert listed_targets(None, latest) == (TargetSnapshot("", latest),)


def test_rows_of_several_targets_carry_and_show_their_target_sorted_across() -> None:
    eu = [Row("a", ("a",), sort_key=(1,)), Row("c", ("c",), sort_key=(3,))]
    us = [Row("a", ("a",), sort_key=(0,)), Row("b", ("b",), sort_key=(2,))]
    rows = merged([("eu-west", eu), ("us-east", us)])
    assert [(r.target, r.key) for r in rows] == [
        ("us-east", "a"), ("eu-west", "a"), ("us-east", "b"), ("eu-west", "c")
    ]  # fmt: skip
    assert rows[0].cells == ("us-east", "a")
    assert len({r.ident for r in rows}) == 4  # one key on two targets: two rows


def test_one_targets_rows_keep_their_cells_and_order() -> None:
    rows = [Row("z", ("z",), sort_key=(9,)), Row("a", ("a",), sort_key=(0,))]
    assert [(r.target, r.cells) for r in merged([("eu-west", rows)])] == [
        ("eu-west", ("z",)), ("eu-west", ("a",))
    ]  # fmt: skip


def test_the_target_column_leads_only_for_several_and_others_give_way() -> None:
    columns = (Column("A", 4), Column("B", 4))
    assert with_target(columns, False) == columns
    wide = with_target(columns, True, give_way=(1,))
    assert wide[0] == TARGET_COLUMN and wide[1] == columns[0]
    assert wide[2].priority > 0  # dropped first when narrow


def test_titles_say_whose_rows_they_are() -> None:
    assert targets_title(None, "Events") == "Events"
    assert targets_title(view(), "Events") == "Events · all 3 targets"
    assert targets_title(view("us-east", True), "Events").startswith("Events · us-east only")
    assert one_target_title(None, "database") == "database"
    assert one_target_title(view(), "database") == "database · eu-west  (:ctx NAME for another)"
