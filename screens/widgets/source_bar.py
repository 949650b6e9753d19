"""The header line: context, namespaces, and each source's health and data age."""

from __future__ import annotations

from rich.text import Text

from oc_console.domain.durations import human_duration
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.sanitize import clean
from oc_console.screens.widgets.quiet_static import QuietStatic

_STYLE = {"ok": "green", "stale": "bold yellow", "down": "bold red", "connecting": "cyan"}
# Data read within this many seconds is current: its age is not worth a repaint every second.
FRESH_SECONDS = 5.0
_SHORT = {
    "postgres": "pg",
    "kubernetes": "k8s",
    "prometheus": "prom",
    "traces": "traces",
    "alertmanager": "am",
}
_MARK = {"ok": "●", "stale": "◐", "down": "✖", "connecting": "…", "not configured": "-"}


def source_line(snap: ConsoleSnapshot) -> Text:
    text = Text()
    text.append(" oc-console ", "bold reverse")
    text.append(f" {clean(snap.context)}", "bold")
    text.append(f"/{clean(','.join(snap.namespaces))} ")
    if snap.read_only:
        text.append(" READ-ONLY ", "bold reverse yellow")
    for source in snap.sources:
        status = source.status
        label = f" {_MARK.get(status, '?')}{_SHORT.get(source.name, source.name)}"
        age = source.age_seconds(snap.generated_at)
        if status == "ok" and age is not None and age >= max(FRESH_SECONDS, 2 * source.every):
            label += f" {human_duration(age)}"
        elif status == "stale":
            label += f" stale {human_duration(age)}"
        elif status == "down":
            label += " down"
        text.append(label, _STYLE.get(status, "dim"))
        if source.detail:
            text.append(f" ({clean(source.detail)})", "yellow")
    return text


class SourceBar(QuietStatic):
    DEFAULT_CSS = """
    SourceBar { height: 1; background: $panel; }
    """

    def show(self, snap: ConsoleSnapshot) -> None:
        self.show_text(source_line(snap))
