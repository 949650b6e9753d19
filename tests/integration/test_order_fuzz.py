"""Fuzzing the order ID through the lookup, with a pattern that lets anything through: the ID
reaches PostgreSQL only as a bound parameter and the trace backends only as an escaped TraceQL
literal or a JSON value. Checked on what the servers received, and by the database answering
"no such order" (a spliced `' OR '1'='1` would have found rows)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oc_console.config_loading import load_config
from oc_console.domain.orders import OrderTimeline
from oc_console.sandbox.database import SandboxDatabase
from oc_console.sandbox.traces import TraceSandbox
from oc_console.services.console import Console

pytestmark = pytest.mark.integration
TRACEQL = re.compile(r'\{ span\.order_id = ("(?:[^"\\]|\\.)*") \}', re.DOTALL)
METACHARACTERS = "'\"{}[]()\\=~!|&;$`%*?,.:/#-+<>\n\t"
# PostgreSQL text cannot hold NUL, and lone surrogates are not text at all
CHARS = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
IDS = st.one_of(
    st.text(alphabet=CHARS, min_size=1, max_size=200),
    st.text(alphabet=METACHARACTERS, min_size=1, max_size=60),
    st.sampled_from(
        [
            "x' OR '1'='1",
            "1; DROP TABLE orders; --",
            '" } || { span.order_id =~ ".*',
            '{job=~".+"} or vector(1)',
            "\\u0022",
            "\uff4f\uff52\uff44\uff45\uff52\u202e",  # fullwidth letters, a bidi override
        ]
    ),
    st.integers(1, 10_240).map(lambda n: "k" * n),
)


@pytest.fixture(scope="module")
def traces() -> Iterator[TraceSandbox]:
    server = TraceSandbox().start()
    yield server
    server.stop()


def lookup(console: Console, order_id: str) -> OrderTimeline:
    async def run() -> OrderTimeline:
        try:
            return await console.lookup_order(order_id)
        finally:
            await console.close()

    return asyncio.run(run())


def console_for(db: SandboxDatabase, traces: TraceSandbox, kind: str) -> Console:
    config = load_config(
        None,
        {
            "postgres.dsn": db.dsn,
            "traces.url": traces.url,
            "traces.kind": kind,
            "orders.id_pattern": r"(?s).+",
            "orders.id_max_length": 20_000,
        },
    )
    return Console(config)


@pytest.mark.parametrize("kind", ["tempo", "jaeger"])
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(order_id=IDS)
def test_any_id_reaches_the_backends_only_escaped(
    sandbox_db: SandboxDatabase, traces: TraceSandbox, kind: str, order_id: str
) -> None:
    traces.received.clear()
    timeline = lookup(console_for(sandbox_db, traces, kind), order_id)
    postgres, trace_part = timeline.part("postgres"), timeline.part("traces")
    assert postgres is not None and postgres.ok, postgres
    assert trace_part is not None and trace_part.ok, trace_part
    assert timeline.order is None and timeline.events == () and timeline.traces == ()
    searches = [q for path, q in traces.received if path in ("/api/search", "/api/v3/traces")]
    assert len(searches) == 1
    query = searches[0]
    if kind == "tempo":
        match = TRACEQL.fullmatch(query["q"])
        assert match is not None, query["q"]
        assert json.loads(match.group(1)) == order_id
    else:
        assert json.loads(query["query.attributes"]) == {"order_id": order_id}
