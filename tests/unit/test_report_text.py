"""`check`'s text for a person: backend text is shown, never interpreted (markup, control
sequences), secrets never printed, and the summary counts every unhealthy adapter."""

from __future__ import annotations

import io
import json
from dataclasses import replace

from rich.console import Console as RichConsole

from oc_console.analysis.adapter_findings import adapter_problems
from oc_console.analysis.kube import kube_findings
from oc_console.analysis.kube_thresholds import KubeThresholds
from oc_console.cli.report import check_json, check_json_text, print_check
from oc_console.domain.database import QUERY_HIDDEN
from oc_console.domain.findings import Finding, Severity
from oc_console.domain.health import SourceHealth
from oc_console.domain.kube import WatchStatus
from oc_console.domain.snapshot import ConsoleSnapshot
from tests.unit.factories import pool, session
from tests.unit.test_kube_analysis import NOW, fleet


def render(snap: ConsoleSnapshot, *, color: bool = False) -> str:
    out = io.StringIO()
    console = RichConsole(
        file=out, width=200, force_terminal=color, color_system="standard" if color else None
    )
    print_check(snap, console)
    return out.getvalue()


def snap(
    *sources: SourceHealth, findings: tuple[Finding, ...] = (), **kw: object
) -> ConsoleSnapshot:
    base = ConsoleSnapshot(NOW, "ctx", ("openclaw",), False, sources, None, findings)
    return replace(base, **kw)  # type: ignore[arg-type]


def down(error: str, name: str = "prometheus") -> SourceHealth:
    return SourceHealth(name, True, False, error, None)


def test_markup_in_an_error_is_text() -> None:
    text = render(
        snap(
            down("bad [/] thing [red]styled[/red] [bold]x"),
            findings=(Finding("x", Severity.WARNING, "a[/]b", "[link=http://e]click[/link]"),),
        ),
        color=True,
    )
    assert "bad [/] thing [red]styled[/red] [bold]x" in text
    assert "a[/]b" in text and "[link=http://e]click[/link]" in text
    assert "\x1b]8;" not in text  # no hyperlink made


def test_control_sequences_are_shown_not_sent() -> None:
    evil = "osc52 \x1b]52;c;aGk=\x07 title \x1b]0;pwned\x07 clear \x1b[2J csi \x9b31m"
    text = render(snap(down(evil), findings=(Finding("x", Severity.WARNING, "s", evil),)))
    assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    assert "␛]52;c;aGk=␇" in text and "\\x9b31m" in text


def test_secrets_in_errors_are_redacted_in_text_and_json() -> None:
    error = "Prometheus at http://admin:hunter2@prom:9090 failed; Authorization: Bearer abc.def"
    health = down(error)
    text = render(snap(health))
    doc = check_json(snap(health))
    for out in (text, str(doc)):
        assert "hunter2" not in out and "abc.def" not in out
    assert "admin:***@prom" in text


def test_insecure_is_shown() -> None:
    health = SourceHealth("prometheus", True, True, None, NOW, insecure="credentials over http")
    assert "insecure" in render(snap(health))
    assert check_json(snap(health))["sources"]["prometheus"]["insecure"] == "credentials over http"


def test_summary_counts_adapters_that_are_not_healthy() -> None:
    fl = fleet()
    amazon = next(a for a in fl.adapters if a.platform == "amazon")
    assert amazon.ready == amazon.desired  # fully ready, yet OOMKilled
    assert "OOMKilled" in adapter_problems(fl, amazon)
    text = render(snap(findings=tuple(kube_findings(fl, NOW)), fleet=fl))
    assert "adapters: 5, 4 not healthy" in text
    assert "amazon: OOMKilled" in text and "shopee: 0/2 ready, CrashLoopBackOff" in text


def test_unseen_kinds_are_named() -> None:
    denied = WatchStatus(
        "certificates.cert-manager.io", "openclaw", "denied", 0, None, None, "403", 0, 0, "list"
    )
    fl = replace(fleet(), watches=(denied,))
    text = render(snap(fleet=fl))
    assert "cannot see certificates.cert-manager.io in openclaw" in text
    assert check_json(snap(fleet=fl))["unseen"] == [
        {"kind": "certificates.cert-manager.io", "namespace": "openclaw", "verb": "list"}
    ]


def test_queries_leave_only_when_asked() -> None:
    db = pool(idle_in_transaction=(session(7, query="ALTER ROLE x PASSWORD 'pw'"),))
    hidden = db.without_queries()
    assert hidden.idle_in_transaction[0].query == QUERY_HIDDEN
    assert "PASSWORD" not in str(check_json(snap(database=hidden)))


def test_severity_of_a_subject_is_the_analysis_decision() -> None:
    fl = fleet()
    s = snap(findings=tuple(kube_findings(fl, NOW)), fleet=fl)
    amazon = next(a for a in fl.adapters if a.platform == "amazon")
    walmart = next(a for a in fl.adapters if a.platform == "walmart")
    assert s.severity_of(amazon.key) is Severity.CRITICAL  # a recent OOM is critical
    assert s.severity_of(walmart.key) is Severity.OK
    assert {f.id for f in s.findings_for(amazon.key)} == {"adapter-oomkilled"}


def test_check_json_writes_no_raw_control_character_and_keeps_the_text() -> None:
    evil = "osc \x1b]52;c;aGk=\x07 csi8 \x9b31m bidi \u202e del \x7f"
    text = check_json_text(snap(down(evil)))
    assert not any(c in text for c in "\x1b\x07\x9b\u202e\x7f")
    assert json.loads(text)["sources"]["prometheus"]["error"] == evil


def test_check_json_judges_certificates_by_the_configured_policy() -> None:
    fl = fleet()
    doc = check_json(snap(fleet=fl))
    assert {c["name"]: c["policy_ok"] for c in doc["certificates"]}["webhooks"] is False
    relaxed = check_json(snap(fleet=fl), KubeThresholds(renew_before_policy_hours=12))
    assert {c["name"]: c["policy_ok"] for c in relaxed["certificates"]}["webhooks"] is True
