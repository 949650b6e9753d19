"""What the Kubernetes source lists and watches: one stream per kind and namespace, each
shared by every consumer of that kind.

Secrets are one Table list (each row's metadata and its printed `type`, never its data) that
three consumers read: the TLS Secrets (certificates), the Opaque ones (the Changes screen, by
name) and the Helm release Secrets, which alone are read in full, one GET per revision not
yet decoded. ConfigMaps are one full list: the credential rule looks at their keys, and their
values are looked at and dropped while the page is decoded (configmaps.py).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from oc_console.config import KubernetesConfig
from oc_console.domain.external_secrets import EXTERNAL_SECRET_KIND
from oc_console.domain.kube import AdapterHealth, ConfigObject, EventRow
from oc_console.domain.releases import ARGO_KIND, HELM_KIND, HelmRevision
from oc_console.sources.kube import argo, certs, parse
from oc_console.sources.kube.configmaps import parse_config_map
from oc_console.sources.kube.external_secrets import PATH as EXTERNAL_SECRETS_PATH
from oc_console.sources.kube.external_secrets import parse_external_secret
from oc_console.sources.kube.helm import RELEASE_SECRET_TYPE, HelmDecoder
from oc_console.sources.kube.spec import KindSpec
from oc_console.sources.kube.tls_secrets import CERTIFICATES, TLS_TYPE, SecretRef, secret_ref
from oc_console.sources.kube.watch import WatchCache
from oc_console.sources.kube.workload import owner_refs, workload_spec

EVENT_KEEP = 1_000  # per namespace, newest first
SECRETS, CONFIGMAPS = "secrets", "configmaps"  # stream names, as messages say
OPAQUE = "Opaque"
# Normal events worth keeping next to every Warning: a container killed (probe failure or
# rollout), the node-problem-detector's kernel OOM report, and what an oc-console did
# (runbook/kube_event.py: the Changes timeline and "acted on by ...").
EVENT_REASONS = frozenset({"Killing", "OOMKilling", "OcConsoleAction"})
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


class SecretRows:
    """The one Secrets stream's parse: a row per Secret by its type, for whichever consumer
    reads that type. Only a Helm release not decoded yet is asked for in full."""

    def __init__(self) -> None:
        self.helm = HelmDecoder()

    def needs_full(self, obj: dict[str, Any]) -> bool:
        return obj.get("type") == RELEASE_SECRET_TYPE and not self.helm.cached(obj)

    def __call__(self, obj: dict[str, Any]) -> object | None:
        kind = obj.get("type")
        if kind == TLS_TYPE:
            return secret_ref(obj)
        if kind == OPAQUE:
            return parse.parse_config_object(obj, "Secret")
        if kind == RELEASE_SECRET_TYPE:
            return self.helm(obj)
        return None


def secrets_spec(path: str) -> KindSpec:
    rows = SecretRows()
    return KindSpec(
        SECRETS,
        path,
        rows,
        required=False,
        table_columns=("Type",),
        full=rows.needs_full,
        feeds=(HELM_KIND,),
    )


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
        secrets_spec(f"{core}/secrets"),
        KindSpec(CONFIGMAPS, f"{core}/configmaps", parse_config_map, required=False),
        KindSpec(
            EXTERNAL_SECRET_KIND,
            EXTERNAL_SECRETS_PATH,
            parse_external_secret,
            required=False,
            absent_on=(404,),  # the CRD is not served: External Secrets is not installed
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


def helm_rows(cache: WatchCache) -> list[HelmRevision]:
    return [r for r in cache.rows(SECRETS) if isinstance(r, HelmRevision)]


def tls_refs(cache: WatchCache) -> list[SecretRef]:
    return [r for r in cache.rows(SECRETS) if isinstance(r, SecretRef)]


def config_objects(cache: WatchCache) -> list[ConfigObject]:
    """ConfigMaps and Opaque Secrets, by name and change time."""
    secrets = [r for r in cache.rows(SECRETS) if isinstance(r, ConfigObject)]
    return [*cache.rows(CONFIGMAPS), *secrets]
