"""Where the TLS probe's endpoints come from: Ingress `spec.tls` hosts (with their backend and
Secret) and the config's `tls.endpoints`, validated when the config loads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from oc_console.analysis.tls import tls_findings
from oc_console.config import TlsConfig
from oc_console.config_loading import load_config
from oc_console.errors import SourceError, UserError
from oc_console.sources.tls_probe import TlsProbeSource, ingress_endpoints

# The shape of networking.k8s.io/v1 Ingress, as in the Kubernetes documentation's TLS example.
INGRESS = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "Ingress",
    "metadata": {"namespace": "openclaw", "name": "webhook"},
    "spec": {
        "tls": [
            {"hosts": ["hooks.openclaw.io", "*.openclaw.io"], "secretName": "hooks-tls"},
            {"hosts": ["api.openclaw.io"]},
        ],
        "rules": [
            {
                "host": "hooks.openclaw.io",
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {
                                "service": {"name": "openclaw-webhook", "port": {"number": 8443}}
                            },
                        }
                    ]
                },
            }
        ],
        "defaultBackend": {"service": {"name": "openclaw-api", "port": {"name": "https"}}},
    },
}


def test_ingress_tls_hosts_become_endpoints_with_backend_and_secret() -> None:
    found = ingress_endpoints(INGRESS)
    assert [(e.key, e.origin, e.namespace, e.secret) for e in found] == [
        (
            "hooks.openclaw.io:443",
            "ingress openclaw/webhook -> service openclaw-webhook:8443",
            "openclaw",
            "hooks-tls",
        ),
        (
            "api.openclaw.io:443",
            "ingress openclaw/webhook -> service openclaw-api:https",
            "openclaw",
            None,
        ),
    ]  # the wildcard names no host to connect to


def test_config_endpoints_and_ingresses_are_joined_once() -> None:
    cfg = load_config(None, environ={"HOME": "/nonexistent"})
    cfg_tls = cfg.tls.model_copy(update={"endpoints": ("api.openclaw.io:443", "vm.local:8443")})
    source = TlsProbeSource(cfg_tls, lambda: [INGRESS])
    endpoints, error = source.endpoints()
    assert error is None
    assert [(e.key, e.origin) for e in endpoints] == [
        # listed in both: the Ingress's entry, which names where its certificate lives
        ("api.openclaw.io:443", "ingress openclaw/webhook -> service openclaw-api:https"),
        ("vm.local:8443", "config tls.endpoints"),
        ("hooks.openclaw.io:443", "ingress openclaw/webhook -> service openclaw-webhook:8443"),
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('["api.openclaw.io"]', "not host:port: 'api.openclaw.io'"),
        ('["api.openclaw.io:99999"]', "not host:port: 'api.openclaw.io:99999'"),
        ('["https://api.openclaw.io:443"]', "not a host name: 'https://api.openclaw.io'"),
    ],
)
def test_a_bad_endpoint_is_one_line_naming_the_key(
    tmp_path: Path, value: str, message: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[tls]\nendpoints = {value}\n")
    with pytest.raises(UserError) as err:
        load_config(path, environ={})
    assert str(err.value).startswith(f"{path}: bad value for 'tls.endpoints': {message}")
    assert "\n" not in str(err.value)


def test_tls_endpoints_load(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[tls]\nendpoints = ["api.openclaw.io:443", "[::1]:8443"]\n')
    cfg = load_config(path, environ={})
    assert cfg.tls.endpoints == ("api.openclaw.io:443", "[::1]:8443")
    assert cfg.tls_configured


def _denied() -> list[dict[str, object]]:
    raise SourceError("403: cannot list ingresses in namespace openclaw")


def test_ingresses_not_read_are_the_source_down_or_a_finding_beside_the_endpoints() -> None:
    with pytest.raises(SourceError, match="Ingresses not read: 403"):
        TlsProbeSource(TlsConfig(), _denied).read()
    cfg = TlsConfig(endpoints=("localhost:1",), timeout_seconds=0.5)  # nothing listens on 1
    snap = TlsProbeSource(cfg, _denied).read()
    ids = [f.id for f in tls_findings(snap, (), datetime.now(UTC))]
    assert ids == ["tls-endpoints-not-visible", "tls-probe-failed"]
