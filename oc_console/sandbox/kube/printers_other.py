"""Table printers of the sandbox's other kinds: Secrets, Namespaces, Leases,
HorizontalPodAutoscalers (kube-apiserver's printers), cert-manager's kinds (their CRDs'
additionalPrinterColumns) and the server's default convertor for any kind without a printer."""

from __future__ import annotations

from collections.abc import Callable

from .table_columns import AGE, NAME, Cell, Column, Obj, age, condition

# --- Secrets, Namespaces, Leases, HorizontalPodAutoscalers ---

SECRET_COLUMNS = (
    NAME,
    Column("Type", description="Used to facilitate programmatic handling of secret data."),
    Column("Data", "integer", description="Number of data items."),
    AGE,
)


def _secret_cells(s: Obj, now: float) -> list[Cell]:
    return [s["metadata"]["name"], s.get("type", ""), len(s.get("data") or {}), age(s, now)]


NAMESPACE_COLUMNS = (
    NAME,
    Column("Status", description="The status of the namespace"),
    AGE,
)


def _namespace_cells(ns: Obj, now: float) -> list[Cell]:
    return [ns["metadata"]["name"], (ns.get("status") or {}).get("phase", ""), age(ns, now)]


LEASE_COLUMNS = (NAME, Column("Holder", description="The holder of the lease."), AGE)


def _lease_cells(lease: Obj, now: float) -> list[Cell]:
    holder = (lease.get("spec") or {}).get("holderIdentity") or ""
    return [lease["metadata"]["name"], holder, age(lease, now)]


HPA_COLUMNS = (
    NAME,
    Column("Reference", description="Reference to the scaled target."),
    Column("Targets", description="The current and target values of the metrics."),
    Column("MinPods", description="The lower limit for the number of replicas."),
    Column("MaxPods", "integer", description="The upper limit for the number of replicas."),
    Column("Replicas", "integer", description="Current number of replicas."),
    AGE,
)


def _hpa_targets(spec: Obj, status: Obj) -> str:
    specs, current = spec.get("metrics") or [], status.get("currentMetrics") or []
    if not specs:
        return "<none>"
    shown = []
    for i, metric in enumerate(specs):
        if metric.get("type") != "Resource":
            shown.append("<unknown>")
            continue
        res, target = metric["resource"], metric["resource"].get("target") or {}
        now = (current[i].get("resource") or {}).get("current", {}) if i < len(current) else {}
        if "averageValue" in target:
            shown.append(f"{now.get('averageValue', '<unknown>')}/{target['averageValue']}")
            continue
        value = now.get("averageUtilization")
        used = f"{value}%" if value is not None else "<unknown>"
        goal = f"{target['averageUtilization']}%" if "averageUtilization" in target else "<auto>"
        shown.append(f"{res['name']}: {used}/{goal}")
    if len(shown) > 2:
        return f"{', '.join(shown[:2])} + {len(shown) - 2} more..."
    return ", ".join(shown)


def _hpa_cells(hpa: Obj, now: float) -> list[Cell]:
    spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    min_pods = spec.get("minReplicas")
    return [
        hpa["metadata"]["name"],
        f"{ref.get('kind', '')}/{ref.get('name', '')}",
        _hpa_targets(spec, status),
        str(min_pods) if min_pods is not None else "<unset>",
        int(spec.get("maxReplicas", 0)),
        int(status.get("currentReplicas", 0)),
        age(hpa, now),
    ]


# --- cert-manager (its CRDs' additionalPrinterColumns) ---

CERT_AGE = Column("Age", "date", description=AGE.description)
CERTIFICATE_COLUMNS = (
    NAME,
    Column("Ready", description=""),
    Column("Secret", description=""),
    Column("Issuer", priority=1, description=""),
    Column("Status", priority=1, description=""),
    CERT_AGE,
)
CLUSTER_ISSUER_COLUMNS = (
    NAME,
    Column("Ready", description=""),
    Column("Status", priority=1, description=""),
    CERT_AGE,
)


def _ready(obj: Obj, field: str) -> Cell:
    # A JSONPath that finds nothing leaves the cell empty (null), as the CRD convertor does.
    value = condition(obj, "Ready").get(field)
    return None if value is None else str(value)


def _certificate_cells(cert: Obj, now: float) -> list[Cell]:
    spec = cert.get("spec") or {}
    return [
        cert["metadata"]["name"],
        _ready(cert, "status"),
        spec.get("secretName"),
        (spec.get("issuerRef") or {}).get("name"),
        _ready(cert, "message"),
        age(cert, now),
    ]


def _cluster_issuer_cells(issuer: Obj, now: float) -> list[Cell]:
    return [
        issuer["metadata"]["name"],
        _ready(issuer, "status"),
        _ready(issuer, "message"),
        age(issuer, now),
    ]


# --- any other kind: the server's default table convertor ---

DEFAULT_COLUMNS = (
    NAME,
    Column("Created At", "date", description=AGE.description),
)


def _default_cells(obj: Obj, now: float) -> list[Cell]:
    return [obj["metadata"]["name"], obj["metadata"].get("creationTimestamp")]


Printer = tuple[tuple[Column, ...], Callable[[Obj, float], list[Cell]]]

PRINTERS: dict[str, Printer] = {
    "Secret": (SECRET_COLUMNS, _secret_cells),
    "Namespace": (NAMESPACE_COLUMNS, _namespace_cells),
    "Lease": (LEASE_COLUMNS, _lease_cells),
    "HorizontalPodAutoscaler": (HPA_COLUMNS, _hpa_cells),
    "Certificate": (CERTIFICATE_COLUMNS, _certificate_cells),
    "ClusterIssuer": (CLUSTER_ISSUER_COLUMNS, _cluster_issuer_cells),
}
DEFAULT: Printer = (DEFAULT_COLUMNS, _default_cells)
