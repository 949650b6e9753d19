"""The command line's grammar: every subcommand, its own options, and the global options.

Each subcommand's --help shows its own options first; the global options (where the sources
are, the config file, read-only) follow in their own group, with metavars that say what to
give (PATH, URL, DSN), and stay out of the usage line, where they would bury the command's own.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any, NoReturn

from oc_console.cli.recording_parser import check_flags, record_flags, recording_commands

# (flags, dotted config key, metavar, help); each also has an OC_* env var (config_loading.ENV_KEYS)
GLOBAL_OPTIONS: tuple[tuple[tuple[str, ...], str, str, str], ...] = (
    (("--kubeconfig",), "kubernetes.kubeconfig", "PATH", "kubeconfig file (default $KUBECONFIG)"),
    (("--context",), "kubernetes.context", "NAME[,NAME]", "kubeconfig context(s), each a target"),
    (("-n", "--namespace"), "kubernetes.namespaces", "NS[,NS]", "namespace(s), comma-separated"),
    (("--pg-dsn",), "postgres.dsn", "DSN", "PostgreSQL DSN (libpq PG* variables also work)"),
    (("--prometheus",), "prometheus.url", "URL", "Prometheus-API URL"),
    (("--traces",), "traces.url", "URL", "Tempo or Jaeger URL"),
    (("--traces-kind",), "traces.kind", "tempo|jaeger", "which trace backend --traces is"),
    (("--openclaw-api",), "openclaw.api", "URL", "OpenClaw API URL"),
    (("--alertmanager",), "alertmanager.url", "URL", "Alertmanager URL (API v2)"),
    (("--audit-dsn",), "audit.dsn", "DSN", "also append audit records to this PostgreSQL"),
    (("--docker",), "docker.host", "URL", "Docker Engine (unix:///var/run/docker.sock) for a VM"),
)
GLOBAL_DESTS = frozenset(
    {"config", "read_only", "all_contexts", *(key for _, key, _, _ in GLOBAL_OPTIONS)}
)
CHECK_TIMEOUT_SECONDS = 10.0
OUTPUT_HELP = "wide: more columns; json: machine-readable (default: a table; plain when piped)"


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # Subcommands get the same options with SUPPRESS defaults, so a value given before the
    # subcommand is not overwritten by the subparser's default.
    default = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("global options")
    group.add_argument("--config", default=default, metavar="PATH", help="TOML config file")
    for flags, key, metavar, help_text in GLOBAL_OPTIONS:
        group.add_argument(*flags, dest=key, default=default, metavar=metavar, help=help_text)
    group.add_argument(
        "--read-only",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="refuse every action that writes",
    )
    group.add_argument(
        "--all-contexts",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="every context of the kubeconfig at once, each a target",
    )


def _output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", choices=("wide", "json"), metavar="wide|json",
                        help=OUTPUT_HELP)  # fmt: skip


class UsageError(Exception):
    """A command line argparse rejects; `main` prints it as one line."""


class _Formatter(argparse.HelpFormatter):
    """The usage line names the command's own arguments; the global ones are one mention."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[Any],
        prefix: str | None = None,
    ) -> None:
        own = [a for a in actions if a.dest not in GLOBAL_DESTS]
        super().add_usage(usage, own, groups, prefix)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    # argparse prints the usage and exits 2, which Nagios reads as CRITICAL; `check` must
    # exit 3 (UNKNOWN) instead, so the decision is left to `main`.
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return value


def _subcommand(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    _global_options(p, suppress=True)
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="oc-console", description="Terminal incident console for OpenClaw.")
    _global_options(parser, suppress=False)
    record_flags(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    scenario_help = (
        "oom,crashloop,pool,cert,order,webhook,hostile | all | none "
        "(default all: every incident; hostile only when named)"
    )
    demo = _subcommand(sub, "demo", "the console on the built-in sandbox")
    demo.add_argument("--scenario", metavar="LIST", help=scenario_help)
    demo.add_argument("--clusters", type=int, default=1, metavar="N",
                      help="N sandbox clusters (up to 3: us-east, eu-west, ap-southeast), each "
                           "with its own incidents unless --scenario names them, on one "
                           "Overview")  # fmt: skip
    demo.add_argument("--vm", action="store_true",
                      help="oom,crashloop,webhook,pool on a real Docker Engine (yours, or a "
                           "private one as root) instead of the sandbox cluster")  # fmt: skip
    record_flags(demo, suppress=True)
    sandbox = _subcommand(sub, "sandbox", "run the sandbox in the foreground until Ctrl+C")
    sandbox.add_argument("--scenario", default="all", metavar="LIST", help=scenario_help)
    sandbox.add_argument("--print-env", action="store_true", help="print its settings as env")
    _check_command(_subcommand(
        sub, "check", "print findings; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN"))  # fmt: skip
    _runbook_commands(_subcommand(sub, "runbook", "list, show or run the guided runbooks"))
    _silence_commands(_subcommand(sub, "silence", "list, add or expire Alertmanager silences"))
    _audit_commands(_subcommand(sub, "audit", "the audit log of actions, unfinished ones first"))
    handoff = _subcommand(sub, "handoff", "write the incident hand-off as Markdown (or JSON)")
    handoff.add_argument("--since", default="2h", metavar="AGE", help="the window (default 2h)")
    handoff.add_argument("--out", metavar="FILE", help="write it to FILE instead of stdout")
    handoff.add_argument("--json", action="store_true", help="the same content as data")
    order = _subcommand(
        sub, "order", "one order's timeline; exit 0 found, 1 unknown, 2 bad ID, 3 unreadable"
    )
    order.add_argument("order_id", metavar="ID", help="the order ID")
    order.add_argument("--json", action="store_true", help="machine-readable output")
    recording_commands(sub, _subcommand)
    return parser


def _check_command(check: argparse.ArgumentParser) -> None:
    _output(check)
    check.add_argument("--json", action="store_true", help="the same as -o json")
    check.add_argument(
        "--timeout",
        type=_seconds,
        default=CHECK_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help="overall deadline; sources not read by then are UNKNOWN (default 10)",
    )
    check.add_argument(
        "--include-queries",
        action="store_true",
        help="include pg_stat_activity query text (it may hold literals such as passwords)",
    )
    check_flags(check)


def _audit_commands(audit: argparse.ArgumentParser) -> None:
    audit.add_argument("--since", metavar="AGE", help="only records this recent: 90s, 30m, 1h, 7d")
    _output(audit)
    audit.add_argument("--json", action="store_true", help="the same as -o json")
    audit.add_argument("--target", metavar="NAME",
                       help="only this target: its name, kind/name or namespace/name")  # fmt: skip
    audit.add_argument("--shared", action="store_true",
                       help="every engineer's records, from the --audit-dsn table")  # fmt: skip
    audit_sub = audit.add_subparsers(
        dest="audit_command", metavar="[resolve|init]", title="subcommand"
    )
    _subcommand(audit_sub, "init", "create the shared audit table in --audit-dsn (idempotent)")
    resolve = _subcommand(
        audit_sub, "resolve", "mark an unfinished action resolved, with a note (itself audited)"
    )
    resolve.add_argument("id", metavar="ID", help="the action's id (as `audit` shows it)")
    resolve.add_argument("--note", required=True, metavar="TEXT", help="what you found")


def _runbook_commands(runbook: argparse.ArgumentParser) -> None:
    sub = runbook.add_subparsers(dest="runbook_command", metavar="list|show|run", required=True)
    _output(_subcommand(sub, "list", "the shipped runbooks"))
    show = _subcommand(sub, "show", "a runbook's steps, its parameters and its file")
    show.add_argument("id", metavar="ID", help="runbook id, e.g. adapter-oomkilled")
    run = _subcommand(sub, "run", "run a runbook's steps")
    run.add_argument("id", metavar="ID", help="runbook id, e.g. adapter-oomkilled")
    run.add_argument("--param", action="append", default=[], metavar="K=V",
                     help="a parameter of the runbook; repeat for more")  # fmt: skip
    run.add_argument("--dry-run", action="store_true", help="preview only; write nothing")
    run.add_argument("--yes", action="store_true", help="confirm every action")


def _silence_commands(silence: argparse.ArgumentParser) -> None:
    sub = silence.add_subparsers(dest="silence_command", metavar="list|add|expire", required=True)
    _output(_subcommand(sub, "list", "the silences and how many alerts fire"))
    add = _subcommand(sub, "add", "silence the alerts that match")
    add.add_argument("--match", action="append", default=[], metavar="LABEL=VALUE",
                     help="a matcher (=, !=, =~, !~); repeat for more")  # fmt: skip
    add.add_argument("--for", dest="duration", default="2h", metavar="DURATION",
                     help="how long: 90m, 2h, 1d (default 2h)")  # fmt: skip
    add.add_argument("--comment", metavar="TEXT", help="why (required)")
    add.add_argument("--match-all", action="store_true",
                     help="allow a silence that hides every firing alert")  # fmt: skip
    add.add_argument("--yes", action="store_true", help="confirm without asking")
    expire = _subcommand(sub, "expire", "expire a silence now")
    expire.add_argument("id", metavar="ID", help="the silence id")
    expire.add_argument("--yes", action="store_true", help="confirm without asking")
