"""The console the screens open on: one target's, or, when several are named (`--context a,b`,
`--all-contexts`, `[[targets]]`), the first target's within the fleet of them all."""

from __future__ import annotations

from oc_console.config import Config
from oc_console.services.console import Console
from oc_console.services.fleet import Fleet
from oc_console.services.fleet_targets import target_configs


def open_console(
    config: Config, *, context_label: str | None = None, all_contexts: bool = False
) -> tuple[Console, Fleet | None]:
    targets = target_configs(config, all_contexts=all_contexts)
    if not targets:
        return Console(config, context_label=context_label), None
    fleet = Fleet.from_configs(targets)
    return fleet.current, fleet
