"""ConfigMaps as rows: their name, when they changed, and which of their keys look like
credentials (issue: webhook secrets never sit in a ConfigMap).

The ConfigMap list is read in full, once per namespace, because a credential is recognised by
its key's name or by its value's shape. Values are looked at here, while the decoded object
is in hand, and never leave this module: a row holds key NAMES and why each was flagged.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import replace
from typing import Any

from oc_console.domain.kube import ConfigObject
from oc_console.sources.kube.parse import parse_config_object

Obj = dict[str, Any]
_EMPTY: Obj = {}
# `*secret*`, `*token*`, `*password*`, `*_key`, `webhook*`, in any case
_CREDENTIAL_NAME = re.compile(r"secret|token|passw(or)?d|_key$|^webhook", re.IGNORECASE)
MIN_SECRET_LENGTH = 20  # shorter strings are ids, ports, sizes
# One unbroken run of key characters this long: names with dashes and timestamps have none.
_KEY_RUN = re.compile(r"[A-Za-z0-9+/]{16,}")
MIN_ENTROPY_BITS = 3.5  # per character; English words ~2.5-3, hex 3.7-4, base64 ~5
NAME_REASON = "its name looks like a credential"
VALUE_REASON = "its value looks like a credential (a long random string)"


def name_looks_secret(key: str) -> bool:
    return bool(_CREDENTIAL_NAME.search(key))


def _entropy(text: str) -> float:
    counts = Counter(text)
    size = len(text)
    return -sum(n / size * math.log2(n / size) for n in counts.values())


def value_looks_secret(value: object) -> bool:
    """A long single token of mixed letters and digits with a high Shannon entropy: an API
    key, a signing secret, a base64 blob. URLs, paths, sentences and numbers are not."""
    if not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH or len(value) > 4096:
        return False
    if any(c.isspace() for c in value) or "://" in value or value.startswith("/"):
        return False
    if "sha256:" in value or "sha512:" in value:  # an image digest is public
        return False
    if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
        return False
    if _KEY_RUN.search(value) is None:
        return False
    return _entropy(value) >= MIN_ENTROPY_BITS


def credential_keys(obj: Obj) -> tuple[tuple[str, str], ...]:
    """(key name, why) for each key of `data` or `binaryData` that looks like a credential.
    Only names and reasons come out; no value is copied, logged or returned."""
    found: list[tuple[str, str]] = []
    data = obj.get("data") or _EMPTY
    for key, value in data.items() if isinstance(data, dict) else ():
        if name_looks_secret(key):
            found.append((str(key), NAME_REASON))
        elif value_looks_secret(value):
            found.append((str(key), VALUE_REASON))
    binary = obj.get("binaryData") or _EMPTY
    for key in binary if isinstance(binary, dict) else ():
        if name_looks_secret(key):
            found.append((str(key), NAME_REASON))
    return tuple(sorted(found))


def parse_config_map(obj: Obj) -> ConfigObject:
    """The row the Changes screen and the credential rule read; the data is dropped from the
    decoded object once looked at, so no value outlives the page being parsed."""
    keys = credential_keys(obj)
    obj.pop("data", None)
    obj.pop("binaryData", None)
    row = parse_config_object(obj, "ConfigMap")
    return replace(row, credential_keys=keys) if keys else row
