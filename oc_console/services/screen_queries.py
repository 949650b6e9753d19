"""What a screen asks the facade to decide for it: a colour threshold from the config, the
release history of an adapter, the critical path of a trace, who owns a session, a checked
runbook parameter, the silence to propose for an alert.

The screens show; these decide, with the same analysis and the same configuration as `check`,
so the screen and the report never disagree."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from oc_console.analysis import drift, orders, owners
from oc_console.config import Config
from oc_console.domain.alerts import Alert
from oc_console.domain.database import PoolSnapshot
from oc_console.domain.findings import Finding
from oc_console.domain.kube import AdapterHealth, FleetSnapshot
from oc_console.domain.orders import Span, Trace
from oc_console.domain.releases import AdapterRelease
from oc_console.domain.snapshot import ConsoleSnapshot

if TYPE_CHECKING:
    from oc_console.analysis.owners import SessionOwner
    from oc_console.runbook.actions.base import Action
    from oc_console.runbook.actions.silence import AddSilence
    from oc_console.runbook.schema import Runbook


@dataclass(frozen=True)
class SignalLevels:
    """Where the Changes screen's lines turn colour: the thresholds the analysis judges by."""

    error_share_warning: float  # share of calls answered 5xx (0..1)
    saturation_warning: float  # pool saturation (0..1)


def signal_levels(config: Config) -> SignalLevels:
    return SignalLevels(
        error_share_warning=config.prometheus.thresholds.error_ratio_warning,
        saturation_warning=config.postgres.thresholds.saturation_warning_pct / 100,
    )


def adapter_releases(fleet: FleetSnapshot) -> list[AdapterRelease]:
    return drift.adapter_releases(fleet)


def adapter_release(fleet: FleetSnapshot, adapter: AdapterHealth) -> AdapterRelease:
    return drift.adapter_release(fleet, adapter)


def critical_path(trace: Trace) -> frozenset[str]:
    return orders.critical_path(trace)


def first_failing_span(trace: Trace) -> Span | None:
    return orders.first_failing_span(trace)


def session_owners(pool: PoolSnapshot, fleet: FleetSnapshot | None) -> tuple[SessionOwner, ...]:
    return owners.session_owners(pool, fleet)


def runbook_for(finding: Finding, books: Mapping[str, Runbook]) -> Runbook | None:
    """The runbook a finding leads to (`b` on the Overview)."""
    from oc_console.runbook import links

    return links.runbook_for(finding, books)


def runbook_params(finding: Finding, book: Runbook, snap: ConsoleSnapshot | None) -> dict[str, str]:
    """The parameters the finding already names, from its structured target."""
    from oc_console.runbook import links

    return links.params_from(finding, book, snap)


def runbook_param(name: str, value: str) -> str | None:
    """`value` as a runbook parameter, or None when the engine would refuse it (it carries
    template or shell metacharacters): a screen then leaves it to be asked for."""
    from oc_console.runbook.templating import ParamError, check_value

    try:
        return check_value(name, value)
    except ParamError:
        return None


def proposed_silence(labels: tuple[tuple[str, str], ...]) -> str:
    """The matchers `x` proposes for an alert, as the operator edits them."""
    from oc_console.runbook.actions.silence import silence_for

    return ", ".join(str(x) for x in silence_for(labels))


@dataclass(frozen=True)
class SilenceDraft:
    action: AddSilence
    hides_all: str | None  # why it would hide every page, when it would


def draft_silence(
    matchers: str, duration: str, comment: str, alerts: Iterable[Alert]
) -> SilenceDraft:
    """The silence the operator typed, checked; raises ActionStop with one line when a matcher
    or the duration does not parse."""
    from oc_console.runbook.actions.silence import (
        AddSilence,
        hides_everything,
        parse_duration,
        parse_matcher,
    )

    parsed = tuple(parse_matcher(part.strip()) for part in matchers.split(",") if part.strip())
    action = AddSilence(parsed, duration=parse_duration(duration), comment=comment)
    return SilenceDraft(action, hides_everything(parsed, alerts))


def expire_silence(silence_id: str) -> Action:
    from oc_console.runbook.actions.silence import ExpireSilence

    return ExpireSilence(silence_id)
