"""Versioned object store: the stand-in's etcd, with a bounded change history for watches."""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .errors import ApiError
from .resources import RESOURCES, Resource
from .timefmt import now_rfc3339

Obj = dict[str, Any]


def encode(obj: Obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _is_ready(obj: Obj) -> bool:
    conds = (obj.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conds)


def _controller_uid(obj: Obj) -> str:
    refs = obj["metadata"].get("ownerReferences") or []
    return next((str(r["uid"]) for r in refs if r.get("controller")), "")


class Stored:
    """One immutable version of an object.

    `raw` is kept so a 10,000-item list is a join, not 10,000 dumps; the fields that lists,
    selectors and controllers read are extracted up front, so most reads never parse `raw`.
    """

    __slots__ = ("_obj", "derived", "labels", "name", "namespace", "owner", "raw", "ready")

    def __init__(self, raw: bytes, obj: Obj | None, like: Obj, name: str, namespace: str) -> None:
        self.raw = raw
        self._obj = obj
        self.name = name
        self.namespace = namespace
        self.labels: dict[str, str] = like["metadata"].get("labels") or {}
        self.owner = _controller_uid(like)
        self.ready = _is_ready(like)
        # Values computed from this version by readers (e.g. metric views), kept with it.
        self.derived: dict[str, Any] = {}

    @classmethod
    def of(cls, obj: Obj) -> Stored:
        meta = obj["metadata"]
        return cls(encode(obj), obj, obj, meta["name"], meta.get("namespace", ""))

    @property
    def obj(self) -> Obj:
        if self._obj is None:
            self._obj = json.loads(self.raw)
        return self._obj

    def copy(self) -> Obj:
        # A json round-trip is faster than deepcopy and guarantees nothing stored is shared.
        result: Obj = json.loads(self.raw)
        return result


@dataclass(frozen=True)
class Change:
    rv: int
    key: str
    type: str
    item: Stored


class Store:
    def __init__(self, history: int = 20_000) -> None:
        self.cond = threading.Condition(threading.RLock())
        self._objects: dict[str, dict[tuple[str, str], Stored]] = {r.key: {} for r in RESOURCES}
        # resource -> controller owner uid -> that owner's objects, for the controllers.
        self._owned: dict[str, dict[str, dict[tuple[str, str], Stored]]] = {
            r.key: {} for r in RESOURCES
        }
        self._rv = 1
        self._history: deque[Change] = deque(maxlen=history)
        # A watch may resume from any version >= floor; older ones get 410 Gone.
        self._floor = 1

    @property
    def rv(self) -> int:
        with self.cond:
            return self._rv

    @property
    def floor(self) -> int:
        with self.cond:
            return self._floor

    def get(self, res: Resource, namespace: str, name: str) -> Stored | None:
        with self.cond:
            return self._objects[res.key].get((namespace, name))

    def require(self, res: Resource, namespace: str, name: str) -> Stored:
        found = self.get(res, namespace, name)
        if found is None:
            raise ApiError.not_found(res, name)
        return found

    def query(self, res: Resource, namespace: str | None) -> tuple[list[Stored], int]:
        with self.cond:
            items = self._objects[res.key].values()
            if namespace:
                return [s for s in items if s.namespace == namespace], self._rv
            return list(items), self._rv

    def load(self, res: Resource, objects: Iterable[Obj]) -> None:
        """Bulk insert without history: the fleet at start-up, where no watcher exists yet."""
        with self.cond:
            for obj in objects:
                self._rv += 1
                _stamp(obj, self._rv)
                self._put(res, Stored.of(obj))
            self._floor = self._rv

    def load_raw(self, res: Resource, clones: Iterable[tuple[Obj, str, str]]) -> None:
        """Bulk insert of (object it was cloned from, name, JSON text with a "__RV__"
        placeholder): the text is parsed only when someone reads the whole object."""
        with self.cond:
            for like, name, text in clones:
                self._rv += 1
                raw = text.replace('"__RV__"', f'"{self._rv}"', 1).encode()
                self._put(res, Stored(raw, None, like, name, like["metadata"]["namespace"]))
            self._floor = self._rv

    def owned(self, res: Resource, owner_uid: str) -> list[Stored]:
        with self.cond:
            return list(self._owned[res.key].get(owner_uid, {}).values())

    def _put(self, res: Resource, stored: Stored) -> None:
        key = (stored.namespace, stored.name)
        old = self._objects[res.key].get(key)
        if old is not None and old.owner:
            self._owned[res.key][old.owner].pop(key, None)
        self._objects[res.key][key] = stored
        if stored.owner:
            self._owned[res.key].setdefault(stored.owner, {})[key] = stored

    def _drop(self, res: Resource, key: tuple[str, str]) -> None:
        old = self._objects[res.key].pop(key)
        if old.owner:
            self._owned[res.key][old.owner].pop(key, None)

    def create(self, res: Resource, obj: Obj, dry_run: bool = False) -> Obj:
        with self.cond:
            meta = obj.setdefault("metadata", {})
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
            key = (meta.get("namespace", "") if res.namespaced else "", meta.get("name", ""))
            if not key[1]:
                raise ApiError.invalid(res, "", "metadata.name: Required value: name is required")
            if key in self._objects[res.key]:
                raise ApiError.already_exists(res, key[1])
            meta.setdefault("uid", str(uuid.uuid4()))
            meta["creationTimestamp"] = meta.get("creationTimestamp") or now_rfc3339()
            if "spec" in obj:
                meta["generation"] = 1
            if dry_run:
                meta.pop("resourceVersion", None)
                return obj
            return self._commit(res, obj, "ADDED")

    def replace(self, res: Resource, obj: Obj, dry_run: bool = False) -> Obj:
        """Store a new version; the caller has already merged it with the current one."""
        with self.cond:
            meta = obj["metadata"]
            key = (meta.get("namespace", ""), meta["name"])
            if key not in self._objects[res.key]:
                raise ApiError.not_found(res, key[1])
            if dry_run:
                return obj
            return self._commit(res, obj, "MODIFIED")

    def mutate(self, res: Resource, namespace: str, name: str, fn: Callable[[Obj], bool]) -> bool:
        """Apply fn to a copy under the lock; store it when fn says it changed something."""
        with self.cond:
            current = self._objects[res.key].get((namespace, name))
            if current is None:
                return False
            obj = current.copy()
            if not fn(obj):
                return False
            self._commit(res, obj, "MODIFIED")
            return True

    def delete(self, res: Resource, namespace: str, name: str, dry_run: bool = False) -> Obj:
        with self.cond:
            current = self.require(res, namespace, name)
            obj = current.copy()
            if dry_run:
                return obj
            self._drop(res, (namespace, name))
            self._rv += 1
            obj["metadata"]["resourceVersion"] = str(self._rv)
            self._record(Change(self._rv, res.key, "DELETED", Stored.of(obj)))
            return obj

    def changes_after(self, rv: int) -> list[Change] | None:
        """Changes newer than rv, oldest first; None when rv fell out of the history window."""
        with self.cond:
            if rv < self._floor:
                return None
            newer: list[Change] = []
            for change in reversed(self._history):
                if change.rv <= rv:
                    break
                newer.append(change)
            newer.reverse()
            return newer

    def _commit(self, res: Resource, obj: Obj, kind: str) -> Obj:
        self._rv += 1
        _stamp(obj, self._rv)
        stored = Stored.of(obj)
        self._put(res, stored)
        self._record(Change(self._rv, res.key, kind, stored))
        return obj

    def _record(self, change: Change) -> None:
        if len(self._history) == self._history.maxlen:
            self._floor = self._history[0].rv
        self._history.append(change)
        self.cond.notify_all()


def _stamp(obj: Obj, rv: int) -> None:
    meta = obj.setdefault("metadata", {})
    meta["resourceVersion"] = str(rv)
    meta.setdefault("uid", str(uuid.uuid4()))
    meta.setdefault("creationTimestamp", now_rfc3339())
