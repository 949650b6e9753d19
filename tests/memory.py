"""What an object holds in memory: every string and byte string reachable from it.

Tests use it to prove a credential is not kept anywhere a component can reach (its caches,
its rows, its clients), not only absent from the rows a screen reads. Code and modules are
not followed: a function's globals lead to every module in the process (and so to the test's
own copy of the credential), and hold no data the component read.
"""

from __future__ import annotations

import gc
import threading
import types
from collections.abc import Iterator

_SKIP = (
    types.ModuleType,
    type,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.CodeType,
    types.FrameType,
    types.MethodWrapperType,
    types.WrapperDescriptorType,
)
LIMIT = 2_000_000


def _module_globals(obj: object) -> bool:
    return isinstance(obj, dict) and "__builtins__" in obj and "__name__" in obj


def reachable_text(root: object, limit: int = LIMIT) -> Iterator[str | bytes]:
    """Every str, bytes and bytearray reachable from `root` by references."""
    seen: set[int] = set()
    todo: list[object] = [root]
    while todo and len(seen) < limit:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, str | bytes):
            yield obj
            continue
        if isinstance(obj, bytearray):
            yield bytes(obj)
            continue
        if isinstance(obj, _SKIP) or _module_globals(obj):
            continue
        if isinstance(obj, types.MethodType):
            todo.append(obj.__self__)
            continue
        if isinstance(obj, threading.Thread):
            continue  # reached through the object that owns it
        todo.extend(gc.get_referents(obj))


def holders(root: object, needle: str) -> list[str]:
    """The reachable strings that contain `needle` (cut short), in either form."""
    raw = needle.encode()
    found = []
    for text in reachable_text(root):
        if (needle in text) if isinstance(text, str) else (raw in text):
            found.append(repr(text[:80]))
    return found
