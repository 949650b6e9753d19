"""Scenario names: `all` is the demo's incidents, `hostile` only when named."""

from __future__ import annotations

import pytest

from oc_console.errors import UserError
from oc_console.sandbox.kube.scenarios import resolve
from oc_console.sandbox.runner import parse_scenarios

INCIDENTS = {"oom", "crashloop", "pool", "cert", "order", "webhook"}


def test_all_is_the_six_incidents_without_hostile() -> None:
    assert parse_scenarios("all") == INCIDENTS
    assert resolve(frozenset({"all"})) == INCIDENTS


def test_hostile_only_when_named() -> None:
    assert parse_scenarios("hostile") == {"hostile"}
    assert parse_scenarios("all,hostile") == INCIDENTS | {"hostile"}
    assert parse_scenarios(" pool , hostile ") == {"pool", "hostile"}
    assert resolve(frozenset({"all", "hostile"})) == INCIDENTS | {"hostile"}
    assert parse_scenarios("none") == frozenset()


def test_unknown_names_are_one_clear_error() -> None:
    with pytest.raises(UserError, match=r"unknown scenario 'meteor' .*hostile"):
        parse_scenarios("meteor,hostile")
