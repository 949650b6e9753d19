"""A Static that repaints only when its text really changed: an idle console writes nothing."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class QuietStatic(Static):
    _last: Text | None = None

    def show_text(self, text: Text) -> None:
        if self._last is not None and text == self._last:
            return
        self._last = text
        self.update(text)
