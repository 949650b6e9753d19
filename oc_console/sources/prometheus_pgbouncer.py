"""The catalog's `pgbouncer` answer -> BouncerPool rows, from either exporter's names.

- prometheus-community/pgbouncer_exporter: `pgbouncer_pools_*{database,user}` (every client
  and server count, the oldest wait) and `pgbouncer_databases_*{name}` (pool_size and the
  server connections open for the database);
- Debian's prometheus-pgbouncer-exporter: `pgbouncer_active_clients` and
  `pgbouncer_waiting_clients{database,user}`, `pgbouncer_pool_size{database}`, and one
  `pgbouncer_used_servers` for the whole PgBouncer, which is the database's own only when
  it serves a single database.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace
from typing import Any

from oc_console.domain.database import BouncerPool

Series = dict[str, Any]
_ADMIN_DB = "pgbouncer"  # the admin console's pseudo-database: no servers, no pool to judge

# metric name -> BouncerPool field, for the per-pool gauges
_POOL_FIELDS = {
    "pgbouncer_pools_client_active_connections": "client_active",
    "pgbouncer_pools_client_waiting_connections": "client_waiting",
    "pgbouncer_pools_server_active_connections": "server_active",
    "pgbouncer_pools_server_idle_connections": "server_idle",
    "pgbouncer_pools_server_used_connections": "server_used",
    "pgbouncer_pools_client_maxwait_seconds": "max_wait_s",
    "pgbouncer_active_clients": "client_active",
    "pgbouncer_waiting_clients": "client_waiting",
}
# metric name -> (BouncerPool field, the label naming the database), per database
_DATABASE_FIELDS = {
    "pgbouncer_databases_pool_size": ("pool_size", "name"),
    "pgbouncer_databases_current_connections": ("servers", "name"),
    "pgbouncer_pool_size": ("pool_size", "database"),
}
_WHOLE_BOUNCER = "pgbouncer_used_servers"


def _value(series: Series) -> float | None:
    value = float(series["value"][1])
    return None if math.isnan(value) else value


def bouncer_pools(result: list[Series]) -> tuple[BouncerPool, ...]:
    pools: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(dict)
    per_db: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    whole: dict[str, float] = {}
    for series in result:
        m, value = series["metric"], _value(series)
        name, instance = m.get("__name__", ""), m.get("instance", "")
        if value is None:
            continue
        if name in _POOL_FIELDS and m.get("database") != _ADMIN_DB:
            key = (instance, m.get("database", ""), m.get("user", ""))
            field = _POOL_FIELDS[name]
            pools[key][field] = value if field == "max_wait_s" else int(value)
        elif name in _DATABASE_FIELDS:
            field, label = _DATABASE_FIELDS[name]
            per_db[(instance, m.get(label, ""))][field] = int(value)
        elif name == _WHOLE_BOUNCER:
            whole[instance] = value
    databases: dict[str, set[str]] = defaultdict(set)
    for instance, database, _ in pools:
        databases[instance].add(database)
    rows = []
    for (instance, database, user), fields in sorted(pools.items()):
        row = BouncerPool(
            instance, database, user, **fields, **per_db.get((instance, database), {})
        )
        # the whole PgBouncer's server count is this database's when it serves no other
        if row.servers is None and instance in whole and len(databases[instance]) == 1:
            row = replace(row, servers=int(whole[instance]))
        rows.append(row)
    return tuple(rows)
