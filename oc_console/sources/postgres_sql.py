"""The SQL the console runs against PostgreSQL. One aggregated probe per refresh.

pg_stat_activity is read once (a materialized CTE); pg_blocking_pids() runs only for sessions
waiting on a lock, so the probe stays cheap at a thousand connections. Everything here works
for a role with pg_monitor and no superuser.
"""

IDLE_IN_TRANSACTION_ROWS = 200
QUERY_CHARS = 300

PROBE = f"""
WITH a AS MATERIALIZED (
    SELECT pid, datid, usename, datname, application_name, host(client_addr) AS client_addr,
           state, wait_event_type, wait_event, backend_type,
           -- every age at the same instant (the probe's start, as pg_activity reads them): a
           -- per-row clock would make two rows' gap jitter between probes, and ties flip.
           -- Each age is now() minus the instant read beside it, which stays put while the
           -- session does nothing (a transaction begun after the probe's counts from now()).
           extract(epoch FROM now() - xs)::float8 AS xact_age,
           extract(epoch FROM now() - sc)::float8 AS state_age,
           extract(epoch FROM xs)::float8 AS xact_start,
           extract(epoch FROM sc)::float8 AS state_change,
           left(query, {QUERY_CHARS}) AS query
    FROM (SELECT *, CASE WHEN xact_start > now() THEN now() ELSE xact_start END AS xs,
                    CASE WHEN state_change > now() THEN now() ELSE state_change END AS sc
          FROM pg_stat_activity) p
), c AS MATERIALIZED (
    -- without pg_read_all_stats, other users' sessions show no backend_type and no state:
    -- count those connected to a database as hidden client sessions
    SELECT * FROM a
    WHERE backend_type = 'client backend' OR (backend_type IS NULL AND datid IS NOT NULL)
), b AS MATERIALIZED (
    SELECT pid, pg_blocking_pids(pid) AS blocked_by FROM c WHERE wait_event_type = 'Lock'
)
SELECT json_build_object(
    'version', current_setting('server_version'),
    'max_connections', current_setting('max_connections')::int,
    'reserved', current_setting('superuser_reserved_connections')::int
                + coalesce(current_setting('reserved_connections', true)::int, 0),
    'role', current_user,
    'can_see_all', pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'),
    'states', (SELECT json_agg(json_build_array(s, n) ORDER BY n DESC, s) FROM (
        SELECT coalesce(state, 'hidden') AS s, count(*) AS n FROM c GROUP BY 1) x),
    'apps', (SELECT json_agg(json_build_array(app, n) ORDER BY n DESC, app) FROM (
        SELECT application_name AS app, count(*) AS n FROM c GROUP BY 1) x),
    'clients', (SELECT json_agg(json_build_array(app, addr, n) ORDER BY n DESC, app, addr)
                FROM (SELECT application_name AS app, client_addr AS addr, count(*) AS n
                      FROM c GROUP BY 1, 2) x),
    'hidden', (SELECT count(*) FROM c WHERE backend_type IS NULL),
    'oldest', (SELECT json_build_array(pid, xact_age) FROM c
               WHERE xact_age IS NOT NULL AND pid <> pg_backend_pid()
               ORDER BY xact_age DESC LIMIT 1),
    'iit_count', (SELECT count(*) FROM c WHERE state LIKE 'idle in transaction%'),
    'iit', (SELECT json_agg(row_to_json(x)) FROM (
        SELECT * FROM c WHERE state LIKE 'idle in transaction%'
        ORDER BY xact_age DESC NULLS LAST, pid LIMIT {IDLE_IN_TRANSACTION_ROWS}) x),
    'blocked', (SELECT json_agg(json_build_object('s', row_to_json(c), 'by', b.blocked_by))
                FROM b JOIN c USING (pid)),
    'blockers', (SELECT json_agg(row_to_json(c)) FROM c
                 WHERE pid IN (SELECT unnest(blocked_by) FROM b))
)::text
"""

HAS_STATEMENTS = "SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'"

STATEMENTS = f"""
SELECT queryid, left(query, {QUERY_CHARS}) AS query, calls,
       total_exec_time AS total_ms, mean_exec_time AS mean_ms, rows
FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY total_exec_time DESC
LIMIT 10
"""
