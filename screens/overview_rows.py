"""What the Overview's rows say: the findings (policy findings folded into one row), and the
two-line fleet strip of short terminals. Until a source has answered, its part says so in the
source's own name ("kubernetes reading…"), never a healthy word."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rich.text import Text

from oc_console.domain.findings import Finding, Severity, Urgency, rule_word, worst
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.sanitize import clean
from oc_console.screens.adapter_rows import AdapterLine
from oc_console.screens.certificates import cert_rows
from oc_console.screens.format import SEVERITY_STYLE, SEVERITY_TAG
from oc_console.screens.widgets.database_panel import finding_style
from oc_console.screens.widgets.row_table import Row

POLICY_KEY = "policy:*"  # the row that stands for every hygiene finding
READING = "reading…"


def finding_key(f: Finding) -> str:
    # over several targets one adapter's finding can be on two clusters: two rows
    return f"{f.target_name}:{f.id}:{f.subject}" if f.target_name else f"{f.id}:{f.subject}"


def policy_summary(hygiene: list[Finding]) -> str:
    """ "3 policy findings: digest x1, auto-sync x1, v1alpha1 x1", rules in the order shown."""
    counts = Counter(f.id for f in hygiene)
    words = ", ".join(f"{rule_word(rule, hygiene=True)} x{n}" for rule, n in counts.items())
    return f"{len(hygiene)} policy findings: {words}"


def finding_rows(
    findings: list[Finding], namespaces: tuple[str, ...] = (), *, expanded: bool = False
) -> list[Row]:
    """One row per finding, in the order given; when several are hygiene, they fold into one
    row at the end (`expanded` lists them under it)."""
    # with one namespace in view, "openclaw/openclaw-adapter-x" says nothing the header does not
    prefix = f"{namespaces[0]}/" if len(namespaces) == 1 else "\0"
    hygiene = [f for f in findings if f.hygiene]
    fold = len(hygiene) > 1
    rows, seen = [], Counter[str]()

    def row(f: Finding, lead: str = "") -> Row:
        key = finding_key(f)
        seen[key] += 1  # two groups of one platform's orders are two rows
        key = key if seen[key] == 1 else f"{key}#{seen[key]}"
        where = f"{f.target_name} " if f.target_name else ""
        subject = lead + where + f.subject.removeprefix(prefix)
        return Row(key, (SEVERITY_TAG[f.severity], subject, f.summary), SEVERITY_STYLE[f.severity])

    rows = [row(f) for f in findings if not (fold and f.hygiene)]
    if fold:
        severity = worst(hygiene)
        mark = "▾" if expanded else "▸"
        rows.append(
            Row(
                POLICY_KEY,
                (SEVERITY_TAG[severity], f"{mark} policy", policy_summary(hygiene)),
                SEVERITY_STYLE[severity],
            )
        )
        if expanded:
            rows += [row(f, "  ") for f in hygiene]
    return rows


def row_findings(findings: Iterable[Finding]) -> dict[str, Finding]:
    """The finding behind each row key (the keys `finding_rows` gives)."""
    out: dict[str, Finding] = {}
    seen = Counter[str]()
    for f in findings:
        key = finding_key(f)
        seen[key] += 1
        out[key if seen[key] == 1 else f"{key}#{seen[key]}"] = f
    return out


def not_yet(snap: ConsoleSnapshot, source: str) -> Text | None:
    """Why `source`'s part has no value yet, in its own name; None when it answered."""
    health = snap.source(source)
    if health is None or not health.configured:
        return Text(f"{source} not configured", "dim")
    if health.fetched_at is not None:
        return None
    if health.error is None:
        return Text(f"{source} {READING}", "yellow")
    return Text(f"{source} {health.status}", "bold red")


def silent_sources(snap: ConsoleSnapshot) -> list[str]:
    """The configured sources that have not answered yet: until they do, "no findings" would
    be a claim the console cannot make."""
    return [
        s.name
        for s in snap.sources
        if s.configured and s.fetched_at is None and s.error is None and s.name != "traces"
    ]


def _reasons(snap: ConsoleSnapshot, troubled: list[AdapterLine]) -> str:
    """Each troubled adapter with its most urgent finding's word: "lazada unpinned". A first
    move names the cause, not the state: the state it explains is the adapter's reason."""
    first: dict[str, Finding] = {}
    for f in snap.sorted_findings:
        if f.urgency is not Urgency.FIRST_MOVE:
            first.setdefault(f.subject, f)
    named = []
    for line in troubled:
        top = first.get(line.adapter.key)
        named.append(f"{line.adapter.platform} {rule_word(top.id) if top else line.status}")
    return ", ".join(named)


def fleet_strip(snap: ConsoleSnapshot, lines: list[AdapterLine]) -> Text:
    """Adapters, database and certificates in two lines, for terminals too short for panels."""
    text = Text("adapters ", "bold")
    waiting = not_yet(snap, "kubernetes") if snap.fleet is None else None
    if waiting is not None:
        text.append_text(waiting)
    else:
        troubled = [line for line in lines if line.severity]
        worst_line = max((line.severity for line in troubled), default=Severity.OK)
        text.append(f"{len(lines)}: ")
        named = clean(_reasons(snap, troubled))
        text.append(named or "all ready", SEVERITY_STYLE[worst_line] if troubled else "green")
    text.append("  (3)\n", "dim")
    _database(snap, text)
    text.append(" (2)  ", "dim")
    text.append("next cert expiry ", "bold")
    if snap.fleet is None:
        text.append_text(not_yet(snap, "kubernetes") or Text("-"))
    elif snap.fleet.certificates:
        soonest = cert_rows(snap.fleet.certificates, snap.generated_at, snap.findings)[0]
        text.append(f"{soonest.cells[2]} {clean(soonest.key.split('/')[-1])}", soonest.style)
    else:
        text.append("no certificates", "dim")
    text.append(" (5)", "dim")
    return text


def _database(snap: ConsoleSnapshot, text: Text) -> None:
    text.append("db ", "bold")
    db = snap.database
    if db is None:
        text.append_text(not_yet(snap, "postgres") or Text("-"))
        return
    text.append(f"{db.saturation_pct:.0f} % conn, ")
    text.append(
        f"{db.idle_in_transaction_count} idle in tx",
        finding_style(snap, "pool-idle-in-transaction"),
    )
