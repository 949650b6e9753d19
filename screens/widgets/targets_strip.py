"""The Overview's first line over several targets: one cell per target, its worst severity, its
count of findings and the sources it cannot read ("eu-west CRIT 3 · us-east ok · ap-se k8s
down"). The target every screen shows is marked; with one target the strip is not shown."""

from __future__ import annotations

from rich.text import Text

from oc_console.domain.targets import UNKNOWN, FleetView, TargetSnapshot
from oc_console.sanitize import clean
from oc_console.screens.widgets.quiet_static import QuietStatic

# the colour follows the status `check` gives the target: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
_STYLE = {0: "green", 1: "yellow", 2: "bold red", UNKNOWN: "bold red"}


def strip_text(view: FleetView) -> Text:
    text = Text("targets ", "dim")
    for i, target in enumerate(view.targets):
        if i:
            text.append(" · ", "dim")
        text.append_text(_cell(target, focused=target.name == view.focused))
    if view.pinned:
        text.append(f"   :ctx {clean(view.focused)} (:ctx * for all)", "dim")
    return text


def _cell(target: TargetSnapshot, *, focused: bool) -> Text:
    style = ("dim" if target.reading else _STYLE[target.status]) + (" reverse" if focused else "")
    return Text(("▸" if focused else "") + clean(target.cell()), style)


class TargetsStrip(QuietStatic):
    DEFAULT_CSS = "TargetsStrip { height: 1; display: none; }"

    def show_view(self, view: FleetView | None) -> None:
        self.display = view is not None
        if view is not None:
            self.show_text(strip_text(view))
