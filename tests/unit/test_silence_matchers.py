"""Which silences hide every page: Alertmanager's matching (anchored regexes, a missing label
is ""), and the two ways a silence covers everything."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from oc_console.domain.alerts import Alert, Matcher
from oc_console.runbook.actions.base import Refused
from oc_console.runbook.actions.silence import check_silence_id, hides_everything, parse_matcher

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def alert(name: str, state: str = "active", **labels: str) -> Alert:
    pairs = tuple(sorted({"alertname": name, **labels}.items()))
    return Alert(fingerprint=name, labels=pairs, state=state, starts_at=T0)


FIRING = (
    alert("AdapterOOMKilled", namespace="openclaw", pod="openclaw-adapter-amazon-1"),
    alert("QueueBacklog", namespace="openclaw"),
    alert("InventoryFeedStale", "suppressed"),
)


def m(*texts: str) -> tuple[Matcher, ...]:
    return tuple(parse_matcher(t) for t in texts)


@pytest.mark.parametrize(
    "matchers",
    [("alertname=~.+",), ("alertname=~.*",), ("severity=~.*",), ("alertname!=Watchdog",),
     ("alertname!~Watchdog|InfoInhibitor",)],
)  # fmt: skip
def test_matchers_that_take_any_alert_hide_everything(matchers: tuple[str, ...]) -> None:
    assert hides_everything(m(*matchers), ()) == "matches any alert, whatever its labels"


def test_matchers_that_hold_every_firing_alert_hide_everything() -> None:
    why = hides_everything(m("namespace=openclaw"), FIRING)
    assert why == "matches every alert firing now (2 of 2)"
    assert hides_everything(m("alertname=~AdapterOOMKilled|QueueBacklog"), FIRING) is not None


@pytest.mark.parametrize(
    "matchers",
    [("alertname=QueueBacklog",), ("alertname=~Adapter.*",), ("namespace=~open",),
     ("alertname=~.+", "namespace=openclaw", "pod=~openclaw-adapter-.*")],
)  # fmt: skip
def test_a_silence_for_some_pages_is_not_everything(matchers: tuple[str, ...]) -> None:
    assert hides_everything(m(*matchers), FIRING) is None


def test_one_firing_alert_named_exactly_is_what_x_is_for() -> None:
    assert hides_everything(m("alertname=QueueBacklog"), FIRING[1:2]) is None


@pytest.mark.parametrize("bad", ["3f1e\n", "3f1e\r\n", "", "../3f1e", "a" * 65, "3f1e 7"])
def test_silence_ids_must_match_whole(bad: str) -> None:
    with pytest.raises(Refused) as caught:
        check_silence_id(bad)
    assert caught.value.reason == "bad-input" and "\n" not in str(caught.value)


def test_a_uuid_is_a_silence_id() -> None:
    check_silence_id("3f1e0b2a-6c1d-4e8f-9a0b-1c2d3e4f5a6b")
