"""What every table printer shares: the column type, the common columns, ages as kubectl
shows them, and the fields several kinds print the same way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .timefmt import parse_rfc3339

Obj = dict[str, Any]
Cell = str | int | None


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"
    priority: int = 0
    format: str = ""
    description: str = ""

    def definition(self) -> Obj:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


NAME = Column("Name", format="name", description="Name must be unique within a namespace.")
AGE = Column(
    "Age",
    description="CreationTimestamp is a timestamp representing the server time when this "
    "object was created.",
)
CONTAINERS = Column(
    "Containers", priority=1, description="Names of each container in the template."
)
IMAGES = Column(
    "Images", priority=1, description="Images referenced by each container in the template."
)
SELECTOR = Column(
    "Selector", priority=1, description="Label query over pods that should match the replicas."
)


def human_duration(seconds: float) -> str:
    """apimachinery's duration.HumanDuration: what every AGE column shows."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m" if s % 60 == 0 else f"{minutes}m{s % 60}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h" if minutes % 60 == 0 else f"{hours}h{minutes % 60}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d" if hours % 24 == 0 else f"{hours // 24}d{hours % 24}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if days == 0 else f"{hours // 24 // 365}y{days}d"
    return f"{hours // 24 // 365}y"


def since(timestamp: str | None, now: float) -> str:
    """translateTimestampSince: `<unknown>` for a missing time."""
    if not timestamp:
        return "<unknown>"
    return human_duration(now - parse_rfc3339(timestamp))


def age(obj: Obj, now: float) -> str:
    return since(obj["metadata"].get("creationTimestamp"), now)


def containers(template: Obj) -> tuple[str, str]:
    containers = template.get("spec", {}).get("containers", [])
    return ",".join(c["name"] for c in containers), ",".join(c.get("image", "") for c in containers)


def selector(spec: Obj) -> str:
    """metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key."""
    selector = spec.get("selector") or {}
    parts = [(k, f"{k}={v}") for k, v in (selector.get("matchLabels") or {}).items()]
    for expr in selector.get("matchExpressions") or []:
        key, op = expr["key"], expr["operator"]
        values = ",".join(sorted(expr.get("values") or []))
        text = {"Exists": key, "DoesNotExist": f"!{key}"}.get(op, f"{key} {op.lower()} ({values})")
        parts.append((key, text))
    return ",".join(text for _, text in sorted(parts))


def condition(obj: Obj, kind: str) -> Obj:
    conds = (obj.get("status") or {}).get("conditions") or []
    return next((c for c in conds if c.get("type") == kind), {})
