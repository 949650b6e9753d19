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


@dataclass(frozen=True)
class Stored:
    """One version of an object; `raw` is kept so a 10k-item list is a join, not 10k dumps."""

    obj: Obj
    raw: bytes

    @property
    def namespace(self) -> str:
        return str(self.obj["metadata"].get("namespace", ""))

    def copy(self) -> Obj:
        # json round-trip is faster than deepcopy and guarantees nothing stored is shared.
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
            table = self._objects[res.key]
            for obj in objects:
                self._rv += 1
                _stamp(obj, self._rv)
                meta = obj["metadata"]
                table[(meta.get("namespace", ""), meta["name"])] = Stored(obj, encode(obj))
            self._floor = self._rv

    def load_raw(self, res: Resource, texts: Iterable[str]) -> None:
        """Bulk insert of JSON texts carrying a "__RV__" placeholder for the resourceVersion."""
        with self.cond:
            table = self._objects[res.key]
            for text in texts:
                self._rv += 1
                raw = text.replace('"__RV__"', f'"{self._rv}"', 1).encode()
                obj = json.loads(raw)
                table[(obj["metadata"]["namespace"], obj["metadata"]["name"])] = Stored(obj, raw)
            self._floor = self._rv

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
            return self._commit(res, key, obj, "ADDED")

    def replace(self, res: Resource, obj: Obj, dry_run: bool = False) -> Obj:
        """Store a new version; the caller has already merged it with the current one."""
        with self.cond:
            meta = obj["metadata"]
            key = (meta.get("namespace", ""), meta["name"])
            if key not in self._objects[res.key]:
                raise ApiError.not_found(res, key[1])
            if dry_run:
                return obj
            return self._commit(res, key, obj, "MODIFIED")

    def mutate(self, res: Resource, namespace: str, name: str, fn: Callable[[Obj], bool]) -> bool:
        """Apply fn to a copy under the lock; store it when fn says it changed something."""
        with self.cond:
            current = self._objects[res.key].get((namespace, name))
            if current is None:
                return False
            obj = current.copy()
            if not fn(obj):
                return False
            self._commit(res, (namespace, name), obj, "MODIFIED")
            return True

    def delete(self, res: Resource, namespace: str, name: str, dry_run: bool = False) -> Obj:
        with self.cond:
            current = self.require(res, namespace, name)
            obj = current.copy()
            if dry_run:
                return obj
            del self._objects[res.key][(namespace, name)]
            self._rv += 1
            obj["metadata"]["resourceVersion"] = str(self._rv)
            self._record(Change(self._rv, res.key, "DELETED", Stored(obj, encode(obj))))
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

    def expire_history(self) -> None:
        """Forget every change so far: any watch resuming from an older version gets 410."""
        with self.cond:
            self._history.clear()
            self._rv += 1
            self._floor = self._rv

    def _commit(self, res: Resource, key: tuple[str, str], obj: Obj, kind: str) -> Obj:
        self._rv += 1
        _stamp(obj, self._rv)
        stored = Stored(obj, encode(obj))
        self._objects[res.key][key] = stored
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
