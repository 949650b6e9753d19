"""The one sanitiser: no control sequence survives, widths are terminal cells."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from oc_console.sanitize import clean, fit, fit_middle, is_clean

HOSTILE = [
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",  # OSC 52: write the clipboard
    "\x1b]0;pwned\x07",  # OSC 0: window title
    "\x1b[2J",  # clear the screen
    "\x9b2J",  # 8-bit CSI
    "\u202eevil\u202c",  # bidi override
    "\u2066x\u2069",  # bidi isolate
    "a\x7fb",  # DEL
    "\x00\x08\x0b",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_no_control_character_survives(text: str) -> None:
    out = clean(text)
    assert is_clean(out)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in out)


def test_controls_are_shown_not_dropped() -> None:
    assert clean("\x1b[2J") == "␛[2J"
    assert clean("\x9b2J") == "\\x9b2J"
    assert clean("\u202e") == "<U+202E>"
    assert clean("a\x7f") == "a␡"


def test_tabs_become_spaces_and_newlines_are_kept_only_on_request() -> None:
    assert clean("a\tb") == "a   b"
    assert clean("one\ntwo") == "one two"
    assert clean("one\r\ntwo\x1b", newlines=True) == "one\ntwo␛"


def test_markup_is_left_as_text() -> None:
    assert clean("[red]x[/]") == "[red]x[/]"


def test_fit_measures_cells_not_characters() -> None:
    wide = "注文注文注文"  # six wide characters, twelve cells
    out = fit(wide, 7)
    assert cell_len(out) == 7
    assert out.startswith("注文注") and "…" in out
    assert cell_len(fit("ab", 5, right=True)) == 5
    assert fit("ab", 5, right=True) == "   ab"


def test_fit_cleans_before_cutting() -> None:
    out = fit("\x1b[31mred", 4)
    assert is_clean(out) and cell_len(out) == 4


def test_fit_middle_keeps_the_unique_suffix() -> None:
    names = ["openclaw-adapter-amazon-7d9f8b6c5-x2k4q", "openclaw-adapter-amazon-7d9f8b6c5-p9z7m"]
    cut = [fit_middle(n, 20) for n in names]
    assert cut[0] != cut[1]
    assert all(cell_len(c) <= 20 and "…" in c for c in cut)
    assert cut[0].endswith("x2k4q")
    assert fit_middle("short", 20) == "short"
