"""Secrets never reach an output: every DSN form, URL credentials, bearer tokens, and the
`insecure` marker on sources that send them readable."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from oc_console.config import KubernetesConfig
from oc_console.config_loading import load_config
from oc_console.exposure import PLAIN_HTTP
from oc_console.redact import dsn_password, redact, secrets_of
from oc_console.services.console import Console
from oc_console.sources.kube.client import KubeClient, connect


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("postgresql://app:hunter2@db:5432/orders", "hunter2"),
        ("postgresql://app:pa/ss@db:5432/orders", "pa/ss"),
        ("postgresql://app:pa#ss@db/orders?sslmode=require", "pa#ss"),
        ("postgresql://app:p@ss@db/orders", "p@ss"),
        ("host=db user=app password=hunter2 dbname=orders", "hunter2"),
        ("host=db password='two words' user=app", "two words"),
        ("host=db password='it\\'s' user=app", "it\\'s"),
        ("host=db PASSWORD = hunter2", "hunter2"),
        ("http://admin:hunter2@prom.internal:9090/api/v1/query", "hunter2"),
        ("https://u:tok3n@tempo:3200/api/search?q=1", "tok3n"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "eyJhbGciOiJIUzI1NiJ9.e30.sig"),
        ("GET https://api/v1?access_token=abc123&x=1", "abc123"),
        ("error: cannot connect to postgresql://u:s3cret@h/db: refused", "s3cret"),
        ("AUTHORIZATION: BASIC dXNlcjpodW50ZXIy", "dXNlcjpodW50ZXIy"),
        ("authorization: bearer\tabc.def", "abc.def"),
        # case-insensitive matching is more than lower case outside ASCII: the long s is an s
        ("Authorization: Ba\u017fic dXNlcjpodW50ZXIy", "dXNlcjpodW50ZXIy"),
    ],
)
def test_secrets_are_redacted(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out and "***" in out


def test_hosts_and_users_stay_readable() -> None:
    assert redact("postgresql://app:x@db:5432/orders") == "postgresql://app:***@db:5432/orders"
    assert redact("host=db password=x user=app") == "host=db password=*** user=app"
    assert redact("postgresql://app@db/orders") == "postgresql://app@db/orders"


def test_a_parsers_echo_of_the_password_is_scrubbed() -> None:
    dsn = "host=db password='s3cr3t/pw' user=app"
    assert dsn_password(dsn) == "s3cr3t/pw"
    assert redact("invalid literal: 's3cr3t/pw'", secrets_of(dsn)) == "invalid literal: '***'"
    assert dsn_password("postgresql://u:a%2Fb@h/db") == "a%2Fb"
    assert "a/b" in secrets_of("postgresql://u:a%2Fb@h/db")


def console(**flags: object) -> Console:
    return Console(load_config(None, flags, environ={}))


def insecure(name: str, **flags: object) -> str | None:
    found = console(**flags).snapshot().source(name)
    assert found is not None and found.error is None
    return found.insecure


def test_insecure_marks_plain_http_credentials_and_unverified_remote_postgres() -> None:
    prom = "prometheus.url"
    assert insecure("prometheus", **{prom: "http://admin:pw@prom.internal:9090"}) == PLAIN_HTTP
    assert insecure("prometheus", **{prom: "https://admin:pw@prom.internal"}) is None
    assert insecure("prometheus", **{prom: "http://prom.internal:9090"}) is None  # no creds
    assert insecure("prometheus", **{prom: "http://admin:pw@127.0.0.1:9090"}) is None  # loopback
    dsn = "postgres.dsn"
    remote = insecure("postgres", **{dsn: "postgresql://u:p@db.internal/o?sslmode=require"})
    assert remote is not None and "verify-full" in remote
    assert insecure("postgres", **{dsn: "postgresql://u:p@db.internal/o?sslmode=verify-ca"}) is None
    assert insecure("postgres", **{dsn: "host=db.internal sslmode=verify-full"}) is None
    assert insecure("postgres", **{dsn: "postgresql://u:p@127.0.0.1/o"}) is None


async def test_prometheus_errors_carry_no_credentials() -> None:
    c = console(**{"prometheus.url": "http://admin:hunter2@127.0.0.1:1"})
    try:
        snap = await c.refresh(force=True)
    finally:
        await c.close()
    prom = snap.source("prometheus")
    assert prom is not None and prom.error and "unreachable" in prom.error
    assert "hunter2" not in prom.error and "admin:***@" in prom.error


def test_kubernetes_marks_a_token_over_plain_http(tmp_path: Path) -> None:
    def client_for(server: str) -> KubeClient:
        path = tmp_path / "kubeconfig"
        path.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "c", "cluster": {"server": server}}],
                    "users": [{"name": "u", "user": {"token": "t0ken"}}],
                    "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                    "current-context": "x",
                }
            )
        )
        return connect(KubernetesConfig(kubeconfig=str(path)), environ={})

    plain = client_for("http://10.1.2.3:8080")
    assert plain.insecure == PLAIN_HTTP
    plain.close()
    tls = client_for("https://10.1.2.3:6443")
    assert tls.insecure is None
    tls.close()


def test_redacting_twice_changes_nothing() -> None:
    for text in (
        "host=db user=app password=hunter2: connection refused",
        "postgresql://u:pw@h/db: refused",
        "Bearer abc.def failed",
    ):
        once = redact(text)
        assert redact(once) == once
    # a message built from an already redacted DSN keeps its punctuation
    assert redact("host=db password=***: refused") == "host=db password=***: refused"
