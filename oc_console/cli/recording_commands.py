"""Recording and replay from the command line: `--record FILE` on the console and the demo,
`oc-console record FILE --for 2h` headless, `oc-console replay FILE`, and `check --replay FILE
--at 03:12`, which answers as `check` would have then."""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oc_console.errors import UserError
from oc_console.heap import freeze_startup

if TYPE_CHECKING:
    from oc_console.config import Config
    from oc_console.recording.reader import Recording
    from oc_console.services.console import Console
    from oc_console.services.recorder import Recorder

_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMG]i?B?|B)?", re.IGNORECASE)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")  # what a target's name may not bring into a file name


def parse_size(text: str) -> int:
    """200MB, 1.5GB, 512KiB, 1000000: bytes (K, M, G are powers of 1024 either way)."""
    match = _SIZE.fullmatch(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (like 200MB)")
    unit = (match.group(2) or "B").upper()[0]
    power = {"B": 0, "K": 1, "M": 2, "G": 3}[unit]
    return int(float(match.group(1)) * 1024**power)


def parse_duration(text: str) -> float:
    match = _DURATION.fullmatch(text.strip())
    if not match or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (like 90m or 2h)")
    return float(match.group(1)) * _SECONDS[match.group(2)]


@dataclass(frozen=True)
class RecordOptions:
    path: str
    max_size: int


def record_options(args: argparse.Namespace) -> RecordOptions | None:
    """`--record FILE` (and `--record-max-size`), when given, for the console or the demo."""
    path = getattr(args, "record", None)
    if not path:
        return None
    from oc_console.recording.writer import DEFAULT_MAX_SIZE

    return RecordOptions(path, getattr(args, "record_max_size", None) or DEFAULT_MAX_SIZE)


def start_recorder(console: Console, options: RecordOptions | None) -> Recorder | None:
    if options is None:
        return None
    from oc_console.services.recorder import Recorder

    recorder = Recorder(console, options.path, max_size=options.max_size)
    recorder.attach()
    return recorder


def target_paths(path: str, names: Sequence[str]) -> dict[str, str]:
    """A recording holds one target's console: with several, one file each, the target's name
    before the extension (incident.ocrec: incident.us-east.ocrec, incident.eu-west.ocrec)."""
    if len(names) == 1:
        return {names[0]: path}
    base = Path(path)
    paths = {n: str(base.with_name(f"{base.stem}.{_UNSAFE.sub('-', n)}{base.suffix}"))
             for n in names}  # fmt: skip
    if len(set(paths.values())) < len(paths):
        raise UserError("--record: two targets' names make the same file name; rename one")
    return paths


def start_recorders(
    members: Sequence[tuple[str, Console]], options: RecordOptions | None
) -> list[Recorder]:
    """One recorder per target (see target_paths); none without --record. A file that cannot
    be opened stops them all before the console starts: one line, nothing left recording."""
    if options is None:
        return []
    paths = target_paths(options.path, [name for name, _ in members])
    recorders: list[Recorder] = []
    try:
        for name, console in members:
            found = start_recorder(console, RecordOptions(paths[name], options.max_size))
            assert found is not None
            recorders.append(found)
    except BaseException:
        for recorder in recorders:
            recorder.close()
        raise
    return recorders


def stop_recorder(recorder: Recorder | None) -> None:
    if recorder is None:
        return
    recorder.close()
    if recorder.error:
        print(f"oc-console: recording stopped: {recorder.error}", file=sys.stderr)
    else:
        writer = recorder.writer
        print(f"recorded {writer.frames} frames ({writer.size // 1024} KB) to {writer.path}",
              file=sys.stderr)  # fmt: skip


def open_recording(path: str) -> Recording:
    """The recording, or one line saying why not; a cut-short file says where it stops."""
    from oc_console.recording.reader import Recording

    recording = Recording(path)
    if recording.damaged:
        print(f"oc-console: {path}: {recording.damaged}; replaying up to there", file=sys.stderr)
    return recording


def record_command(args: argparse.Namespace, config: Config) -> int:
    """Headless: the sources read as the console reads them, every answer recorded, until
    `--for` ends or a signal (SIGTERM, SIGHUP, Ctrl+C) does."""
    from oc_console.services.console import Console

    if not config.any_source_configured:
        raise UserError("no source configured: nothing to record (see oc-console --help)")
    console = Console(config)
    recorder = start_recorder(console, RecordOptions(args.file, args.max_size))
    freeze_startup()  # it runs for hours

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(signum, stop.set)
        console.start()
        print(f"recording to {args.file}; Ctrl+C stops", file=sys.stderr, flush=True)
        try:
            await asyncio.wait_for(stop.wait(), timeout=args.duration)
        except TimeoutError:
            pass
        finally:
            await console.stop()
            stop_recorder(recorder)
            await console.close()

    asyncio.run(run())
    return 1 if recorder is not None and recorder.error else 0


def _replay_player(args: argparse.Namespace, config: Config, path: str) -> Any:
    from oc_console.services.replay import offline
    from oc_console.services.replay_player import ReplayPlayer

    recording = open_recording(path)
    return ReplayPlayer(recording, offline(config), as_recorded=args.as_recorded,
                        speed=getattr(args, "speed", 1.0))  # fmt: skip


def check_replay(args: argparse.Namespace, config: Config) -> int:
    """`check --replay FILE [--at T]`: the same report and exit code as `check`, at T."""
    from oc_console.cli.report import (
        check_console,
        check_json_text,
        exit_code,
        print_check,
        with_runbooks,
        write_out,
    )

    player = _replay_player(args, config, args.replay)
    if args.at:
        player.seek_text(args.at)
    else:
        player.seek(player.recording.end)
    snap = with_runbooks(player.snapshot())
    if args.json or args.output == "json":
        write_out(check_json_text(snap, config.kubernetes.thresholds) + "\n")
    else:
        plain = not sys.stdout.isatty()
        out = check_console(plain)
        print_check(snap, out, plain=plain, wide=args.output == "wide")
    code: int = exit_code(snap)
    return code


def replay_command(args: argparse.Namespace, config: Config) -> int:
    """The screens on a recording, read-only."""
    from oc_console.screens.replay import make_replay_app
    from oc_console.services.replay import ReplayConsole

    player = _replay_player(args, config, args.file)
    if args.at:
        player.seek_text(args.at)
    app = make_replay_app(ReplayConsole(config, player))
    freeze_startup()
    app.run()
    return app.return_code or 0
