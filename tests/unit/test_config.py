from __future__ import annotations

from pathlib import Path

import pytest

from oc_console.config import load_config
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
    assert not load_config(environ={}).postgres_configured
    monkeypatch.setenv("PGHOST", "db.internal")
    assert load_config(environ={}).postgres_configured
