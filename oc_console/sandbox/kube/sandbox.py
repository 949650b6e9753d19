"""KubeSandbox: the fleet, its API server on 127.0.0.1, and the controllers that move it."""

from __future__ import annotations

import secrets
import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from oc_console.sandbox.openclaw_db import ORDER_AGE_SECONDS

from . import fleet, kubeconfig
from .churn import Churn
from .context import Context
from .controller import DeploymentController
from .external_secrets import ExternalSecretsController, Loaded
from .faults import Faults
from .handler import Handler
from .issuer import Issuer
from .resources import EXTERNAL_SECRET, POD
from .scenarios import CRASHLOOP_IMAGE, NAMESPACE, resolve
from .server import ApiServer
from .store import Store, Stored
from .tap import Tap
from .tls import server_context, write_server_tls
from .views import PodView, pod_views

_TICK = 0.05


class KubeSandbox:
    def __init__(
        self,
        workdir: Path,
        scenarios: frozenset[str] = frozenset({"all"}),
        extra_pods_per_adapter: int = 0,
        ready_delay: float = 0.3,
        *,
        bookmark_interval: float = 5.0,
        churn_interval: float = 10.0,
    ) -> None:
        self.workdir = Path(workdir)
        self.scenarios = resolve(scenarios)
        # when the failed order's webhook came (unix seconds): its pod's logs tell of it then;
        # the database's seed, when there is one, else ORDER_AGE_SECONDS before start()
        self.order_at: float | None = None
        self.faults = Faults()
        self.context = kubeconfig.CONTEXT
        self.kubeconfig_path = self.workdir / "kubeconfig"
        self._extra = extra_pods_per_adapter
        self._ready_delay = ready_delay
        self._churn_interval = churn_interval
        self._ctx = Context(
            store=Store(),
            faults=self.faults,
            token=secrets.token_urlsafe(32),
            user=kubeconfig.USER,
            scenarios=self.scenarios,
            bookmark_interval=bookmark_interval,
        )
        self.ca_path = self.workdir / "tls" / "ca.crt"
        self._tls: ssl.SSLContext | None = None
        self._server: ApiServer | None = None
        self._threads: list[threading.Thread] = []
        self._halt = threading.Event()
        self._started = False

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._ctx.port}"

    @property
    def tap(self) -> Tap:
        """What the API server answered (see tap.py): tests prove what crossed the wire."""
        return self._ctx.tap

    @property
    def token(self) -> str:
        return self._ctx.token

    @property
    def failed_order(self) -> tuple[str, float]:
        """The pod that handled the `order` scenario's failed order, and when (unix seconds)."""
        return self._ctx.order_pod, self._ctx.order_at

    @property
    def external_store(self) -> dict[str, str]:
        """The KMS behind the ExternalSecrets (remote key -> value): change it as an operator
        fixes a key there; a `force-sync` annotation then syncs it into the Secret."""
        return self._eso.store

    def start(self) -> KubeSandbox:
        if self._started:
            return self
        ca, cert, key = write_server_tls(self.workdir / "tls")
        self._tls = server_context(cert, key)
        now = time.time()
        built = fleet.build(self.scenarios, self._extra, now)
        store = self._ctx.store
        for res, items in built.objects.items():
            store.load(res, items)
        store.load_raw(POD, built.raw_pods)
        if "order" in self.scenarios:
            self._ctx.order_pod = built.order_pod
            self._ctx.order_at = self.order_at or now - ORDER_AGE_SECONDS
        controller = DeploymentController(store, self._ready_delay, frozenset({CRASHLOOP_IMAGE}))
        controller.tick()
        churn = Churn(store, "oom" in self.scenarios, self._churn_interval)
        self._issuer = Issuer(store)
        self._eso = ExternalSecretsController(store, EXTERNAL_SECRET)
        loaded = Loaded(store)
        self._ctx.mismatching = loaded.mismatching
        loaded.tick()
        self._loaded = loaded
        self._serve()
        kubeconfig.write(self.kubeconfig_path, self.url, ca, self._ctx.token, NAMESPACE)
        self._spawn("kube-sandbox-controller", lambda: self._loop(controller, churn))
        self._started = True
        return self

    def _loop(self, controller: DeploymentController, churn: Churn) -> None:
        while not self._halt.wait(_TICK):
            controller.tick()
            churn.tick()
            self._issuer.tick()
            self._eso.tick()
            self._loaded.tick()

    def _spawn(self, name: str, target: Callable[[], object]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _serve(self) -> None:
        assert self._tls is not None
        server = ApiServer(Handler, self._ctx, self._tls)
        self._ctx.port = server.server_address[1]
        self._server = server
        self._spawn("kube-sandbox-http", server.serve_forever)

    def api_down(self) -> None:
        """Stop answering (connections refused) while the fleet keeps its state."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def api_up(self) -> None:
        """Listen again on the same port."""
        if self._server is None and self._started:
            self._serve()

    def pods_view(self) -> list[PodView]:
        pods, _ = self._ctx.store.query(POD, None)
        return [view for pod in pods for view in _views(pod)]

    def stop(self) -> None:
        self._halt.set()
        self.api_down()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()

    def __enter__(self) -> KubeSandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _views(pod: Stored) -> list[PodView]:
    # Each stored version is immutable, so its views are computed once.
    if "views" not in pod.derived:
        pod.derived["views"] = pod_views(pod.obj)
    views: list[PodView] = pod.derived["views"]
    return views
