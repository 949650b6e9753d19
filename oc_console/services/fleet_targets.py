"""Which targets the console watches at once, each as a whole Config of its own.

Several targets come from `[[targets]]` in the config file, from `--context a,b,c`, or from
`--all-contexts` (every context of the kubeconfig). What a target does not set it shares with
the top-level sections (the namespaces, thresholds, a PostgreSQL DSN, a trace backend, an
Alertmanager); a Prometheus-API store shared by several targets is read for each target's own
series, by its cluster label. One target, the usual case, is no fleet: the caller keeps its
single console."""

from __future__ import annotations

from oc_console.config import Config, TargetConfig
from oc_console.errors import SourceError, UserError


def _contexts(config: Config, all_contexts: bool) -> list[str]:
    listed = [c.strip() for c in (config.kubernetes.context or "").split(",") if c.strip()]
    if not all_contexts:
        return listed if len(listed) > 1 else []
    if listed:
        raise UserError("--all-contexts and --context name the targets twice: give one")
    from oc_console.sources.kube.client import context_names

    try:
        names = context_names(config.kubernetes, config.environ)
    except SourceError as exc:
        raise UserError(f"--all-contexts: {exc}") from None
    if not names:
        raise UserError("--all-contexts: the kubeconfig has no context")
    return names


def fleet_targets(config: Config, *, all_contexts: bool = False) -> tuple[TargetConfig, ...]:
    """The targets, when there are several (or `[[targets]]` names any); () for one."""
    contexts = _contexts(config, all_contexts)
    if contexts and config.targets:
        raise UserError("targets are named twice: by [[targets]] in the config and by --context")
    targets = config.targets or tuple(TargetConfig(name=c, context=c) for c in contexts)
    seen: set[str] = set()
    for t in targets:
        if t.name in seen:
            raise UserError(f"two targets are named {t.name!r}: a target's name is its key")
        seen.add(t.name)
    return targets


def target_config(config: Config, target: TargetConfig, *, shared_store: bool) -> Config:
    """One target's whole configuration. `shared_store`: the top-level Prometheus serves
    several targets, so this one reads only the series labelled with its cluster."""
    kube = config.kubernetes.model_copy(
        update={
            # a target with neither names the context it is called by
            "context": target.context or (None if target.docker else target.name),
            "kubeconfig": target.kubeconfig or config.kubernetes.kubeconfig,
            "namespaces": target.namespaces or config.kubernetes.namespaces,
            "name": target.name,
            "production": target.production,
        }
    )
    prometheus = config.prometheus
    if target.prometheus:
        prometheus = prometheus.model_copy(
            update={"url": target.prometheus, "cluster": target.cluster}
        )
    elif prometheus.url and (shared_store or target.cluster):
        prometheus = prometheus.model_copy(update={"cluster": target.cluster or target.name})
    update: dict[str, object] = {
        "kubernetes": kube,
        "prometheus": prometheus,
        "docker": config.docker.model_copy(update={"host": target.docker}),
        "targets": (),
    }
    if target.pg_dsn:
        update["postgres"] = config.postgres.model_copy(update={"dsn": target.pg_dsn})
    if target.traces:
        update["traces"] = config.traces.model_copy(update={"url": target.traces})
    if target.openclaw_api:
        token = target.openclaw_token_file or config.openclaw.token_file
        update["openclaw"] = config.openclaw.model_copy(
            update={"api": target.openclaw_api, "token_file": token}
        )
    if target.alertmanager:
        update["alertmanager"] = config.alertmanager.model_copy(update={"url": target.alertmanager})
    return config.model_copy(update=update)


def target_configs(config: Config, *, all_contexts: bool = False) -> tuple[tuple[str, Config], ...]:
    """(name, config) of every target when there are several; () when there is one."""
    targets = fleet_targets(config, all_contexts=all_contexts)
    shared = sum(1 for t in targets if not t.prometheus) > 1
    return tuple((t.name, target_config(config, t, shared_store=shared)) for t in targets)
