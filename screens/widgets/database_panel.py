"""The Overview's database panel: pool saturation at a glance."""

from __future__ import annotations

from rich.text import Text

from oc_console.domain.durations import human_duration
from oc_console.domain.findings import of_subject
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.sanitize import clean
from oc_console.screens.format import SEVERITY_STYLE, bar
from oc_console.screens.widgets.quiet_static import QuietStatic


def finding_style(snap: ConsoleSnapshot, finding_id: str, calm: str = "") -> str:
    """The colour of a number that a pool rule judges: the rule's own verdict, so the screen
    and the findings always agree (and follow the configured thresholds)."""
    severity = of_subject(snap.findings, "postgres", (finding_id,))
    return SEVERITY_STYLE[severity] or calm


def pool_summary(snap: ConsoleSnapshot, *, brief: bool = False, narrow: bool = False) -> Text:
    """The pool in a few lines: `brief` drops the by-application line (the Database screen
    shows it), `narrow` fits the Overview's side column."""
    db, health = snap.database, snap.source("postgres")
    text = Text()
    if health is not None and not health.configured:
        text.append("PostgreSQL not configured (--pg-dsn, OC_PG_DSN or PG* variables)", "dim")
        return text
    if health is not None and health.error:
        text.append(f"✖ {clean(health.error)}\n", "bold red")
    if db is None:
        text.append("waiting for the first probe…", "dim")
        return text
    pct = db.saturation_pct
    style = finding_style(snap, "pool-saturation", calm="green")
    sep = "\n" if narrow else "   "
    text.append("conn " if narrow else "connections ")
    text.append(f"{bar(pct / 100, 8 if narrow else 12)} {pct:3.0f} %", style)
    text.append(f" {db.total_sessions}/{db.usable_connections}")
    text.append("\n" if narrow else f" usable (max {db.max_connections})\n")
    iit = db.idle_in_transaction_count
    text.append("idle in tx ")
    text.append(f"{iit}", finding_style(snap, "pool-idle-in-transaction"))
    text.append(f"  blocked {len(db.blocked)}", "yellow" if db.blocked else "")
    text.append(f"{sep}oldest xact {human_duration(db.oldest_xact_age_s)}")
    if narrow:
        return text
    text.append(f"   PostgreSQL {clean(db.server_version.split()[0])}", "dim")
    if brief:
        return text
    top = ", ".join(f"{a or '(none)'} {n}" for a, n in db.sessions_by_application[:3])
    text.append(f"\nby app: {clean(top)}", "dim")
    if db.visibility_note:
        text.append(f"\n⚠ {clean(db.visibility_note)}", "yellow")
    return text


class DatabasePanel(QuietStatic):
    def show(self, snap: ConsoleSnapshot) -> None:
        self.show_text(pool_summary(snap, narrow=True))
