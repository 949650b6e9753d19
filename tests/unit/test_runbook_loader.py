"""Runbooks are data: the shipped ones load, and a broken one gets one line naming its file,
its line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from oc_console.runbook.loader import RunbookError, load_dir, load_file, shipped_dir
from oc_console.runbook.runner import bind_params

GOOD = """\
id: demo
title: Demo
params:
  namespace: {description: "ns", default: openclaw}
  deployment: {description: "the adapter"}
steps:
  - check: memory-vs-limit
    title: Memory of {deployment}
    with: {namespace: "{namespace}", deployment: "{deployment}"}
  - action: restart
    title: Restart
    with: {namespace: "{namespace}", deployment: "{deployment}"}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "demo.yaml"
    path.write_text(text)
    return path


def test_shipped_runbooks_load_with_the_stable_ids() -> None:
    books = load_dir()
    assert set(books) >= {
        "adapter-oomkilled", "adapter-crashloop", "webhook-signature-mismatch",
        "pool-exhaustion", "cert-expiry", "order-sync-failed",
    }  # fmt: skip
    for book in books.values():
        assert Path(book.source).parent == shipped_dir()
        assert set(book.params) <= {"namespace", "deployment", "order_id", "certificate", "pid",
                                    "application_name", "minutes", "quiet_seconds"}  # fmt: skip


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("  - action: restart", "  - action: [restart"))
    with pytest.raises(RunbookError) as err:
        load_file(path)
    assert str(err.value) == f"{path}:11: not valid YAML: expected ',' or ']', but got ':'"


def test_unknown_step_kind_names_line_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("  - action: restart", "  - shell: restart"))
    with pytest.raises(RunbookError) as err:
        load_file(path)
    assert str(err.value) == (
        f"{path}:10: steps.1.shell: unknown step kind 'shell' (one of check, action, wait, note)"
    )


def test_undeclared_parameter_names_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("title: Restart", "title: Restart {pid}"))
    with pytest.raises(RunbookError) as err:
        load_file(path)
    assert str(err.value) == (
        f"{path}:11: steps.1.title: uses parameter {{pid}}, which params does not declare"
    )


def test_expressions_are_not_templates(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("title: Restart", "title: Restart {deployment.__class__}"))
    with pytest.raises(RunbookError, match=r"demo.yaml:11: steps.1.title: only plain \{param\}"):
        load_file(path)


def test_unknown_field_and_missing_field(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("    title: Restart\n", "    titel: Restart\n"))
    with pytest.raises(RunbookError) as err:
        load_file(path)
    assert str(err.value) == f"{path}:11: steps.1.titel: unknown field"
    path = _write(tmp_path, GOOD.replace("title: Demo\n", ""))
    with pytest.raises(RunbookError, match=r"demo.yaml:1: title: missing required field"):
        load_file(path)


def test_missing_and_metacharacter_values_name_the_parameter(tmp_path: Path) -> None:
    book = load_file(_write(tmp_path, GOOD))
    with pytest.raises(RunbookError, match=r"demo.yaml: parameter deployment is required"):
        bind_params(book, {})
    with pytest.raises(RunbookError, match=r"parameter deployment: value carries template or "
                       r"shell metacharacters '\{' '\}'"):  # fmt: skip
        bind_params(book, {"deployment": "{namespace}"})
    with pytest.raises(RunbookError, match=r"has no parameter pid"):
        bind_params(book, {"deployment": "x", "pid": "1"})
    assert bind_params(book, {"deployment": "x"}) == {"namespace": "openclaw", "deployment": "x"}


def test_every_finding_rule_with_a_runbook_links_to_a_shipped_one() -> None:
    from oc_console.domain.findings import Finding, Severity, Target
    from oc_console.runbook.links import params_from, runbook_for

    books = load_dir()
    oom = Finding("adapter-oomkilled", Severity.CRITICAL, "openclaw/openclaw-adapter-amazon",
                  "x.", runbook="adapter-oomkilled",
                  target=Target.deployment("openclaw", "openclaw-adapter-amazon"))  # fmt: skip
    book = runbook_for(oom, books)
    assert book is not None and book.id == "adapter-oomkilled"
    assert params_from(oom, book, None) == {"namespace": "openclaw",
                                            "deployment": "openclaw-adapter-amazon"}  # fmt: skip
    # a rule without its own link still finds the runbook that applies to it
    cert = Finding("cert-not-ready", Severity.WARNING, "openclaw/openclaw-partner-tls", "x.",
                   target=Target.certificate("openclaw", "openclaw-partner-tls"))  # fmt: skip
    linked = runbook_for(cert, books)
    assert linked is not None and linked.id == "cert-expiry"
    assert params_from(cert, linked, None)["certificate"] == "openclaw-partner-tls"


def test_a_default_with_metacharacters_names_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("default: openclaw}", 'default: "openclaw;id"}'))
    with pytest.raises(RunbookError) as err:
        load_file(path)
    assert str(err.value) == (
        f"{path}:4: params.namespace.default: parameter namespace: value carries template or "
        "shell metacharacters ';'"
    )


def test_needs_names_the_check_of_an_earlier_step(tmp_path: Path) -> None:
    needs = GOOD + "    needs: [memory-vs-limit]\n"
    book = load_file(_write(tmp_path, needs))
    assert book.steps[1].needs == ("memory-vs-limit",)  # type: ignore[union-attr]
    # left out, it is None: the action needs every check before it
    assert load_file(_write(tmp_path, GOOD)).steps[1].needs is None  # type: ignore[union-attr]
    path = _write(tmp_path, GOOD + "    needs: [memory-vs-limits]\n")
    with pytest.raises(RunbookError) as err:
        load_file(path)
    assert str(err.value) == (
        f"{path}:13: steps.1.needs.0: 'memory-vs-limits' is not the check of an earlier check "
        "step (earlier checks: memory-vs-limit)"
    )
    with pytest.raises(RunbookError, match=r"demo.yaml:13: steps.1.needs: a list of check ids"):
        load_file(_write(tmp_path, GOOD + "    needs: memory-vs-limit\n"))


def test_every_shipped_action_declares_what_it_needs() -> None:
    """Explicit in the shipped runbooks, so a reader sees which check guards which action."""
    from oc_console.runbook.schema import ActionStep

    for book in load_dir().values():
        for step in book.steps:
            if isinstance(step, ActionStep):
                assert step.needs, f"{book.id}: {step.title}"


def test_an_order_finding_names_its_order() -> None:
    from oc_console.domain.findings import Finding, Severity, Target
    from oc_console.runbook.links import params_from

    book = load_dir()["order-sync-failed"]
    order = Finding("order-sync-failed", Severity.WARNING, "order/114-3941689-8772232", "x.",
                    target=Target.order("114-3941689-8772232"))  # fmt: skip
    assert params_from(order, book, None) == {"order_id": "114-3941689-8772232"}


def test_runbook_parameters_come_from_the_target_not_the_subject_text() -> None:
    """A subject is a label for people; the parameters come from the structured target, so a
    label that does not split into namespace/name still names the right Deployment."""
    from oc_console.domain.findings import Finding, Severity, Target
    from oc_console.runbook.links import params_from

    book = load_dir()["adapter-oomkilled"]
    labelled = Finding("memory-near-limit", Severity.WARNING, "adapter/amazon", "x.",
                       target=Target.deployment("shop", "openclaw-adapter-amazon"))  # fmt: skip
    assert params_from(labelled, book, None) == {
        "namespace": "shop", "deployment": "openclaw-adapter-amazon"
    }  # fmt: skip
    # a subject that looks like namespace/name names nothing without a target
    bare = Finding("memory-near-limit", Severity.WARNING, "openclaw/openclaw-adapter-x", "x.")
    assert params_from(bare, book, None) == {}


def test_fixed_if_ok_names_the_check_of_an_earlier_step(tmp_path: Path) -> None:
    note = "  - note: fix it\n    ask: Fixed?\n    fixed_if_ok: memory-vs-limt\n"
    path = _write(tmp_path, GOOD + note)
    with pytest.raises(RunbookError) as err:
        load_file(path)
    assert str(err.value) == (
        f"{path}:15: steps.2.fixed_if_ok: 'memory-vs-limt' is not the check of an earlier "
        "check step (earlier checks: memory-vs-limit)"
    )
