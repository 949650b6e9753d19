"""The Kubernetes source: a watch cache of the adapter fleet, read as a FleetSnapshot.

The first `fetch` connects and starts the streams; later ones only assemble the cache's
current rows (and reuse the last assembly when nothing changed), so a refresh is cheap no
matter how often the UI asks.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from oc_console.config import KubernetesConfig
from oc_console.domain.kube import (
    AdapterHealth,
    EventRow,
    FleetSnapshot,
    HpaStatus,
    LogLine,
    PodRow,
    Revision,
)
from oc_console.domain.releases import ARGO_KIND, HELM_KIND, HelmRevision
from oc_console.errors import SourceError
from oc_console.sources.kube import argo, certs, parse
from oc_console.sources.kube.client import KubeClient, connect
from oc_console.sources.kube.discovery import ApiDiscovery
from oc_console.sources.kube.helm import HelmDecoder
from oc_console.sources.kube.logs import LogFollower, LogSampler, read_tail
from oc_console.sources.kube.tls_secrets import (
    CERTIFICATES,
    TLS_SECRETS,
    TLS_TYPE,
    TlsReader,
    secret_facts,
    secret_ref,
)
from oc_console.sources.kube.watch import KindSpec, WatchCache
from oc_console.sources.kube.workload import owner_refs, workload_spec

EVENT_KEEP = 1_000  # per namespace, newest first
CONFIGMAPS, OPAQUE_SECRETS = "configmaps", "secrets (Opaque)"  # stream names, as messages say
# Normal events worth keeping next to every Warning: a container killed (probe failure or
# rollout) and the node-problem-detector's kernel OOM report.
EVENT_REASONS = frozenset({"Killing", "OOMKilling"})
NODE_EVENTS_NAMESPACE = "default"  # where node-problem-detector reports on Nodes


def _keep_event(obj: dict[str, Any]) -> EventRow | None:
    if obj.get("type") == "Warning" or obj.get("reason") in EVENT_REASONS:
        return parse.parse_event(obj)
    return None


def _deployment(obj: dict[str, Any], matcher: parse.AdapterMatcher) -> AdapterHealth | None:
    """An adapter with its owner annotations and template facts, for the release drift."""
    adapter = parse.parse_deployment(obj, matcher)
    if adapter is None:
        return None
    return replace(adapter, owner=owner_refs(obj.get("metadata") or {}), spec=workload_spec(obj))


def _replicaset(obj: dict[str, Any]) -> object | None:
    row = parse.parse_replicaset(obj)
    if row is None:
        return None
    namespace, owner, revision = row
    return namespace, owner, replace(revision, spec=workload_spec(obj))


def kind_specs(cfg: KubernetesConfig) -> list[KindSpec]:
    matcher = parse.AdapterMatcher(cfg.adapter_label, cfg.adapter_pattern)
    core = "/api/v1/namespaces/{namespace}"
    apps = "/apis/apps/v1/namespaces/{namespace}"
    specs = [
        KindSpec("pods", f"{core}/pods", lambda o: parse.parse_pod(o, matcher)),
        KindSpec(
            "deployments",
            f"{apps}/deployments",
            lambda o: _deployment(o, matcher),
            label_selector=cfg.adapter_label,  # has the label; the regex picks adapters
        ),
        KindSpec(
            "replicasets",
            f"{apps}/replicasets",
            _replicaset,
            required=False,
            label_selector=cfg.adapter_label,
        ),
        KindSpec(
            "horizontalpodautoscalers",
            "/apis/autoscaling/v2/namespaces/{namespace}/horizontalpodautoscalers",
            parse.parse_hpa,
            required=False,
            absent_on=(404,),
        ),
        KindSpec("events", f"{core}/events", _keep_event, required=False, max_items=EVENT_KEEP),
        KindSpec(
            CERTIFICATES,
            "/apis/cert-manager.io/v1/namespaces/{namespace}/certificates",
            certs.parse_certificate,
            required=False,
            absent_on=(404,),
        ),
        # Names only; the few no Certificate covers are read one by one (tls_secrets.py).
        KindSpec(
            TLS_SECRETS,
            f"{core}/secrets",
            secret_ref,
            required=False,
            field_selector=f"type={TLS_TYPE}",
            metadata_only=True,
        ),
        # for the Changes screen: names and change times only; the data never crosses
        KindSpec(
            CONFIGMAPS,
            f"{core}/configmaps",
            lambda o: parse.parse_config_object(o, "ConfigMap"),
            required=False,
            metadata_only=True,
        ),
        KindSpec(
            OPAQUE_SECRETS,
            f"{core}/secrets",
            lambda o: parse.parse_config_object(o, "Secret"),
            required=False,
            field_selector="type=Opaque",
            metadata_only=True,
        ),
    ]
    specs += [
        # One list of Secrets by label, decoded once per resourceVersion (helm.py).
        KindSpec(
            HELM_KIND,
            f"{core}/secrets",
            HelmDecoder(),
            required=False,
            label_selector="owner=helm",
        ),
        KindSpec(
            ARGO_KIND,
            "/apis/argoproj.io/v1alpha1/namespaces/{namespace}/applications",
            argo.parse_application,
            required=False,
            absent_on=(404,),  # the CRD is not served: Argo CD is not installed
            namespaces=tuple(dict.fromkeys((argo.ARGOCD_NAMESPACE, *cfg.namespaces))),
        ),
    ]
    if NODE_EVENTS_NAMESPACE not in cfg.namespaces:
        specs.append(
            KindSpec(
                "events",
                f"{core}/events",
                parse.parse_event,
                required=False,
                absent_on=(403, 404),  # reading node events is a bonus, not a requirement
                field_selector="reason=OOMKilling",
                namespaces=(NODE_EVENTS_NAMESPACE,),
            )
        )
    return specs


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
    pods: list[PodRow] = cache.rows("pods")
    pods.sort(key=lambda p: (p.namespace, p.name))
    events: list[EventRow] = cache.rows("events")
    events.sort(key=lambda e: e.last_seen or _EPOCH, reverse=True)
    certificates = cache.rows(CERTIFICATES)
    secrets = secret_facts(cache, certificates, tls)
    config_objects = [*cache.rows(CONFIGMAPS), *cache.rows(OPAQUE_SECRETS)]
    helm: list[HelmRevision] = cache.rows(HELM_KIND)
    helm.sort(key=lambda r: (r.namespace, r.release, -r.revision))
    return FleetSnapshot(
        context=context,
        namespaces=namespaces,
        adapters=tuple(adapters),
        pods=tuple(pods),
        events=tuple(events),
        certificates=certs.join_certificates(certificates, secrets),
        watches=cache.statuses(),
        generation=generation,
        taken_at=datetime.now(UTC),
        helm=tuple(helm),
        config_objects=tuple(config_objects),
        argo_apps=tuple(sorted(cache.rows(ARGO_KIND), key=lambda a: (a.namespace, a.name))),
        api_groups=discovery.groups if discovery else None,
        api_groups_error=discovery.error if discovery else None,
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _newest(revision: Revision) -> int:
    return -revision.revision


class KubeSource:
    """The `Source` for Kubernetes: `fetch` returns the watch cache's current FleetSnapshot."""

    name = "kubernetes"

    def __init__(
        self,
        config: KubernetesConfig,
        *,
        log_interval: float = 30.0,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self._environ = environ
        self._log_interval = log_interval
        self._client: KubeClient | None = None
        self._cache: WatchCache | None = None
        self._sampler: LogSampler | None = None
        self._discovery: ApiDiscovery | None = None
        self._tls: TlsReader | None = None
        self._last: FleetSnapshot | None = None
        self._sampled = 0  # log sampler rounds in the last snapshot
        self._start_lock = threading.Lock()

    # --- Source protocol ----------------------------------------------------------------
    async def fetch(self) -> FleetSnapshot:
        if self._cache is None:
            await asyncio.to_thread(self._start)
        cache = self._cache
        assert cache is not None
        failed = cache.failures(required=True)
        if failed:
            raise SourceError(failed[0].error or "unknown error")
        pending = [s for s in cache.streams if s.spec.required and not s.synced]
        if pending:  # a slow server or a huge first list: say which, keep listing meanwhile
            server = self._client.server if self._client else "the API server"
            first = pending[0]
            raise SourceError(
                f"still listing {first.spec.kind} in namespace {first.namespace} from {server}"
            )
        last = self._last
        if last is None or last.generation != cache.generation:
            self._last = last = await asyncio.to_thread(self.snapshot)
        return last

    async def close(self) -> None:
        await asyncio.to_thread(self.stop)

    # --- beyond the protocol -----------------------------------------------------------
    @property
    def complete(self) -> bool:
        """The last snapshot holds a first log sample too (webhook signature mismatches and
        crash logs come from it), not only the lists."""
        return self._last is not None and self._sampled > 0

    @property
    def insecure(self) -> str | None:
        return self._client.insecure if self._client is not None else None

    def snapshot(self) -> FleetSnapshot:
        """The cache's view now (blocking work: call from a thread)."""
        cache, client = self._cache, self._client
        if cache is None or client is None:
            raise SourceError("the Kubernetes source is not started")
        snap = assemble(cache, client.context, self.config.namespaces, self._discovery, self._tls)
        if self._sampler is not None:
            tails, self._sampled = self._sampler.tails()
            snap = replace(snap, logs=tails)
        return snap

    async def wait_for_change(self, after: int, timeout: float) -> int:
        """The cache's generation once it passes `after` (or after `timeout`): lets a screen
        redraw within a moment of a change instead of on its next tick."""
        cache = self._cache
        if cache is None:
            return after
        return await asyncio.to_thread(cache.wait_for_change, after, timeout)

    async def log_tail(
        self, namespace: str, pod: str, container: str, *, tail: int = 200, previous: bool = False
    ) -> tuple[LogLine, ...]:
        client = self._require_client()
        lines, error = await asyncio.to_thread(
            read_tail,
            client,
            namespace,
            pod,
            container,
            tail=tail,
            previous=previous,
            timeout=self.config.timeout_seconds,
        )
        if error:
            raise SourceError(error)
        return lines

    def follow_logs(
        self, namespace: str, pod: str, container: str, *, tail: int = 200
    ) -> LogFollower:
        """A started follower; the caller stops it."""
        client = self._require_client()
        return LogFollower(
            client, namespace, pod, container, tail=tail, timeout=self.config.timeout_seconds
        ).start()

    async def order_logs(
        self,
        namespace: str,
        pod: str,
        container: str,
        since: datetime,
        needles: tuple[str, ...],
        *,
        keep: int,
    ) -> tuple[LogLine, ...]:
        """The lines since `since` that name one of the needles (an order or trace id)."""
        from oc_console.sources.kube.order_logs import read_since

        client = self._require_client()
        lines, error = await asyncio.to_thread(
            read_since,
            client,
            namespace,
            pod,
            container,
            since,
            needles,
            keep=keep,
            timeout=self.config.timeout_seconds,
        )
        if error:
            raise SourceError(error)
        return lines

    def _require_client(self) -> KubeClient:
        if self._client is None:
            raise SourceError("the Kubernetes source is not started")
        return self._client

    def _start(self) -> None:
        with self._start_lock:
            if self._cache is not None:
                return
            client = connect(self.config, self._environ)
            cache = WatchCache(
                client,
                kind_specs(self.config),
                self.config.namespaces,
                self.config.timeout_seconds,
            )
            cache.start()
            sampler = LogSampler(
                client,
                lambda: self._last,
                cache.bump,
                interval=self._log_interval,
                timeout=self.config.timeout_seconds,
            )
            sampler.start()
            discovery = ApiDiscovery(client, self.config.timeout_seconds, cache.bump)
            discovery.start()
            self._client, self._cache, self._sampler = client, cache, sampler
            self._discovery = discovery
            self._tls = TlsReader(client, self.config.timeout_seconds)
        deadline = time.monotonic() + self.config.timeout_seconds
        cache.wait_settled(self.config.timeout_seconds)
        discovery.wait_answered(max(0.0, deadline - time.monotonic()))

    def stop(self) -> None:
        """Stop every thread and close the connections (blocking; joins the threads)."""
        with self._start_lock:
            sampler, cache, client = self._sampler, self._cache, self._client
            discovery = self._discovery
            self._sampler = self._cache = self._client = self._discovery = None
            self._last, self._tls = None, None
        if sampler is not None:
            sampler.stop()
        if discovery is not None:
            discovery.stop()
        if cache is not None:
            cache.stop()
        if client is not None:
            client.close()
