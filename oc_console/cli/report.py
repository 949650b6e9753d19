"""`oc-console check`: the JSON document and the text for a person, and the Nagios exit code.

Everything in the text that came from a backend (error strings, finding subjects and
summaries) goes through `sanitize.clean` and into `rich.text.Text` objects: markup is never
parsed in it, so `[/]` in an error cannot crash the output and `[red]` cannot style it.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from datetime import UTC, datetime
from typing import Any, NoReturn

import orjson
from rich.console import Console as RichConsole
from rich.table import Table
from rich.text import Text

from oc_console.analysis.adapter_findings import adapter_problems
from oc_console.analysis.kube_thresholds import KubeThresholds
from oc_console.cli.listing import show, whole
from oc_console.domain.database import PoolSnapshot
from oc_console.domain.findings import Finding, Severity
from oc_console.domain.health import SourceHealth
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.inert_json import inert
from oc_console.redact import redact
from oc_console.sanitize import clean

UNKNOWN = 3
PIPED_WIDTH = 160  # piped (monitoring, grep): every line whole
_NEVER = datetime.max.replace(tzinfo=UTC)


def exit_code(snap: ConsoleSnapshot) -> int:
    """Nagios: a critical finding wins over an unreadable source, which wins over a warning."""
    worst = snap.worst
    if worst == Severity.CRITICAL:
        return int(Severity.CRITICAL)
    if any(s.configured and not s.ok for s in snap.sources):
        return UNKNOWN
    return worst


def check_console(plain: bool) -> RichConsole:
    """Where `check`'s report for a person goes: PIPED_WIDTH wide when `plain` (piped), else the
    terminal's width. A reader that leaves early (`check | head -1`) takes no exit code with
    it: a script reads the status, so the rest goes nowhere and the status stands (Rich's own
    answer is to exit 1)."""
    width = PIPED_WIDTH if plain else None
    out = RichConsole(no_color=bool(os.environ.get("NO_COLOR")), width=width)

    def reader_left() -> None:
        out.quiet = True
        discard_the_rest()

    out.on_broken_pipe = reader_left  # type: ignore[method-assign]
    return out


def write_out(text: str) -> None:
    """`text` on stdout, where a reader may leave early (see check_console)."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        discard_the_rest()


def discard_the_rest() -> None:
    """stdout's reader has gone: whatever is still to be written goes to /dev/null."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def leave_now(code: int) -> NoReturn:
    """The answer is printed. A worker thread may still be blocked on a source (one that
    missed its deadline, a watch or a close still unwinding), and the interpreter would join
    it at exit, past every deadline: flush and leave."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _database_json(db: PoolSnapshot | None) -> dict[str, Any]:
    if db is None:
        return {}
    doc = dataclasses.asdict(db)
    doc["saturation_pct"] = round(db.saturation_pct, 1)
    doc["total_sessions"] = db.total_sessions
    doc["usable_connections"] = db.usable_connections
    doc["sessions_by_state"] = dict(db.sessions_by_state)
    doc["sessions_by_application"] = dict(db.sessions_by_application)
    return doc


def _adapters_json(snap: ConsoleSnapshot) -> list[dict[str, Any]]:
    if snap.fleet is None:
        return []
    out = []
    for a in snap.fleet.adapters:
        pods = snap.fleet.pods_of(a)
        metrics = snap.metrics.adapter(a.platform) if snap.metrics else None
        out.append(
            {
                **dataclasses.asdict(a),
                "restarts": sum(p.restarts for p in pods),
                "oomkilled": [p.name for p in pods if any(c.oomkilled for c in p.containers)],
                "crashloop": [p.name for p in pods if any(c.crashloop for c in p.containers)],
                "problems": list(adapter_problems(snap.fleet, a)),
                "metrics": dataclasses.asdict(metrics) if metrics else None,
            }
        )
    return out


def _certificates_json(snap: ConsoleSnapshot, policy: KubeThresholds) -> list[dict[str, Any]]:
    if snap.fleet is None:
        return []
    return [
        {
            **dataclasses.asdict(c),
            "renew_before": c.renew_before.total_seconds() if c.renew_before else None,
            "policy_ok": policy.policy_ok(c),
        }
        for c in sorted(snap.fleet.certificates, key=lambda c: c.not_after or _NEVER)
    ]


def _redacted(value: Any) -> Any:
    """Every string of the document with credentials removed (a last net under the sources'
    own redaction: the JSON goes to monitoring systems and their logs)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v) for v in value]
    return value


def with_runbooks(snap: ConsoleSnapshot) -> ConsoleSnapshot:
    """Each finding with the runbook the console links it to (its own id, else the shipped
    runbook that applies to its rule), so `check` and the screens name the same runbook."""
    from oc_console.runbook.links import runbook_for
    from oc_console.runbook.loader import RunbookError, load_dir

    try:
        books = load_dir()
    except RunbookError:
        return snap  # a broken runbook file: the findings keep their own ids, nothing more

    def linked(f: Finding) -> Finding:
        book = None if f.runbook else runbook_for(f, books)
        return dataclasses.replace(f, runbook=book.id) if book else f

    return dataclasses.replace(snap, findings=tuple(linked(f) for f in snap.findings))


def check_json(snap: ConsoleSnapshot, policy: KubeThresholds | None = None) -> dict[str, Any]:
    """`policy`: the configured certificate policy (the default 336h when not given)."""
    doc = {
        "generated_at": snap.generated_at.isoformat(),
        "context": snap.context,
        "sources": {s.name: s.to_json() for s in snap.sources},
        "adapters": _adapters_json(snap),
        "database": _database_json(snap.database),
        "certificates": _certificates_json(snap, policy or KubeThresholds()),
        "unseen": [
            {"kind": w.kind, "namespace": w.namespace, "verb": w.denied_verb}
            for w in (snap.fleet.unseen if snap.fleet else ())
        ],
        "findings": [f.to_json() for f in snap.sorted_findings],
        "alerts": [m.to_json() for m in snap.pages],
    }
    redacted: dict[str, Any] = _redacted(doc)
    return redacted


def check_json_text(snap: ConsoleSnapshot, policy: KubeThresholds | None = None) -> str:
    """`check --json`'s output: the document, indented, with no raw control character."""
    text = orjson.dumps(check_json(snap, policy), option=orjson.OPT_INDENT_2).decode()
    return inert(text)


_STYLE = {Severity.CRITICAL: "bold red", Severity.WARNING: "yellow", Severity.OK: "green"}
_STATUS = ("OK", "WARNING", "CRITICAL", "UNKNOWN")


def _text(value: object, style: str = "") -> Text:
    """Backend text as a Text: controls shown visibly, secrets gone, no markup parsed."""
    return Text(clean(redact(str(value))), style=style)


def _source_detail(s: SourceHealth) -> str:
    return " · ".join(x for x in (s.error or s.detail, s.insecure) if x)


def _sources_table(snap: ConsoleSnapshot) -> Table:
    table = Table(title="sources", show_edge=False, title_justify="left")
    table.add_column("source", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("detail", overflow="fold")  # an error is read whole, never cut
    for s in snap.sources:
        style = "green" if s.ok else ("dim" if not s.configured else "red")
        status = _text(s.status, style)
        if s.insecure:
            status.append(" insecure", style="bold yellow")
        table.add_row(_text(s.name), status, _text(_source_detail(s)))
    return table


def _finding_rows(snap: ConsoleSnapshot, *, wide: bool) -> list[list[str]]:
    rows = []
    for f in snap.sorted_findings:
        row = [f.severity.label, f.subject, f.summary, f.runbook or "-"]
        rows.append([*row, f.id, ",".join(f.pages) or "-"] if wide else row)
    return rows


def _finding_columns(wide: bool) -> tuple[str, ...]:
    return ("severity", "subject", "summary", "runbook", *(("id", "pages") if wide else ()))


def _findings_table(snap: ConsoleSnapshot, *, wide: bool) -> Table:
    table = Table(title="findings", show_edge=False, title_justify="left")
    for col in _finding_columns(wide):
        table.add_column(col, overflow="fold")
    for row, f in zip(_finding_rows(snap, wide=wide), snap.sorted_findings, strict=True):
        table.add_row(_text(row[0], _STYLE[f.severity]), *(_text(cell) for cell in row[1:]))
    return table


def _print_sources(snap: ConsoleSnapshot, out: RichConsole, *, plain: bool) -> None:
    if not plain:
        out.print(_sources_table(snap))
        return
    # piped: kubectl's plain columns, every value whole on its line (redacted, cleaned)
    rows = [[s.name, s.status + (" insecure" if s.insecure else ""), _source_detail(s) or "-"]
            for s in snap.sources]  # fmt: skip
    show(out, ("source", "status", "detail"), _redacted(rows), plain=True)


def _print_findings(snap: ConsoleSnapshot, out: RichConsole, *, plain: bool, wide: bool) -> None:
    if not plain:
        out.print(_findings_table(snap, wide=wide))
        return
    whole(out, "")
    show(out, _finding_columns(wide), _redacted(_finding_rows(snap, wide=wide)), plain=True)


def _headline(snap: ConsoleSnapshot) -> Text:
    code = exit_code(snap)
    line = Text(_STATUS[code], style="bold")
    line.append(f" - {len(snap.findings)} findings (context ")
    line.append_text(_text(snap.context))
    line.append(")")
    unread = [s.name for s in snap.sources if s.configured and not s.ok]
    if unread:
        line.append(f"; not read: {', '.join(unread)}", style="red")
    return line


def print_check(
    snap: ConsoleSnapshot, out: RichConsole, *, plain: bool = False, wide: bool = False
) -> None:
    """For a person. `plain` (stdout is not a terminal): lines never wrapped and tables as
    plain columns; `wide`: the findings' rule ids and the pages they explain as well."""
    whole(out, _headline(snap))
    _print_sources(snap, out, plain=plain)
    fleet = snap.fleet
    if fleet is not None:
        bad = [(a, adapter_problems(fleet, a)) for a in fleet.adapters]
        bad = [(a, why) for a, why in bad if why]
        line = Text(f"adapters: {len(fleet.adapters)}, {len(bad)} not healthy")
        for a, why in bad:
            line.append_text(_text(f"; {a.platform}: {', '.join(why)}"))
        line.append(f"; {len(fleet.certificates)} certificates")
        for w in fleet.unseen:
            line.append_text(_text(f"; cannot see {w.kind} in {w.namespace}", "yellow"))
        whole(out, line)
    if snap.database is not None:
        db = snap.database
        whole(out, f"database: {db.total_sessions}/{db.usable_connections} connections "
                   f"({db.saturation_pct:.0f} %), {db.idle_in_transaction_count} idle in "
                   f"transaction, {len(db.blocked)} blocked")  # fmt: skip
    if snap.findings:
        _print_findings(snap, out, plain=plain, wide=wide)
