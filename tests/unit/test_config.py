from __future__ import annotations

from pathlib import Path

import pytest

from oc_console.config_loading import load_config
from oc_console.errors import UserError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_defaults_without_a_file() -> None:
    config = load_config(environ={})
    assert config.kubernetes.namespaces == ("openclaw",)
    assert config.postgres.idle_in_transaction_threshold == 100
    assert not config.postgres_configured and not config.prometheus_configured


def test_file_then_env_then_flags(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[postgres]\ndsn = "postgresql://file/db"\nidle_in_transaction_threshold = 50\n'
        '[prometheus]\nurl = "http://file:9090"\n',
    )
    env = {"OC_PROMETHEUS": "http://env:9090", "OC_NAMESPACE": "a, b", "OC_READ_ONLY": "yes"}
    config = load_config(path, {"prometheus.url": "http://flag:9090"}, environ=env)
    assert config.postgres.dsn == "postgresql://file/db"
    assert config.postgres.idle_in_transaction_threshold == 50
    assert config.prometheus.url == "http://flag:9090"  # flags win over env and file
    assert config.kubernetes.namespaces == ("a", "b")
    assert config.read_only


def test_default_path_is_read(isolated_env: Path) -> None:
    path = isolated_env / ".config" / "oc-console" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("read_only = true\n")
    assert load_config(environ={}).read_only


def test_unknown_key_names_key_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[postgres]\ndns = 'typo'\n")
    with pytest.raises(UserError, match=rf"^{path}: unknown key 'postgres.dns'$"):
        load_config(path, environ={})


def test_bad_value_names_key_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[postgres]\nidle_in_transaction_threshold = 'many'\n")
    with pytest.raises(UserError) as err:
        load_config(path, environ={})
    assert str(err.value).startswith(
        f"{path}: bad value for 'postgres.idle_in_transaction_threshold': "
    )


def test_bad_env_value_names_the_environment(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"environment: bad value for 'traces.kind'"):
        load_config(environ={"OC_TRACES_KIND": "zipkin"})


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not valid TOML"):
        load_config(write(tmp_path, "[postgres\n"), environ={})
    with pytest.raises(UserError, match="config file not found"):
        load_config(tmp_path / "nope.toml", environ={})


def test_libpq_variables_configure_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment given to load_config decides, not the process's own."""
    assert not load_config(environ={}).postgres_configured
    assert load_config(environ={"PGHOST": "db.internal"}).postgres_configured
    monkeypatch.setenv("PGHOST", "db.internal")
    assert not load_config(environ={}).postgres_configured


def test_kubeconfig_env_list_alone_configures_kubernetes(tmp_path: Path) -> None:
    """kubectl's order: --kubeconfig, $KUBECONFIG (a list), ~/.kube/config, in-cluster."""
    home = tmp_path / "elsewhere"
    home.mkdir()
    listed = tmp_path / "b.yaml"
    listed.write_text("apiVersion: v1\n")
    env = {"HOME": str(home), "KUBECONFIG": f"{tmp_path / 'a.yaml'}:{listed}"}
    assert load_config(environ=env).kubernetes_configured
    assert not load_config(environ={"HOME": str(home)}).kubernetes_configured
    assert not load_config(environ={"HOME": str(home), "KUBECONFIG": ":"}).kubernetes_configured
    in_cluster = {"HOME": str(home), "KUBERNETES_SERVICE_HOST": "10.0.0.1"}
    assert load_config(environ=in_cluster).kubernetes_configured
    (home / ".kube").mkdir()
    (home / ".kube" / "config").write_text("apiVersion: v1\n")
    assert load_config(environ={"HOME": str(home)}).kubernetes_configured
    assert load_config(None, {"kubernetes.kubeconfig": "x"}, environ={}).kubernetes_configured


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[("TRUE", True), ("on", True), ("Yes", True), ("1", True)],
        *[("False", False), ("off", False), ("NO", False), ("0", False)],
    ],
)
def test_read_only_accepts_exact_booleans(tmp_path: Path, value: str, expected: bool) -> None:
    path = write(tmp_path, "read_only = true\n")
    assert load_config(path, environ={"OC_READ_ONLY": value}).read_only is expected
    assert load_config(path, environ={}).read_only  # unset: the file's value stands


@pytest.mark.parametrize("value", ["tru", "enable", "2", "y"])
def test_read_only_rejects_anything_else(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, "read_only = true\n")
    with pytest.raises(UserError, match=r"^OC_READ_ONLY=.* is not a boolean"):
        load_config(path, environ={"OC_READ_ONLY": value})


def test_read_only_flag_wins_over_env_false(tmp_path: Path) -> None:
    config = load_config(None, {"read_only": True}, environ={"OC_READ_ONLY": "false"})
    assert config.read_only


@pytest.mark.parametrize("key", ["prometheus.url", "traces.url", "openclaw.api"])
@pytest.mark.parametrize("url", ["not-a-url", "ftp://host/x", "http://", "http://h:port/"])
def test_urls_are_validated_at_load(key: str, url: str) -> None:
    with pytest.raises(UserError) as err:
        load_config(None, {key: url}, environ={})
    message = str(err.value)
    assert f"bad value for '{key}': not an http(s) URL" in message
    assert "\n" not in message


def test_bad_url_message_carries_no_password() -> None:
    with pytest.raises(UserError) as err:
        load_config(None, {"prometheus.url": "ftp://admin:hunter2@h/"}, environ={})
    assert "hunter2" not in str(err.value)


@pytest.mark.parametrize(
    "dsn",
    [
        "postgresql://app:pa/ss@db.internal:5432/orders",
        "postgresql://app:pa#ss@db.internal/orders",
        "host=db.internal password='unterminated",
        "this is not a dsn",
    ],
)
def test_malformed_dsn_is_named_malformed_without_its_password(dsn: str) -> None:
    with pytest.raises(UserError) as err:
        load_config(None, {"postgres.dsn": dsn}, environ={})
    assert "malformed DSN" in str(err.value)
    assert "pa/ss" not in str(err.value) and "pa#ss" not in str(err.value)
    assert "unterminated" not in str(err.value)


def test_keyword_dsn_is_accepted() -> None:
    config = load_config(None, {"postgres.dsn": "host=db user=app password='a b'"}, environ={})
    assert config.postgres_configured


def test_the_cluster_label_is_a_label_name(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[prometheus]\ncluster_label = "region"\ncluster = "eu\\"west"\n')
    cfg = load_config(path, environ={})
    assert (cfg.prometheus.cluster_label, cfg.prometheus.cluster) == ("region", 'eu"west')
    path.write_text('[prometheus]\ncluster_label = "not a label"\n')
    with pytest.raises(UserError, match=r"bad value for 'prometheus\.cluster_label'"):
        load_config(path, environ={})
