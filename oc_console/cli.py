"""The command line: the composition root, and the only core module that may import the UI."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

from oc_console.errors import UserError

# (flag, dotted config key, help); each also has an OC_* env var (see config.ENV_KEYS)
GLOBAL_OPTIONS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("--kubeconfig",), "kubernetes.kubeconfig", "kubeconfig file (default $KUBECONFIG)"),
    (("--context",), "kubernetes.context", "kubeconfig context"),
    (("-n", "--namespace"), "kubernetes.namespaces", "namespace(s), comma-separated"),
    (("--pg-dsn",), "postgres.dsn", "PostgreSQL DSN (libpq PG* variables also work)"),
    (("--prometheus",), "prometheus.url", "Prometheus-API URL"),
    (("--traces",), "traces.url", "Tempo or Jaeger URL"),
    (("--traces-kind",), "traces.kind", "tempo|jaeger"),
    (("--openclaw-api",), "openclaw.api", "OpenClaw API URL"),
)


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # Subcommands get the same options with SUPPRESS defaults, so a value given before the
    # subcommand is not overwritten by the subparser's default.
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--config", default=default, help="TOML config file")
    for flags, key, help_text in GLOBAL_OPTIONS:
        parser.add_argument(*flags, dest=key, default=default, help=help_text)
    parser.add_argument(
        "--read-only",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="refuse every action that writes",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oc-console", description="Terminal incident console for OpenClaw."
    )
    _global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _global_options(p, suppress=True)
        return p

    scenario_help = (
        "oom,crashloop,pool,cert,order,webhook,hostile | all | none "
        "(default all: every incident; hostile only when named)"
    )
    demo = command("demo", "the console on the built-in sandbox")
    demo.add_argument("--scenario", default="all", help=scenario_help)
    sandbox = command("sandbox", "run the sandbox in the foreground until Ctrl+C")
    sandbox.add_argument("--scenario", default="all", help=scenario_help)
    sandbox.add_argument("--print-env", action="store_true", help="print its settings as env")
    check = command("check", "print findings; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    _runbook_commands(command("runbook", "list, show or run the guided runbooks"))
    audit = command("audit", "the audit log of actions, unfinished ones first")
    audit.add_argument("--since", help="only records this recent: 90s, 30m, 1h, 7d")
    audit.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def _runbook_commands(runbook: argparse.ArgumentParser) -> None:
    sub = runbook.add_subparsers(dest="runbook_command", metavar="list|show|run", required=True)
    for name, help_text in (("list", "the shipped runbooks"), ("show", "a runbook's steps"),
                            ("run", "run a runbook's steps")):  # fmt: skip
        p = sub.add_parser(name, help=help_text, description=help_text)
        _global_options(p, suppress=True)
        if name != "list":
            p.add_argument("id", help="runbook id, e.g. adapter-oomkilled")
        if name == "run":
            p.add_argument("--param", action="append", default=[], metavar="K=V")
            p.add_argument("--dry-run", action="store_true", help="preview only; write nothing")
            p.add_argument("--yes", action="store_true", help="confirm every action")


def _run_runbook(args: argparse.Namespace) -> int:
    from oc_console.runbook import commands

    if args.runbook_command == "list":
        return commands.runbook_list()
    if args.runbook_command == "show":
        return commands.runbook_show(args.id)
    return commands.runbook_run(_load(args), args.id, args.param, dry_run=args.dry_run,
                                yes=args.yes)  # fmt: skip


def _run_audit(args: argparse.Namespace) -> int:
    from oc_console.runbook.commands import audit_command

    return audit_command(args.since, args.json)


def _flags(args: argparse.Namespace) -> dict[str, object]:
    flags: dict[str, object] = {
        key: getattr(args, key) for _, key, _ in GLOBAL_OPTIONS if getattr(args, key, None)
    }
    if getattr(args, "read_only", False):
        flags["read_only"] = True
    return flags


def _load(args: argparse.Namespace, extra: dict[str, object] | None = None) -> Any:
    from oc_console.config import load_config

    return load_config(getattr(args, "config", None), {**(extra or {}), **_flags(args)})


def _run_check(args: argparse.Namespace) -> int:
    from rich.console import Console as RichConsole

    from oc_console.report import check_json, exit_code, print_check
    from oc_console.services.console import Console

    config = _load(args)

    async def once() -> Any:
        console = Console(config)
        try:
            return await console.refresh(force=True)
        finally:
            await console.close()

    snap = asyncio.run(once())
    if args.json:
        import orjson

        sys.stdout.write(orjson.dumps(check_json(snap), option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
    else:
        print_check(snap, RichConsole(no_color=bool(os.environ.get("NO_COLOR"))))
    return exit_code(snap)


def _run_tui(config: Any, *, context_label: str | None = None) -> int:
    from oc_console.services.console import Console
    from screens.app import make_app

    app = make_app(Console(config, context_label=context_label))
    # An SSH disconnect (SIGHUP) or a kill must still stop the sandbox: leave through app.exit.
    for sig in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, lambda *_: app.exit())
    app.run()
    return 0


def _start_sandbox(args: argparse.Namespace) -> Any:
    from oc_console.sandbox.runner import Sandbox, parse_scenarios

    scenarios = parse_scenarios(args.scenario)
    print("starting the OpenClaw sandbox...", file=sys.stderr, flush=True)
    return Sandbox(scenarios).start()


def _run_demo(args: argparse.Namespace) -> int:
    sandbox = _start_sandbox(args)
    try:
        return _run_tui(_load(args, sandbox.flags()), context_label="sandbox")
    finally:
        sandbox.stop()


def _run_sandbox(args: argparse.Namespace) -> int:
    sandbox = _start_sandbox(args)
    try:
        for key, value in sandbox.env().items():
            print(f"export {key}='{value}'" if args.print_env else f"{key}={value}")
        print("sandbox running; Ctrl+C stops it", file=sys.stderr, flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        signal.signal(signal.SIGHUP, lambda *_: sys.exit(0))
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
    finally:
        sandbox.stop()
        print("sandbox stopped", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "check":
            return _run_check(args)
        if args.command == "demo":
            return _run_demo(args)
        if args.command == "sandbox":
            return _run_sandbox(args)
        if args.command == "runbook":
            return _run_runbook(args)
        if args.command == "audit":
            return _run_audit(args)
        return _run_tui(_load(args))
    except UserError as exc:
        print(f"oc-console: {exc}", file=sys.stderr)
        return 2 if args.command != "check" else 3
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("OC_DEBUG"):
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(
            f"oc-console: unexpected {type(exc).__name__}: {first} (OC_DEBUG=1 shows where)",
            file=sys.stderr,
        )
        return 3 if args.command == "check" else 70


if __name__ == "__main__":
    sys.exit(main())
