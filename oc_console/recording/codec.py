"""The domain's frozen dataclasses to plain JSON trees and back, generically, for recordings.

A recording is untrusted input (it is mailed around after an incident), so nothing here
constructs anything but the registered types: a dataclass of the domain (found by walking
`oc_console.domain`, or named by the caller), its two enums, datetimes, timedeltas, tuples and
the JSON scalars. An unknown type name is an error, never an import. No pickle.

Encoding:
- a dataclass is `{"@": "module.Class", field: value, ...}`, fields equal to their default left
  out (a recording is mostly pods with most fields at their default);
- a tuple is a list (every sequence of the domain is a tuple);
- an IntEnum is `{"@e": "findings.Severity", "v": 2}`; a datetime `{"@dt": iso}`; a timedelta
  `{"@td": seconds}`; a float that JSON cannot hold (nan, inf) `{"@f": "nan"}`.

Every string is redacted (oc_console/redact.py) as it is encoded: a recording is an output like
any other, and what it does not hold cannot leak from it."""

from __future__ import annotations

import dataclasses
import importlib
import math
import pkgutil
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from enum import IntEnum
from functools import lru_cache
from typing import Any

import oc_console.domain
from oc_console.redact import redact

Tree = Any  # what orjson reads and writes: dict, list, str, int, float, bool, None


class CodecError(ValueError):
    """A tree that does not decode into the registered types: one line, for a person."""


@lru_cache(maxsize=65536)
def _redacted(text: str) -> str:
    # the same names and messages come back in every frame: redact each string once
    return redact(text)


def domain_types() -> list[type]:
    """Every dataclass and IntEnum defined in oc_console.domain."""
    found: list[type] = []
    for info in pkgutil.iter_modules(oc_console.domain.__path__):
        module = importlib.import_module(f"oc_console.domain.{info.name}")
        for value in vars(module).values():
            if not isinstance(value, type) or value.__module__ != module.__name__:
                continue
            if dataclasses.is_dataclass(value) or issubclass(value, IntEnum):
                found.append(value)
    return found


def type_name(cls: type) -> str:
    """`kube.PodRow` for a domain type; `module.Class` for the few registered from elsewhere."""
    return f"{cls.__module__.rsplit('.', 1)[-1]}.{cls.__qualname__}"


@dataclasses.dataclass(frozen=True)
class _Shape:
    cls: type
    name: str
    fields: tuple[tuple[str, object], ...]  # (name, default or _NO_DEFAULT), init fields only


_NO_DEFAULT = object()
MAX_SHIFT = 3  # how far a slid window is looked for: a history read a minute apart, a few
# Scalars whose equality is sameness (a datetime equal to another may name another offset).
_PLAIN = frozenset((str, int, float, bool))


def _shape(cls: type) -> _Shape:
    fields = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue  # derived caches (FleetSnapshot._by_platform) start afresh
        if f.default is not dataclasses.MISSING:
            default: object = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = _NO_DEFAULT
        fields.append((f.name, default))
    return _Shape(cls, type_name(cls), tuple(fields))


class Codec:
    """Encodes and decodes the registered types; `extra` adds types from outside the domain
    (the services' SnapshotInputs)."""

    def __init__(self, extra: Iterable[type] = (), *, scrub: Callable[[str], str] = _redacted):
        self.scrub = scrub
        self._shapes: dict[type, _Shape] = {}
        self._by_name: dict[str, _Shape] = {}
        self._enums: dict[str, type[IntEnum]] = {}
        for cls in [*domain_types(), *extra]:
            if isinstance(cls, type) and issubclass(cls, IntEnum):
                self._enums[type_name(cls)] = cls
                continue
            shape = _shape(cls)
            if shape.name in self._by_name:
                raise ValueError(f"two registered types are called {shape.name}")
            self._shapes[cls] = self._by_name[shape.name] = shape

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted([*self._by_name, *self._enums]))

    # --- encoding ----------------------------------------------------------------------
    def encode(self, value: object) -> Tree:
        if value is None or value is True or value is False:
            return value
        kind = type(value)
        if kind is str:
            return self.scrub(value)  # type: ignore[arg-type]
        if kind is int:
            return value
        if kind is float:
            return value if math.isfinite(value) else {"@f": repr(value)}  # type: ignore[arg-type]
        if kind is tuple or kind is list:
            return [self.encode(v) for v in value]  # type: ignore[attr-defined]
        shape = self._shapes.get(kind)
        if shape is not None:
            out: dict[str, Tree] = {"@": shape.name}
            for name, default in shape.fields:
                item = getattr(value, name)
                if item is default or (default is not _NO_DEFAULT and item == default):
                    continue
                out[name] = self.encode(item)
            return out
        if isinstance(value, IntEnum):
            return {"@e": type_name(kind), "v": int(value)}
        if isinstance(value, datetime):
            return {"@dt": value.isoformat()}
        if isinstance(value, timedelta):
            return {"@td": value.total_seconds()}
        raise TypeError(f"cannot record a {kind.__name__}: register it with the codec")

    def encode_like(self, value: object, old: object, old_tree: Tree) -> Tree:
        """`encode(value)`, sharing every subtree of `old_tree` (the encoding of `old`) whose
        value is the same object or equal: the whole `old_tree` when nothing differs.

        A source read again hands back a new value that is mostly the last one (the same pods,
        the same findings with one number moved): this costs a comparison where nothing
        changed instead of an encoding, and the delta against the last frame passes a shared
        subtree at once."""
        if value is old:
            return old_tree
        kind = type(value)
        if kind is not type(old):
            return self.encode(value)
        shape = self._shapes.get(kind)
        if shape is not None or kind is tuple or kind is list:
            # most often equal: one comparison (the dataclasses' own) before a walk
            if value == old:
                return old_tree
            if shape is not None:
                return self._like_dataclass(shape, value, old, old_tree)
            return self._like_sequence(value, old, old_tree)  # type: ignore[arg-type]
        if kind in _PLAIN and value == old:
            return old_tree
        return self.encode(value)

    def _like_dataclass(self, shape: _Shape, value: object, old: object, old_tree: Tree) -> Tree:
        if not isinstance(old_tree, dict) or old_tree.get("@") != shape.name:
            return self.encode(value)
        out: dict[str, Tree] = {"@": shape.name}
        same = True
        for name, default in shape.fields:
            item = getattr(value, name)
            if item is default or (default is not _NO_DEFAULT and item == default):
                same = same and name not in old_tree
                continue
            was = old_tree.get(name, _NO_DEFAULT)
            tree = (
                self.encode(item)
                if was is _NO_DEFAULT
                else self.encode_like(item, getattr(old, name), was)
            )
            out[name] = tree
            same = same and tree is was
        return old_tree if same else out

    def _like_sequence(self, value: tuple[Any, ...], old: tuple[Any, ...], old_tree: Tree) -> Tree:
        if not isinstance(old_tree, list) or len(old_tree) != len(old):
            return self.encode(value)
        n, m = len(value), len(old)
        if n and type(value[0]) in _PLAIN:
            return self.encode(value)  # a history's point: nothing to share but the numbers
        # a window that slid (a history, a log tail): its items are the old ones a few along
        shift = 0
        if n and m and value[0] is not old[0] and value[0] != old[0]:
            for k in range(1, min(MAX_SHIFT, m - 1) + 1):
                if value[0] is old[k] or value[0] == old[k]:
                    shift = k
                    break
        if shift == 0 and n == m and type(value[0]) is tuple and value[:-1] == old[:-1]:
            # a history whose last point moved: one comparison in C, not one per point
            last = self.encode_like(value[-1], old[-1], old_tree[-1])
            return old_tree if last is old_tree[-1] else [*old_tree[:-1], last]
        out: list[Tree] = []
        same = n == m and shift == 0
        for i, item in enumerate(value):
            j = i + shift
            tree = self.encode_like(item, old[j], old_tree[j]) if j < m else self.encode(item)
            out.append(tree)
            same = same and tree is old_tree[i]
        return old_tree if same else out

    # --- decoding ----------------------------------------------------------------------
    def decode(self, tree: Tree) -> Any:
        try:
            return self._decode(tree)
        except CodecError:
            raise
        except (TypeError, ValueError, KeyError, OverflowError, RecursionError) as exc:
            raise CodecError(f"a value does not decode: {exc}".splitlines()[0]) from None

    def _decode(self, tree: Tree) -> Any:
        if isinstance(tree, list):
            return tuple(self._decode(v) for v in tree)
        if not isinstance(tree, dict):
            if tree is None or isinstance(tree, str | int | float | bool):
                return tree
            raise CodecError(f"not a recorded value: {type(tree).__name__}")
        if "@" in tree:
            shape = self._by_name.get(tree["@"]) if isinstance(tree["@"], str) else None
            if shape is None:
                raise CodecError(f"unknown recorded type {str(tree['@'])[:60]!r}")
            known = {name for name, _ in shape.fields}
            args = {k: self._decode(v) for k, v in tree.items() if k in known}
            return shape.cls(**args)
        if "@dt" in tree:
            return datetime.fromisoformat(tree["@dt"])
        if "@td" in tree:
            return timedelta(seconds=tree["@td"])
        if "@e" in tree:
            enum = self._enums.get(tree["@e"])
            if enum is None:
                raise CodecError(f"unknown recorded enum {str(tree['@e'])[:60]!r}")
            return enum(tree["v"])
        if "@f" in tree:
            number = float(tree["@f"])
            if math.isfinite(number):
                raise CodecError("a finite float recorded as a special one")
            return number
        raise CodecError("a recorded object names no type")
