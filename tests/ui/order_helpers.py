"""The order-lookup Pilot tests' console and their wait for a finished timeline."""

from __future__ import annotations

from oc_console.config_loading import load_config
from oc_console.sandbox.runner import Sandbox
from oc_console.screens.app import ConsoleApp, make_app
from oc_console.screens.timeline import TimelineScreen
from oc_console.services.console import Console

ORDER = "114-3941689-8772232"


def app_on(sandbox: Sandbox) -> ConsoleApp:
    return make_app(Console(load_config(flags=sandbox.flags(), environ={})))


def timeline_done(app: ConsoleApp) -> bool:
    screen = app.screen
    return (
        isinstance(screen, TimelineScreen) and screen.timeline is not None and screen.timeline.done
    )
