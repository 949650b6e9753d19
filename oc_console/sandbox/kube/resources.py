"""The resource types the stand-in serves, described once for discovery, routing and RBAC."""

from __future__ import annotations

from dataclasses import dataclass

READ_WRITE = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
STATUS_VERBS = ("get", "patch", "update")


@dataclass(frozen=True)
class Subresource:
    name: str
    kind: str
    verbs: tuple[str, ...]
    # Only set when the subresource answers with another group's kind (deployments/scale).
    group: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = READ_WRITE
    categories: tuple[str, ...] = ()
    subresources: tuple[Subresource, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        return f"{self.group}/{self.plural}"

    @property
    def qualified(self) -> str:
        """The name the API server uses in messages: `deployments.apps`, `pods`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def subresource(self, name: str) -> Subresource | None:
        return next((s for s in self.subresources if s.name == name), None)


def _status(kind: str) -> Subresource:
    return Subresource("status", kind, STATUS_VERBS)


def _scale() -> Subresource:
    return Subresource("scale", "Scale", STATUS_VERBS, group="autoscaling", version="v1")


RESOURCES: tuple[Resource, ...] = (
    Resource(
        "",
        "v1",
        "namespaces",
        "namespace",
        "Namespace",
        namespaced=False,
        short_names=("ns",),
        verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
        subresources=(_status("Namespace"),),
    ),
    Resource(
        "",
        "v1",
        "pods",
        "pod",
        "Pod",
        short_names=("po",),
        categories=("all",),
        subresources=(
            Subresource("log", "Pod", ("get",)),
            _status("Pod"),
        ),
    ),
    Resource("", "v1", "events", "event", "Event", short_names=("ev",)),
    # the same Events seen through the newer API (events_v1.py), as kube-apiserver serves them
    Resource(
        "events.k8s.io", "v1", "events", "event", "Event", verbs=("create", "get", "list", "watch")
    ),
    Resource("", "v1", "secrets", "secret", "Secret"),
    Resource("", "v1", "configmaps", "configmap", "ConfigMap", short_names=("cm",)),
    Resource(
        "apps",
        "v1",
        "deployments",
        "deployment",
        "Deployment",
        short_names=("deploy",),
        categories=("all",),
        subresources=(_scale(), _status("Deployment")),
    ),
    Resource(
        "apps",
        "v1",
        "replicasets",
        "replicaset",
        "ReplicaSet",
        short_names=("rs",),
        categories=("all",),
        subresources=(_scale(), _status("ReplicaSet")),
    ),
    Resource(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        "HorizontalPodAutoscaler",
        short_names=("hpa",),
        categories=("all",),
        subresources=(_status("HorizontalPodAutoscaler"),),
    ),
    Resource("coordination.k8s.io", "v1", "leases", "lease", "Lease"),
    Resource(
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews",
        "selfsubjectaccessreview",
        "SelfSubjectAccessReview",
        namespaced=False,
        verbs=("create",),
    ),
    Resource(
        "authentication.k8s.io",
        "v1",
        "selfsubjectreviews",
        "selfsubjectreview",
        "SelfSubjectReview",
        namespaced=False,
        verbs=("create",),
    ),
    Resource(
        "cert-manager.io",
        "v1",
        "certificates",
        "certificate",
        "Certificate",
        short_names=("cert", "certs"),
        categories=("cert-manager",),
        subresources=(_status("Certificate"),),
    ),
    Resource(
        "argoproj.io",
        "v1alpha1",
        "applications",
        "application",
        "Application",
        short_names=("app", "apps"),
        categories=("argo",),
    ),
    Resource(
        "external-secrets.io",
        "v1",
        "externalsecrets",
        "externalsecret",
        "ExternalSecret",
        short_names=("es",),
        categories=("external-secrets",),
        subresources=(_status("ExternalSecret"),),
    ),
    # An OpenClaw CRD still served at its first, deprecated version.
    Resource(
        "connectors.openclaw.io",
        "v1alpha1",
        "platformconnectors",
        "platformconnector",
        "PlatformConnector",
    ),
    Resource(
        "cert-manager.io",
        "v1",
        "clusterissuers",
        "clusterissuer",
        "ClusterIssuer",
        namespaced=False,
        categories=("cert-manager",),
        subresources=(_status("ClusterIssuer"),),
    ),
)

BY_KEY = {r.key: r for r in RESOURCES}
GROUP_VERSIONS: tuple[tuple[str, str], ...] = tuple(
    dict.fromkeys((r.group, r.version) for r in RESOURCES)
)

POD = BY_KEY["/pods"]
EVENT = BY_KEY["/events"]
SECRET = BY_KEY["/secrets"]
CONFIGMAP = BY_KEY["/configmaps"]
NAMESPACE = BY_KEY["/namespaces"]
DEPLOYMENT = BY_KEY["apps/deployments"]
REPLICASET = BY_KEY["apps/replicasets"]
HPA = BY_KEY["autoscaling/horizontalpodautoscalers"]
LEASE = BY_KEY["coordination.k8s.io/leases"]
CERTIFICATE = BY_KEY["cert-manager.io/certificates"]
CLUSTER_ISSUER = BY_KEY["cert-manager.io/clusterissuers"]
APPLICATION = BY_KEY["argoproj.io/applications"]
EXTERNAL_SECRET = BY_KEY["external-secrets.io/externalsecrets"]


def find(group: str, version: str, plural: str) -> Resource | None:
    res = BY_KEY.get(f"{group}/{plural}")
    return res if res is not None and res.version == version else None
