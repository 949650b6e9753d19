"""Plain columns for a pipe: whole values, aligned by terminal cells, nothing a terminal acts on."""

from __future__ import annotations

import io

from rich.console import Console as RichConsole

from oc_console.cli.listing import plain_lines, show


def test_columns_are_padded_to_the_longest_value_and_nothing_is_cut() -> None:
    long = "webhook-signature-mismatch-" + "x" * 200
    lines = plain_lines(["id", "title"], [[long, "t"], ["a", "Adapter pods OOMKilled"]])
    assert lines == [
        "ID" + " " * (len(long) - 2) + "   TITLE",
        f"{long}   t",
        "a" + " " * (len(long) - 1) + "   Adapter pods OOMKilled",
    ]


def test_wide_characters_count_as_two_cells() -> None:
    lines = plain_lines(["shop", "n"], [["東京店", "1"], ["abc", "2"]])
    assert lines[2].index("2") == lines[1].index("1") + 3  # 3 wide characters are 6 cells


def test_control_sequences_are_shown_inert() -> None:
    out = io.StringIO()
    console = RichConsole(file=out, width=20, no_color=True)
    show(console, ["shop"], [["a\x1b]52;c;eA==\x07b\x9b31m\u202ec" + "z" * 40]], plain=True)
    text = out.getvalue()
    assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text
    assert text.splitlines()[1] == "a␛]52;c;eA==␇b\\x9b31m<U+202E>c" + "z" * 40  # not wrapped
