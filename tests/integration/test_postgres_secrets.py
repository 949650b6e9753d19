"""DSN passwords never reach an error, a `where` or an audit target, in any DSN form, and a
malformed DSN is called malformed. Against a real PostgreSQL."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from oc_console.config import PostgresConfig
from oc_console.errors import SourceError
from oc_console.sandbox import openclaw_db as schema
from oc_console.sandbox.database import SandboxDatabase
from oc_console.sources.postgres import PostgresSource

pytestmark = pytest.mark.integration
SECRET = "s3cr/t#pw"


def keyword_dsn(db: SandboxDatabase, password: str) -> str:
    parts = urlsplit(db.dsn)
    quoted = password.replace("'", "\\'")
    return (
        f"host={parts.hostname} port={parts.port} dbname={schema.DATABASE} "
        f"user={schema.MONITOR_ROLE} password='{quoted}'"
    )


async def fetch_error(dsn: str) -> tuple[str, str]:
    # constructed unvalidated: the source must hold even if a DSN got past the config
    src = PostgresSource(PostgresConfig.model_construct(dsn=dsn))
    try:
        with pytest.raises(SourceError) as err:
            await src.fetch()
    finally:
        await src.close()
    return str(err.value), src.where


async def test_keyword_dsn_connects(sandbox_db: SandboxDatabase) -> None:
    src = PostgresSource(PostgresConfig(dsn=keyword_dsn(sandbox_db, schema.MONITOR_PASSWORD)))
    try:
        snap = await src.fetch()
    finally:
        await src.close()
    assert snap.max_connections > 0
    assert schema.MONITOR_PASSWORD not in src.where
    assert "password=***" in src.where


async def test_wrong_keyword_password_is_redacted(sandbox_db: SandboxDatabase) -> None:
    error, where = await fetch_error(keyword_dsn(sandbox_db, SECRET + " x'y"))
    assert "authentication failed" in error
    for text in (error, where):
        assert "s3cr" not in text and "x'y" not in text


@pytest.mark.parametrize("password", ["pa/ss", "pa#ss", "p@ss/w"])
async def test_unencoded_url_password_is_malformed_and_redacted(
    sandbox_db: SandboxDatabase, password: str
) -> None:
    parts = urlsplit(sandbox_db.dsn)
    dsn = f"postgresql://{schema.MONITOR_ROLE}:{password}@{parts.hostname}:{parts.port}/x"
    error, where = await fetch_error(dsn)
    if "@" not in password:  # with an '@' the URL parses, to a host that does not exist
        assert "malformed DSN" in error
    assert "connection lost" not in error
    for text in (error, where):
        assert password not in text and "'pa'" not in text and "ss" not in text.split("@")[0]
