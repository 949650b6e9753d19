"""The Overview's database panel: pool saturation at a glance."""

from __future__ import annotations

from rich.text import Text

from oc_console.domain.database import PoolSnapshot
from oc_console.domain.durations import human_duration
from oc_console.domain.health import SourceHealth
from screens.format import bar
from screens.widgets.quiet_static import QuietStatic


def pool_summary(
    db: PoolSnapshot | None,
    health: SourceHealth | None,
    *,
    brief: bool = False,
    narrow: bool = False,
) -> Text:
    """The pool in a few lines: `brief` drops the by-application line (the Database screen
    shows it), `narrow` fits the Overview's side column."""
    text = Text()
    if health is not None and not health.configured:
        text.append("PostgreSQL not configured (--pg-dsn, OC_PG_DSN or PG* variables)", "dim")
        return text
    if health is not None and health.error:
        text.append(f"✖ {health.error}\n", "bold red")
    if db is None:
        text.append("waiting for the first probe…", "dim")
        return text
    pct = db.saturation_pct
    style = "bold red" if pct >= 95 else "yellow" if pct >= 80 else "green"
    sep = "\n" if narrow else "   "
    text.append("conn " if narrow else "connections ")
    text.append(f"{bar(pct / 100, 8 if narrow else 12)} {pct:3.0f} %", style)
    text.append(f" {db.total_sessions}/{db.usable_connections}")
    text.append("\n" if narrow else f" usable (max {db.max_connections})\n")
    iit = db.idle_in_transaction_count
    text.append("idle in tx ")
    text.append(f"{iit}", "bold red" if iit > 100 else "")
    text.append(f"  blocked {len(db.blocked)}", "yellow" if db.blocked else "")
    text.append(f"{sep}oldest xact {human_duration(db.oldest_xact_age_s)}")
    if narrow:
        return text
    text.append(f"   PostgreSQL {db.server_version.split()[0]}", "dim")
    if brief:
        return text
    top = ", ".join(f"{a or '(none)'} {n}" for a, n in db.sessions_by_application[:3])
    text.append(f"\nby app: {top}", "dim")
    if db.visibility_note:
        text.append(f"\n⚠ {db.visibility_note}", "yellow")
    return text


class DatabasePanel(QuietStatic):
    def show(self, db: PoolSnapshot | None, health: SourceHealth | None) -> None:
        self.show_text(pool_summary(db, health, narrow=True))
