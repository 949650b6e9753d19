"""The Pages strip that leads the Overview: what Alertmanager is paging for, worst first, how
long each has fired, and whether a finding explains it. An unexplained page is shown as loudly as
a finding: the console cannot see what Alertmanager sees."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from oc_console.domain.alerts import AlertMatch
from oc_console.domain.durations import human_duration
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.sanitize import clean
from screens.format import SEVERITY_STYLE
from screens.widgets.quiet_static import QuietStatic

MAX_LINES = 4  # the strip never pushes the findings off an 80x24 screen


def _where(m: AlertMatch) -> str:
    a = m.alert
    for name in ("deployment", "platform", "pod", "certificate", "datname"):
        value = a.label(name)
        if value:
            return value
    return ""


def page_line(m: AlertMatch, now: datetime) -> Text:
    a = m.alert
    # minutes are enough: a per-second age would repaint an idle console every second
    firing = human_duration((now - a.starts_at).total_seconds() // 60 * 60)
    text = Text()
    text.append(f"{a.severity.upper()[:4]:<4} ", "bold red" if a.rank[0] == 0 else "yellow")
    text.append(clean(a.alertname), "bold")
    where = _where(m)
    if where:
        text.append(f" {clean(where)}")
    text.append(f" {firing} ", "dim")
    if m.finding is not None:
        text.append("explained by: ", "dim")
        text.append(clean(m.finding.summary), SEVERITY_STYLE[m.finding.severity])
    else:
        text.append("unexplained", "bold reverse yellow")
    return text


def pages_text(snap: ConsoleSnapshot) -> Text | None:
    """None when Alertmanager is not configured; the strip then takes no room."""
    health = snap.source("alertmanager")
    if health is None or not health.configured:
        return None
    firing = snap.firing
    text = Text("Pages ", "bold")
    if snap.alerts is None:
        text.append(
            f"alertmanager {health.status}: {clean(health.error or 'not read yet')}", "yellow"
        )
        return text
    if not firing:
        silenced = sum(1 for m in snap.pages if not m.alert.firing)
        text.append("nothing firing", "green")
        if silenced:
            text.append(f" ({silenced} silenced or inhibited)", "dim")
        return text
    unexplained = sum(1 for m in firing if m.finding is None)
    text.append(f"{len(firing)} firing", "bold red")
    if unexplained:
        text.append(f", {unexplained} unexplained", "bold yellow")
    for m in firing[:MAX_LINES]:
        text.append("\n")
        text.append_text(page_line(m, snap.generated_at))
    if len(firing) > MAX_LINES:
        text.append(f"\n… {len(firing) - MAX_LINES} more (:alerts)", "dim")
    return text


class PagesStrip(QuietStatic):
    DEFAULT_CSS = """
    PagesStrip { height: auto; max-height: 6; padding: 0 1; }
    """

    def show(self, snap: ConsoleSnapshot) -> None:
        text = pages_text(snap)
        self.display = text is not None
        if text is not None:
            self.show_text(text)
