"""The header line: context, namespaces, and each source's health and data age."""

from __future__ import annotations

from rich.text import Text

from oc_console.domain.durations import human_duration
from oc_console.domain.health import SourceHealth
from oc_console.domain.incident import TeamActivity
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


def team_part(activity: TeamActivity | None, health: SourceHealth) -> Text | None:
    """'2 actions by others in the last hour' (the shared audit); the reason, when it cannot
    be read, is on `A`."""
    status = health.status
    if status == "not configured":
        return None
    if activity is None:
        return Text(" · shared audit down (A)" if status == "down" else " · …shared audit",
                    _STYLE.get(status, "dim"))  # fmt: skip
    text = Text(f" · {activity.header()}", "bold yellow" if activity.by_others else "dim")
    if status == "stale":
        text.append(" (stale: shared audit down)", "bold yellow")
    return text


def source_line(snap: ConsoleSnapshot, team: Text | None = None, target: str = "") -> Text:
    """`target`: with several targets, the one whose sources these are (and whose database,
    details and actions the screens show)."""
    text = Text()
    text.append(" oc-console ", "bold reverse")
    if target:
        text.append(f" ▸{clean(target)}", "bold")
    text.append(f" {clean(snap.context)}", "bold")
    text.append(f"/{clean(','.join(snap.namespaces))} ")
    if snap.replay is not None:
        text.append(f" {snap.replay.label} ", "bold reverse magenta")
    elif snap.read_only:
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
    if team is not None:
        text.append_text(team)
    return text


class SourceBar(QuietStatic):
    DEFAULT_CSS = """
    SourceBar { height: 1; background: $panel; }
    """

    def show(self, snap: ConsoleSnapshot, team: Text | None = None, target: str = "") -> None:
        self.show_text(source_line(snap, team, target))
