"""`{param}` substitution of validated values, and nothing more: no expressions, no filters,
no attribute access. A value is checked against its parameter's shape before it can reach a
step, and a value carrying template or shell metacharacters is refused outright, whatever the
shape says, so nothing a runbook passes on can be re-interpreted downstream."""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
ANY_BRACE = re.compile(r"[{}]")
METACHARACTERS = frozenset("{}$`;|&<>\\'\"*?!()[]#~%\n\r\t ")

_DNS_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
_DNS_NAME = rf"{_DNS_LABEL}(\.{_DNS_LABEL})*"
SHAPES: dict[str, tuple[str, str]] = {
    # name: (regex, what it must look like)
    "namespace": (_DNS_LABEL, "a Kubernetes namespace name"),
    "deployment": (_DNS_NAME, "a Kubernetes object name"),
    "certificate": (_DNS_NAME, "a Kubernetes object name"),
    "order_id": (r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}", "an order id"),
    "pid": (r"[1-9][0-9]{0,9}", "a backend pid"),
    "application_name": (r"[A-Za-z0-9][A-Za-z0-9._@:/-]{0,62}", "an application_name"),
    "replicas": (r"[0-9]{1,3}", "a number of replicas"),
    "to_revision": (r"[0-9]{1,9}|last-good", "a revision number or last-good"),
    "minutes": (r"[0-9]{1,4}", "a number of minutes"),
}
DEFAULT_SHAPE = (r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}", "letters, digits, '.', '_', ':' or '-'")


class ParamError(ValueError):
    """A parameter value that cannot be used; the message names the parameter."""


def check_value(name: str, value: str) -> str:
    bad = sorted({c for c in value if c in METACHARACTERS})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise ParamError(
            f"parameter {name}: value carries template or shell metacharacters {shown}"
        )
    pattern, what = SHAPES.get(name, DEFAULT_SHAPE)
    if not re.fullmatch(pattern, value):
        raise ParamError(f"parameter {name}: {value!r} is not {what}")
    return value


def placeholders(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


def substitute(text: str, values: Mapping[str, str]) -> str:
    """Replace each `{name}` by its validated value; an unknown name is an error, not ''."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise ParamError(f"parameter {name} is used but has no value")
        return values[name]

    return PLACEHOLDER.sub(one, text)


def stray_braces(text: str) -> bool:
    """Braces that are not a plain `{param}`: an expression language would start there."""
    return bool(ANY_BRACE.search(PLACEHOLDER.sub("", text)))
