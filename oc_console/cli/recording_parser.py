"""The command line's words for recordings: `--record FILE` on the console and the demo, the
`record` and `replay` commands, and `check --replay FILE --at T`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from oc_console.cli.recording_commands import parse_duration, parse_size

Subcommand = Callable[[Any, str, str], argparse.ArgumentParser]
DEFAULT_MAX_SIZE = "200MB"


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a speed: {text!r} (like 1, 4 or 0.5)") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"a speed is more than 0 and at most 3600: {text!r}")
    return value


def record_flags(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """`--record FILE` where the console runs (a subcommand's default must not overwrite a
    value given before it)."""
    default = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("recording")
    group.add_argument(
        "--record",
        metavar="FILE",
        default=default,
        help="record what the console shows to FILE (see oc-console replay)",
    )
    group.add_argument("--record-max-size", metavar="SIZE", type=parse_size, default=default,
                       help=f"with --record: the oldest frames go past this (default "
                            f"{DEFAULT_MAX_SIZE})")  # fmt: skip


def check_flags(check: argparse.ArgumentParser) -> None:
    check.add_argument("--replay", metavar="FILE",
                       help="answer from a recording, as check would have then")  # fmt: skip
    check.add_argument("--at", metavar="TIME",
                       help="with --replay: at this time, UTC (03:12, 03:12:30, +10m, "
                            "2026-12-05T03:12; default the end)")  # fmt: skip
    check.add_argument("--as-recorded", action="store_true",
                       help="with --replay: the findings as recorded, not recomputed")  # fmt: skip


def recording_commands(sub: Any, subcommand: Subcommand) -> None:
    record = subcommand(sub, "record", "record headless: what the console would show, to FILE")
    record.add_argument("file", metavar="FILE", help="the recording to write")
    record.add_argument("--for", dest="duration", type=parse_duration, metavar="DURATION",
                        help="how long: 90m, 2h (default until Ctrl+C or SIGTERM)")  # fmt: skip
    record.add_argument("--max-size", type=parse_size, default=parse_size(DEFAULT_MAX_SIZE),
                        metavar="SIZE", help=f"the oldest frames go past this "
                        f"(default {DEFAULT_MAX_SIZE})")  # fmt: skip
    replay = subcommand(sub, "replay", "the console's screens on a recording, read-only")
    replay.add_argument("file", metavar="FILE", help="a recording (--record, oc-console record)")
    replay.add_argument("--as-recorded", action="store_true",
                        help="the findings as recorded, not recomputed")  # fmt: skip
    replay.add_argument("--speed", type=_speed, default=1.0, metavar="X",
                        help="recorded seconds per second while playing (default 1)")  # fmt: skip
    replay.add_argument("--at", metavar="TIME", help="start at this time, UTC (03:12, +10m)")
