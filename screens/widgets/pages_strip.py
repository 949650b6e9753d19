"""The Pages strip that leads the Overview: what Alertmanager is paging for, worst first, how
long each has fired, and whether a finding explains it. An unexplained page is shown as loudly as
a finding: the console cannot see what Alertmanager sees."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from oc_console.domain.alerts import AlertMatch
from oc_console.domain.durations import human_duration
from oc_console.domain.findings import Severity
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.sanitize import clean
from oc_console.screens.format import SEVERITY_STYLE, minutes
from oc_console.screens.widgets.quiet_static import QuietStatic

MAX_LINES = 4
SHORT_LINES = 2  # on a short terminal the strip never pushes the findings off the screen


def grouped(firing: tuple[AlertMatch, ...]) -> list[tuple[AlertMatch, int]]:
    """One line per alert name and explaining finding (three OOMKilled pods of one adapter are
    one page), worst first; the first match of a group is its longest firing."""
    groups: dict[tuple[str, str], list[AlertMatch]] = {}
    for m in firing:
        key = (
            m.alert.alertname,
            f"{m.finding.id}:{m.finding.subject}" if m.finding else m.alert.where,
        )
        groups.setdefault(key, []).append(m)
    out = [(min(ms, key=lambda m: m.alert.starts_at), len(ms)) for ms in groups.values()]
    return sorted(out, key=lambda g: g[0].alert.rank[0])


def page_line(m: AlertMatch, count: int, now: datetime) -> Text:
    a = m.alert
    text = Text()
    text.append(f"{a.severity.upper()[:4]:<4} ", "bold red" if a.rank[0] == 0 else "yellow")
    text.append(clean(a.alertname), "bold")
    if count > 1:
        text.append(f" x{count}")
    where = m.finding.subject.rpartition("/")[2] if m.finding and count > 1 else a.where
    if where:
        text.append(f" {clean(where)}")
    text.append(f" {minutes((now - a.starts_at).total_seconds())} ", "dim")
    if m.finding is not None:
        text.append("explained by: ", "dim")
        text.append(clean(m.finding.summary), SEVERITY_STYLE[m.finding.severity])
    elif m.cleared_at is not None:
        # the fix worked; Alertmanager resolves after its rule's `for:` and group interval
        ago = human_duration(max(0.0, (now - m.cleared_at).total_seconds()))
        text.append(f"resolving (finding cleared {ago} ago)", "green")
    else:
        text.append("unexplained", "bold reverse yellow")
    return text


def _unexplained(m: AlertMatch) -> bool:
    return m.finding is None and m.cleared_at is None


def _shown(groups: list[tuple[AlertMatch, int]], room: int) -> list[tuple[AlertMatch, int]]:
    """The worst `room` groups, but an unexplained page is never the one left off."""
    shown = groups[:room]
    hidden = [g for g in groups[room:] if _unexplained(g[0])]
    for g in hidden:
        explained = [i for i, s in enumerate(shown) if not _unexplained(s[0])]
        if not explained:
            break
        shown[explained[-1]] = g
    return sorted(shown, key=lambda g: g[0].alert.rank[0])


def pages_text(snap: ConsoleSnapshot, max_lines: int = MAX_LINES) -> Text | None:
    """None when Alertmanager is not configured; the strip then takes no room."""
    health = snap.source("alertmanager")
    if health is None or not health.configured:
        return None
    firing = snap.firing
    text = Text("Pages ", "bold")
    if snap.alerts is None:
        if health.error is None:  # not answered yet: no claim either way
            text.append("alertmanager reading…", "yellow")
        else:
            text.append(f"alertmanager {health.status}: {clean(health.error)}", "yellow")
        return text
    if not firing:
        silenced = sum(1 for m in snap.pages if not m.alert.firing)
        critical = sum(1 for f in snap.findings if f.severity is Severity.CRITICAL)
        if critical:
            # the alerts' rules lag the console (their `for:`): Alertmanager's "nothing" beside
            # critical findings is its word, not an all-clear
            text.append("alertmanager pages nothing yet", "yellow")
            text.append(f", though the console sees {critical} critical", "bold yellow")
        else:
            text.append("nothing firing", "green")
        if silenced:
            text.append(f" ({silenced} silenced or inhibited)", "dim")
        return text
    unexplained = sum(1 for m in firing if _unexplained(m))
    text.append(f"{len(firing)} firing", "bold red")
    if unexplained:
        text.append(f", {unexplained} unexplained", "bold yellow")
    groups = grouped(firing)
    if len(groups) > max_lines:
        text.append(f"  ({len(groups) - max_lines} more on :alerts)", "dim")
    for m, count in _shown(groups, max_lines):
        text.append("\n")
        text.append_text(page_line(m, count, snap.generated_at))
    return text


class PagesStrip(QuietStatic):
    DEFAULT_CSS = """
    PagesStrip { height: auto; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def show(self, snap: ConsoleSnapshot, *, short: bool = False) -> None:
        text = pages_text(snap, SHORT_LINES if short else MAX_LINES)
        self.display = text is not None
        if text is not None:
            self.show_text(text)
