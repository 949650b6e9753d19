"""Several targets: where they come from, what each one's config is, and how one cell and the
fleet's status read."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from oc_console.config_loading import load_config
from oc_console.domain.findings import Finding, Severity
from oc_console.domain.health import SourceHealth
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.domain.targets import TargetSnapshot, fleet_line, worst_status
from oc_console.errors import UserError
from oc_console.services.fleet_targets import target_configs

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_one_context_is_no_fleet() -> None:
    assert target_configs(load_config(flags={"kubernetes.context": "a"}, environ={})) == ()


def test_contexts_on_the_command_line_are_targets_sharing_the_rest() -> None:
    flags = {"kubernetes.context": "eu-west, us-east", "prometheus.url": "http://thanos:9090",
             "postgres.dsn": "host=db"}  # fmt: skip
    targets = dict(target_configs(load_config(flags=flags, environ={}), all_contexts=False))
    assert list(targets) == ["eu-west", "us-east"]
    eu = targets["eu-west"]
    assert eu.kubernetes.context == "eu-west" and eu.postgres.dsn == "host=db"
    # one store for both: each reads its own cluster's series
    assert (eu.prometheus.url, eu.prometheus.cluster) == ("http://thanos:9090", "eu-west")
    assert targets["us-east"].prometheus.cluster == "us-east"


def test_targets_from_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[prometheus]\nurl = "http://thanos:9090"\ncluster_label = "region"\n'
        '[[targets]]\nname = "eu-west"\ncontext = "arn:eks:eu"\ncluster = "eu-1"\n'
        'pg_dsn = "host=eu-db"\nnamespaces = ["oc"]\n'
        '[[targets]]\nname = "ap-se"\nprometheus = "http://ap-prom:9090"\n'
        '[[targets]]\nname = "legacy-vm"\ndocker = "tcp://vm:2376"\n'
    )
    targets = dict(target_configs(load_config(path, environ={})))
    eu, ap, vm = targets["eu-west"], targets["ap-se"], targets["legacy-vm"]
    assert (eu.kubernetes.context, eu.kubernetes.namespaces, eu.postgres.dsn) == (
        "arn:eks:eu", ("oc",), "host=eu-db")  # fmt: skip
    assert (eu.prometheus.cluster_label, eu.prometheus.cluster) == ("region", "eu-1")
    # its own Prometheus: every series there is its own
    assert (ap.prometheus.url, ap.prometheus.cluster) == ("http://ap-prom:9090", None)
    assert ap.kubernetes.context == "ap-se" and ap.postgres.dsn is None
    assert vm.docker.host == "tcp://vm:2376" and vm.docker_configured
    assert vm.prometheus.cluster == "legacy-vm"  # shares the store with eu-west
    assert all(c.targets == () for c in targets.values())


def test_a_target_replays_through_its_own_openclaw_api(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[openclaw]\napi = "https://openclaw.us.internal"\ntoken_file = "/run/us-token"\n'
        '[[targets]]\nname = "us-east"\n'
        '[[targets]]\nname = "ap-se"\nopenclaw_api = "https://openclaw.ap.internal"\n'
        '[[targets]]\nname = "eu-west"\nopenclaw_api = "https://openclaw.eu.internal"\n'
        'openclaw_token_file = "/run/eu-token"\n'
    )
    targets = dict(target_configs(load_config(path, environ={})))
    apis = {n: (c.openclaw.api, c.openclaw.token_file) for n, c in targets.items()}
    assert apis == {
        "us-east": ("https://openclaw.us.internal", "/run/us-token"),  # the shared one
        "ap-se": ("https://openclaw.ap.internal", "/run/us-token"),
        "eu-west": ("https://openclaw.eu.internal", "/run/eu-token"),
    }


def test_targets_named_twice_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[[targets]]\nname = "a"\n[[targets]]\nname = "a"\n')
    with pytest.raises(UserError, match="two targets are named 'a'"):
        target_configs(load_config(path, environ={}))
    with pytest.raises(UserError, match="named twice"):
        target_configs(load_config(path, {"kubernetes.context": "x,y"}, environ={}))


def test_all_contexts_without_a_kubeconfig_is_one_line(tmp_path: Path) -> None:
    config = load_config(flags={}, environ={"HOME": str(tmp_path)})
    with pytest.raises(UserError, match=r"^--all-contexts: no kubeconfig"):
        target_configs(config, all_contexts=True)


def snapshot(findings: tuple[Finding, ...], down: tuple[str, ...] = ()) -> ConsoleSnapshot:
    sources = tuple(
        SourceHealth(n, True, n not in down, "refused" if n in down else None, None)
        for n in ("postgres", "kubernetes")
    )
    return ConsoleSnapshot(NOW, "ctx", ("openclaw",), False, sources, None, findings)


def finding(severity: Severity) -> Finding:
    return Finding("adapter-oomkilled", severity, "openclaw/a", "it died.")


def test_a_cell_per_target_and_the_worst_status() -> None:
    eu = TargetSnapshot("eu-west", snapshot((finding(Severity.CRITICAL),) * 3))
    us = TargetSnapshot("us-east", snapshot(()))
    ap = TargetSnapshot("ap-se", snapshot((), down=("kubernetes",)))
    vm = TargetSnapshot("vm", snapshot((finding(Severity.WARNING),), down=("postgres",)))
    assert fleet_line((eu, us, ap, vm)) == (
        "eu-west CRIT 3 · us-east ok · ap-se k8s down · vm WARN 1 pg down"
    )
    assert [t.status for t in (eu, us, ap, vm)] == [2, 0, 3, 3]
    # a critical finding wins over a target that cannot be read, which wins over a warning
    assert worst_status([0, 1, 3]) == 3 and worst_status([3, 2, 1]) == 2
    assert worst_status([0, 1]) == 1 and worst_status([]) == 0


def test_a_target_not_read_yet_is_reading_not_down() -> None:
    """A fleet's other targets wait for the shown one's first frame: until their first reads
    answer, they are on their way, not down; a read that failed or gave up is down."""
    waiting = (SourceHealth("postgres", True, False, None, None),
               SourceHealth("kubernetes", True, False, None, None))  # fmt: skip
    snap = ConsoleSnapshot(NOW, "ctx", ("openclaw",), False, waiting, None, ())
    eu = TargetSnapshot("eu-west", snap)
    assert eu.reading and eu.down == () and eu.cell() == "eu-west reading…" and eu.status == 0
    half = (waiting[0], SourceHealth("kubernetes", True, True, None, NOW))
    us = TargetSnapshot(
        "us-east", ConsoleSnapshot(NOW, "ctx", ("openclaw",), False, half, None, ())
    )
    assert not us.reading and us.cell() == "us-east ok"
    ap = TargetSnapshot("ap-se", snapshot((), down=("kubernetes",)))
    assert not ap.reading and ap.cell() == "ap-se k8s down" and ap.status == 3


async def test_the_screens_open_on_the_first_target_of_the_fleet() -> None:
    from oc_console.cli.fleet_open import open_console

    one, none = open_console(load_config(flags={"kubernetes.context": "a"}, environ={}))
    assert none is None and one.config.kubernetes.context == "a"
    first, fleet = open_console(load_config(flags={"kubernetes.context": "a,b"}, environ={}))
    assert fleet is not None and fleet.names == ("a", "b") and first is fleet.members["a"]
    assert fleet.members["b"].config.kubernetes.context == "b"
    await fleet.close()
    await one.close()
