"""The watch cache's rows joined into one FleetSnapshot: adapters with their autoscaler and
revisions, pods, events, Certificates with their Secrets, config objects, ExternalSecrets and
releases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from oc_console.domain.external_secrets import EXTERNAL_SECRET_KIND
from oc_console.domain.kube import (
    AdapterHealth,
    EventRow,
    FleetSnapshot,
    HpaStatus,
    PodRow,
    Revision,
)
from oc_console.domain.releases import ARGO_KIND
from oc_console.sources.kube import certs
from oc_console.sources.kube.discovery import ApiDiscovery
from oc_console.sources.kube.kinds import config_objects, helm_rows
from oc_console.sources.kube.tls_secrets import CERTIFICATES, TlsReader, secret_facts
from oc_console.sources.kube.watch import WatchCache

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _newest(revision: Revision) -> int:
    return -revision.revision


def adapters_of(cache: WatchCache) -> list[AdapterHealth]:
    """The adapters with their autoscaler and ReplicaSet revisions, in display order."""
    hpas: dict[tuple[str, str], HpaStatus] = {
        (ns, target): status for ns, target, status in cache.rows("horizontalpodautoscalers")
    }
    history: dict[tuple[str, str], list[Revision]] = {}
    for ns, owner, revision in cache.rows("replicasets"):
        history.setdefault((ns, owner), []).append(revision)
    adapters: list[AdapterHealth] = [
        replace(
            a,
            hpa=hpas.get((a.namespace, a.name)),
            revisions=tuple(sorted(history.get((a.namespace, a.name), ()), key=_newest)),
        )
        for a in cache.rows("deployments")
    ]
    adapters.sort(key=lambda a: (a.namespace, a.platform, a.name))
    return adapters


def assemble(
    cache: WatchCache,
    context: str,
    namespaces: tuple[str, ...],
    discovery: ApiDiscovery | None = None,
    tls: TlsReader | None = None,
) -> FleetSnapshot:
    """Join the cache's rows into one snapshot: adapters with their HPA and revisions, and
    Certificates with their Secrets (the uncovered ones read by `tls`)."""
    generation = cache.generation
    pods: list[PodRow] = cache.rows("pods")
    pods.sort(key=lambda p: (p.namespace, p.name))
    events: list[EventRow] = cache.rows("events")
    events.sort(key=lambda e: e.last_seen or _EPOCH, reverse=True)
    certificates = cache.rows(CERTIFICATES)
    secrets = secret_facts(cache, certificates, tls)
    helm = helm_rows(cache)
    helm.sort(key=lambda r: (r.namespace, r.release, -r.revision))
    return FleetSnapshot(
        context=context,
        namespaces=namespaces,
        adapters=tuple(adapters_of(cache)),
        pods=tuple(pods),
        events=tuple(events),
        certificates=certs.join_certificates(certificates, secrets),
        watches=cache.statuses(),
        generation=generation,
        taken_at=datetime.now(UTC),
        helm=tuple(helm),
        config_objects=tuple(config_objects(cache)),
        argo_apps=tuple(sorted(cache.rows(ARGO_KIND), key=lambda a: (a.namespace, a.name))),
        external_secrets=tuple(
            sorted(cache.rows(EXTERNAL_SECRET_KIND), key=lambda e: (e.namespace, e.name))
        ),
        api_groups=discovery.groups if discovery else None,
        api_groups_error=discovery.error if discovery else None,
    )
