"""Request routing: authentication, discovery, RBAC faults, then the resource operations."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import crud, discovery, events_v1, logs, metadata, reviews, tables, watch
from . import patch as patching
from .context import Context
from .errors import ApiError
from .resources import POD, Resource, find
from .server import Responder
from .store import encode


@dataclass(frozen=True)
class Route:
    res: Resource
    namespace: str
    name: str
    sub: str


def parse_route(path: str) -> Route | None:
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    namespace = ""
    if len(rest) >= 3 and rest[0] == "namespaces" and find(group, version, rest[2]):
        namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        return None
    res = find(group, version, rest[0])
    if res is None or (namespace and not res.namespaced):
        return None
    name = rest[1] if len(rest) > 1 else ""
    sub = rest[2] if len(rest) > 2 else ""
    if sub and res.subresource(sub) is None:
        return None
    return Route(res, namespace, name, sub)


_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


class Handler(Responder):
    @property
    def ctx(self) -> Context:
        ctx: Context = self.server.app
        return ctx

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        self.capture = None  # a kept-alive connection: nothing of the last request carries over
        try:
            if self.ctx.faults.latency:
                time.sleep(self.ctx.faults.latency)
            url = urlsplit(self.path)
            query = dict(parse_qsl(url.query))
            if self.headers.get("Authorization") != f"Bearer {self.ctx.token}":
                # The body must still be read, or it would be parsed as the next request.
                self.read_body_quietly()
                raise ApiError.unauthorized()
            self._route(url.path, query)
        except ApiError as err:
            self.send_error_status(err)
        except OSError:
            # The client went away (or the connection was cut on purpose); nothing to answer.
            self.close_connection = True

    def read_body_quietly(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)

    def _route(self, path: str, query: dict[str, str]) -> None:
        if self.command == "GET" and self._discovery(path.rstrip("/") or "/"):
            return
        route = parse_route(path)
        if route is None or route.res.group in self.ctx.faults.unserved:
            self.read_body_quietly()
            raise ApiError.page_not_found()
        verb = self._verb(route, query)
        resource = f"{route.res.plural}/{route.sub}" if route.sub else route.res.plural
        self.capture = self.ctx.tap.record(verb, resource, path, query, self.headers).body
        if self.ctx.faults.is_denied(verb, resource):
            self.read_body_quietly()
            raise ApiError.forbidden(
                self.ctx.user, verb, route.res, route.sub, route.namespace, route.name
            )
        sub = route.res.subresource(route.sub)
        allowed = sub.verbs if sub is not None else route.res.verbs
        if verb not in allowed and not (verb == "list" and "list" in route.res.verbs):
            self.read_body_quietly()
            raise ApiError.not_allowed()
        self._operate(route, verb, query)

    def _verb(self, route: Route, query: dict[str, str]) -> str:
        if self.command == "GET":
            if query.get("watch") in ("true", "1"):
                return "watch"
            return "get" if route.name else "list"
        return _VERBS[self.command]

    def _discovery(self, path: str) -> bool:
        doc: Any
        if path == "/version":
            doc = discovery.VERSION
        elif path == "/api":
            doc = discovery.core_versions()
        elif path == "/apis":
            doc = discovery.group_list()
            unserved = self.ctx.faults.unserved
            doc["groups"] = [g for g in doc["groups"] if g["name"] not in unserved]
        else:
            parts = path.strip("/").split("/")
            if parts[0] == "api" and len(parts) == 2:
                doc = discovery.resource_list("", parts[1])
            elif parts[0] == "apis" and len(parts) == 3:
                doc = discovery.resource_list(parts[1], parts[2])
            elif parts[0] == "apis" and len(parts) == 2:
                doc = discovery.group(parts[1])
            else:
                return False
            if doc is None:
                raise ApiError.page_not_found()
        self.send_json(200, doc)
        return True

    def _operate(self, route: Route, verb: str, query: dict[str, str]) -> None:
        ctx, res, ns = self.ctx, route.res, route.namespace
        dry_run = query.get("dryRun") == "All"
        if events_v1.is_events_v1(res):
            events_v1.serve(self, route, verb, query, dry_run)
            return
        if (
            verb in ("list", "get", "watch")
            and not route.sub
            and self._transformed(route, verb, query)
        ):
            return
        if verb == "watch":
            watch.serve(self, ctx, res, ns, query)
        elif verb == "list":
            padding = ctx.padding_pods() if res is POD else None
            self.send_bytes(200, crud.list_body(ctx.store, res, ns, query, padding))
        elif verb == "create" and res.group in ("authorization.k8s.io", "authentication.k8s.io"):
            self.send_json(201, reviews.answer(ctx, res, self.read_body()))
        elif verb == "create":
            self.send_json(201, crud.create(ctx.store, res, ns, self.read_body(), dry_run))
        elif route.sub == "log":
            logs.serve(self, ctx, ns, route.name, query)
        elif route.sub == "scale":
            self._scale(route, verb, dry_run)
        elif verb == "get":
            self.send_bytes(200, ctx.store.require(res, ns, route.name).raw)
        elif verb == "delete":
            self.read_body_quietly()
            gone = ctx.store.delete(res, ns, route.name, dry_run)
            self.send_json(200, crud.deleted_status(res, gone))
        else:
            current = ctx.store.require(res, ns, route.name)
            body = self.read_body()
            if verb == "patch":
                body = crud.patched(res, current, self.headers.get("Content-Type", ""), body)
            self.send_bytes(
                200, encode(crud.write(ctx.store, res, current, body, route.sub, dry_run))
            )

    def _transformed(self, route: Route, verb: str, query: dict[str, str]) -> bool:
        """Answer a Table or a metadata-only request; False when the plain object was asked
        for (or nothing else can be served)."""
        form, version = metadata.negotiate(self.headers.get("Accept", ""), verb)
        if version is None:
            return False
        if form == metadata.TABLE:
            self._table(route, verb, query, version)
        else:
            self._metadata(route, verb, query, version)
        return True

    def _metadata(self, route: Route, verb: str, query: dict[str, str], version: str) -> None:
        """PartialObjectMetadata(List): the objects' metadata alone (see metadata.py)."""
        ctx, res, ns = self.ctx, route.res, route.namespace
        if verb == "watch":
            watch.serve(self, ctx, res, ns, query, metadata.watch_object(version), version)
        elif verb == "get":
            self.send_bytes(
                200, metadata.single(ctx.store.require(res, ns, route.name).obj, version)
            )
        else:
            items, meta = crud.page(ctx.store, res, ns, query)
            self.send_bytes(200, metadata.list_body(items, meta, version))

    def _table(self, route: Route, verb: str, query: dict[str, str], version: str) -> None:
        """Answer kubectl's Table request (see tables.py)."""
        ctx, res, ns = self.ctx, route.res, route.namespace
        include = tables.include_of(query)
        if verb == "watch":
            watch.serve(self, ctx, res, ns, query, tables.watch_rows(res, version, include))
        elif verb == "get":
            obj = ctx.store.require(res, ns, route.name).obj
            self.send_bytes(200, tables.single(res, obj, version, include))
        else:
            items, meta = crud.page(ctx.store, res, ns, query)
            objects = [s.obj for s in items]
            if res is POD:
                objects += [json.loads(raw) for raw in ctx.padding_pods()]
            self.send_bytes(200, tables.table(res, objects, meta, version, include))

    def _scale(self, route: Route, verb: str, dry_run: bool) -> None:
        store = self.ctx.store
        current = store.require(route.res, route.namespace, route.name)
        if verb == "get":
            self.send_json(200, crud.scale_of(current.obj))
            return
        body = self.read_body()
        if verb == "patch":
            scale = crud.scale_of(current.obj)
            body = patching.apply(self.headers.get("Content-Type", ""), scale, body)
        self.send_json(200, crud.apply_scale(store, route.res, current, body, dry_run))
