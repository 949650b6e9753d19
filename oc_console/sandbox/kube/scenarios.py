"""Scenario names and the identifiers the scenarios plant, shared with the rest of the sandbox."""

from __future__ import annotations

# Every scenario of the sandbox; `pool` lives in PostgreSQL and has no Kubernetes part.
KUBE_SCENARIOS: tuple[str, ...] = ("oom", "crashloop", "cert", "order", "webhook", "pool")
# Asked for by name only, never by `all`: hostile text in log lines and Event messages.
OPT_IN: tuple[str, ...] = ("hostile",)
HOSTILE_PLATFORM = "walmart"  # whose pod gets the hostile Event

NAMESPACE = "openclaw"
PLATFORMS: tuple[str, ...] = (
    "amazon",
    "shopee",
    "tiktok",
    "lazada",
    "coupang",
    "walmart",
    "shopify",
)

# The order a seller reports as never synced (scenario `order`).
ORDER_ID = "114-3941689-8772232"
ORDER_PLATFORM = "amazon"
ORDER_SHOP_ID = "shop-us-20417"
ORDER_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
ORDER_EVENT_ID = "amz_evt_88213405"

# The IP of the leaky adapter's first pod (scenario `pool`): a loopback address, so the
# sandbox's sessions without an application_name can really come from it.
POOL_POD_IP = "127.0.0.2"

# The image of the release that crash-loops (scenario `crashloop`): pinned by tag only.
CRASHLOOP_IMAGE = "registry.openclaw.io/adapter-shopee:2.15.0"


def resolve(scenarios: frozenset[str]) -> frozenset[str]:
    """Expand `all` and drop `none`; unknown names are an error the caller reports."""
    unknown = scenarios - set(KUBE_SCENARIOS) - set(OPT_IN) - {"all", "none"}
    if unknown:
        raise ValueError(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if "all" in scenarios:
        return frozenset(KUBE_SCENARIOS) | (scenarios & set(OPT_IN))
    return frozenset(scenarios - {"none"})
