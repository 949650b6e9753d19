"""The command line: the composition root, and the only core module that may import the UI."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from oc_console.cli.parser import GLOBAL_OPTIONS, UsageError, build_parser
from oc_console.cli.recording_commands import record_options
from oc_console.errors import UserError

if TYPE_CHECKING:
    from oc_console.signals import Quit

CHECK_CLOSE_SECONDS = 0.5
CHECK_EXIT_MARGIN_SECONDS = 20.0  # past --timeout: printing, closing, a loaded machine
NOTHING_CONFIGURED = (
    "no source configured: set --kubeconfig or $KUBECONFIG, --pg-dsn or PGHOST, or "
    "--prometheus (or the config file's [kubernetes], [postgres], [prometheus])"
)


def _run_silence(args: argparse.Namespace) -> int:
    from oc_console.cli import silences

    config = _load(args)
    if args.silence_command == "list":
        return silences.silence_list(config, args.output)
    if args.silence_command == "add":
        return silences.silence_add(config, args.match, args.duration, args.comment, yes=args.yes,
                                    match_all=args.match_all)  # fmt: skip
    return silences.silence_expire(config, args.id, yes=args.yes)


def _run_runbook(args: argparse.Namespace) -> int:
    from oc_console.cli import runbook_commands as commands

    if args.runbook_command == "list":
        return commands.runbook_list(args.output)
    if args.runbook_command == "show":
        return commands.runbook_show(args.id)
    from oc_console.signals import run_interruptible

    # SIGHUP (a dropped SSH session) and SIGTERM stop an action as Ctrl+C does: audited, Lease
    # given back
    return run_interruptible(lambda: commands.runbook_run(
        _load(args), args.id, args.param, dry_run=args.dry_run, yes=args.yes))  # fmt: skip


def _run_audit(args: argparse.Namespace) -> int:
    from oc_console.cli.audit_commands import audit_command, audit_resolve
    from oc_console.cli.audit_shared_commands import audit_init, audit_shared

    if getattr(args, "audit_command", None) == "resolve":
        return audit_resolve(args.id, args.note)
    if getattr(args, "audit_command", None) == "init":
        return audit_init(_load(args))
    output = "json" if args.json else args.output
    if args.shared:
        return audit_shared(_load(args), args.since, output, args.target)
    return audit_command(args.since, output, target=args.target)


def _flags(args: argparse.Namespace) -> dict[str, object]:
    flags: dict[str, object] = {
        key: getattr(args, key) for _, key, _, _ in GLOBAL_OPTIONS if getattr(args, key, None)
    }
    if getattr(args, "read_only", False):
        flags["read_only"] = True
    return flags


def _load(args: argparse.Namespace, extra: dict[str, object] | None = None) -> Any:
    from oc_console.config_loading import load_config

    return load_config(getattr(args, "config", None), {**(extra or {}), **_flags(args)})


def _give_up_after(seconds: float, *, json: bool = False) -> threading.Timer:
    """`check` ends, whatever hangs: past its deadline and a margin for the exit (a thread
    stuck in a dead server's read, a close that never returns), it answers UNKNOWN (3); with
    --json on stderr, so stdout never holds half a document and a line."""

    def give_up() -> None:
        out = sys.stderr if json else sys.stdout
        out.write(f"UNKNOWN - check did not finish within {seconds:g} s\n")
        out.flush()
        os._exit(3)

    timer = threading.Timer(seconds, give_up)
    timer.daemon = True
    timer.start()
    return timer


def _run_check(args: argparse.Namespace) -> int:
    as_json = bool(args.json or args.output == "json")
    timer = _give_up_after(args.timeout + CHECK_EXIT_MARGIN_SECONDS, json=as_json)
    try:
        return _check(args)
    finally:
        timer.cancel()  # answered (or failed in one line): nothing left to give up on


def _check(args: argparse.Namespace) -> int:
    from oc_console.cli.report import (
        check_console,
        check_json_text,
        exit_code,
        leave_now,
        print_check,
        with_runbooks,
        write_out,
    )
    from oc_console.services.console import Console

    config = _load(args)
    if getattr(args, "replay", None):  # from a recording: no source is read
        from oc_console.cli.recording_commands import check_replay

        return check_replay(args, config)
    from oc_console.services.fleet_targets import target_configs

    targets = target_configs(config, all_contexts=getattr(args, "all_contexts", False))
    if targets:  # several at once: each its own console, the worst status wins
        from oc_console.cli.fleet_check import run_fleet_check

        return run_fleet_check(args, config, targets)
    if not (
        config.postgres_configured or config.kubernetes_configured or config.docker_configured
    ) and not (config.prometheus_configured):
        raise UserError(NOTHING_CONFIGURED)
    console = Console(config)
    console.include_queries = args.include_queries

    async def once() -> Any:
        try:
            return await console.collect(args.timeout)
        finally:
            # the deadline is spent: close what closes at once, leave the rest to os._exit
            await console.close(grace=CHECK_CLOSE_SECONDS)

    # Not asyncio.run: it joins the default executor's threads, and one blocked on a dead
    # server would hold `check` past its deadline.
    loop = asyncio.new_event_loop()
    try:
        snap = with_runbooks(loop.run_until_complete(once()))  # as the screens link them
    finally:
        loop.close()
    if args.json or args.output == "json":
        write_out(check_json_text(snap, config.kubernetes.thresholds) + "\n")
    else:
        # Piped (monitoring, grep): plain columns, every line whole.
        plain = not sys.stdout.isatty()
        out = check_console(plain)
        print_check(snap, out, plain=plain, wide=args.output == "wide")
    leave_now(exit_code(snap))


def _run_order(args: argparse.Namespace) -> int:
    from rich.console import Console as RichConsole

    from oc_console.cli.order_report import (
        exit_code,
        fleet_timeline_json,
        print_timeline,
        timeline_json,
    )
    from oc_console.services.console import Console
    from oc_console.services.fleet import Fleet
    from oc_console.services.fleet_targets import target_configs

    config = _load(args)
    console = Console(config)
    console.check_order_id(args.order_id)  # a refused ID reaches no backend
    targets = target_configs(config, all_contexts=getattr(args, "all_contexts", False))
    configured = [c for _, c in targets] or [config]
    if not any(c.postgres_configured or c.traces_configured or c.kubernetes_configured
               for c in configured):  # fmt: skip
        print(
            "oc-console: no source configured (--pg-dsn, --traces, --kubeconfig)", file=sys.stderr
        )
        return 3
    # several targets: each database is asked, the one that knows the order answers
    looker = Fleet.from_configs(targets) if targets else console

    async def once() -> Any:
        try:
            return await looker.lookup_order(args.order_id)
        finally:
            await looker.close()

    timeline = asyncio.run(once())
    if args.json:
        import orjson

        doc = fleet_timeline_json(timeline) if targets else timeline_json(timeline)
        sys.stdout.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
    else:
        print_timeline(timeline, RichConsole(no_color=bool(os.environ.get("NO_COLOR"))))
    code: int = exit_code(timeline)
    return code


def _run_tui(
    config: Any,
    *,
    context_label: str | None = None,
    leaving: Quit | None = None,
    record: Any = None,
    all_contexts: bool = False,
) -> int:
    """The app until `q`, SIGHUP (a dropped SSH session, or the terminal closing), SIGTERM.
    With `leaving` (the demo), the caller finishes the way out; with `record`, recorded."""
    from oc_console.cli.fleet_open import open_console
    from oc_console.cli.recording_commands import start_recorders, stop_recorder
    from oc_console.heap import freeze_startup
    from oc_console.screens.app import make_app
    from oc_console.signals import Quit

    # several targets: the screens open on the first, the fleet line shows them all
    console, fleet = open_console(config, context_label=context_label, all_contexts=all_contexts)
    members = list(fleet.members.items()) if fleet is not None else [("", console)]
    recorders = start_recorders(members, record)  # with several targets, a file each
    app = make_app(console, fleet=fleet)
    quitting = leaving or Quit()
    quitting.install(app)
    freeze_startup()
    try:
        app.run()
    finally:
        quitting.begin()  # whatever ended the app, the rest of the way out is bounded
        for recorder in recorders:
            stop_recorder(recorder)
    code = quitting.exit_code(app.return_code or 0)
    return code if leaving else quitting.finish(code)


def _start_sandbox(args: argparse.Namespace) -> Any:
    from oc_console.sandbox.runner import Sandbox, parse_scenarios

    scenarios = parse_scenarios(args.scenario or "all")
    print("starting the OpenClaw sandbox...", file=sys.stderr, flush=True)
    # Its children are watched from here on: however this process ends, they end too.
    return Sandbox(scenarios).start()


def _sandbox_quit() -> Quit:
    """The way out of `demo` and `sandbox`: past its deadline, the children are killed."""
    from oc_console.sandbox.watchdog import GUARD
    from oc_console.signals import Quit

    return Quit(on_overrun=GUARD.kill_all)


def _run_demo_vm(args: argparse.Namespace) -> int:
    """The demo's incidents on a Docker Engine, read as a VM: everything made is removed."""
    from oc_console.sandbox.runner import parse_scenarios
    from oc_console.sandbox.vm import VmSandbox

    print("starting the OpenClaw VM demo on a Docker Engine...", file=sys.stderr, flush=True)
    vm = VmSandbox(parse_scenarios(args.scenario or "all")).start()
    leaving = _sandbox_quit()
    code = 1
    try:
        code = _run_tui(_load(args, vm.flags()), context_label="vm", leaving=leaving)
    finally:
        leaving.begin()
        vm.stop(timeout=leaving.left())
    return leaving.finish(code)


def _run_demo_fleet(args: argparse.Namespace) -> int:
    """Several sandbox clusters, one target each, on one Overview."""
    from oc_console.sandbox.fleet import SandboxFleet
    from oc_console.sandbox.runner import parse_scenarios

    scenarios = parse_scenarios(args.scenario) if args.scenario else None
    fleet = SandboxFleet(args.clusters, scenarios)
    print(f"starting {args.clusters} OpenClaw sandbox clusters...", file=sys.stderr, flush=True)
    fleet.start()
    leaving = _sandbox_quit()
    code = 1
    try:
        code = _run_tui(_load(args, fleet.flags()), leaving=leaving, record=record_options(args))
    finally:
        leaving.begin()
        fleet.stop(timeout=leaving.left())
    return leaving.finish(code)


def _run_demo(args: argparse.Namespace) -> int:
    if getattr(args, "vm", False):
        return _run_demo_vm(args)
    if args.clusters != 1:
        return _run_demo_fleet(args)
    sandbox = _start_sandbox(args)
    leaving = _sandbox_quit()
    code = 1
    try:
        code = _run_tui(_load(args, sandbox.flags()), context_label="sandbox", leaving=leaving,
                        record=record_options(args))  # fmt: skip
    finally:
        leaving.begin()
        sandbox.stop(timeout=leaving.left())
    return leaving.finish(code)


def _run_sandbox(args: argparse.Namespace) -> int:
    sandbox = _start_sandbox(args)
    leaving = _sandbox_quit()
    try:
        for key, value in sandbox.env().items():
            print(f"export {key}='{value}'" if args.print_env else f"{key}={value}")
        print("sandbox running; Ctrl+C stops it", file=sys.stderr, flush=True)
        leaving.install(None)  # Ctrl+C, SIGTERM and SIGHUP all stop it, once
        while leaving.started is None:
            signal.pause()
    finally:
        leaving.begin()
        sandbox.stop(timeout=leaving.left())
        with contextlib.suppress(OSError):  # the terminal may be gone
            print("sandbox stopped", file=sys.stderr)
    return leaving.finish(0)


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(words)
    except UsageError as exc:
        print(f"{exc} (see oc-console --help)", file=sys.stderr)
        return 3 if "check" in words else 2
    try:
        if args.command == "check":
            return _run_check(args)
        if args.command == "order":
            return _run_order(args)
        if args.command == "demo":
            return _run_demo(args)
        if args.command == "sandbox":
            return _run_sandbox(args)
        if args.command == "runbook":
            return _run_runbook(args)
        if args.command == "audit":
            return _run_audit(args)
        if args.command == "silence":
            return _run_silence(args)
        if args.command == "handoff":
            from oc_console.cli.handoff_command import handoff_command

            return handoff_command(_load(args), args.since, args.out, args.json)
        if args.command in ("record", "replay"):
            from oc_console.cli import recording_commands as rec

            run = rec.record_command if args.command == "record" else rec.replay_command
            return run(args, _load(args))
        return _run_tui(_load(args), record=record_options(args),
                        all_contexts=getattr(args, "all_contexts", False))  # fmt: skip
    except UserError as exc:
        from oc_console.sanitize import clean

        # the message may quote backend text (an error from a server, a silence id)
        print(f"oc-console: {clean(str(exc))}", file=sys.stderr)
        return 3 if args.command == "check" else 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("OC_DEBUG"):
            raise
        from oc_console.redact import redact_error

        first = redact_error(str(exc)) if str(exc) else ""
        print(
            f"oc-console: unexpected {type(exc).__name__}: {first} (OC_DEBUG=1 shows where)",
            file=sys.stderr,
        )
        return 3 if args.command == "check" else 70


if __name__ == "__main__":
    sys.exit(main())
