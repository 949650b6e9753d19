"""The OpenClaw schema and seed data of the sandbox database (DESIGN.md section 3)."""

from __future__ import annotations

PLATFORMS = ("amazon", "shopee", "tiktok", "lazada", "coupang", "walmart", "shopify")
DATABASE = "openclaw"
MONITOR_ROLE = "oc_monitor"  # pg_monitor, no superuser: what the console connects as
MONITOR_PASSWORD = "monitor"
PLAIN_ROLE = "oc_plain"  # no pg_monitor: sees only its own sessions in full
PLAIN_PASSWORD = "plain"
ADAPTER_ROLE = "openclaw_adapter"
ADAPTER_PASSWORD = "adapter"
STUCK_ORDER = "114-3941689-8772232"  # the order a seller says never synced
# How long ago its webhook came: its trace and log lines are made for the same moment
# (kube.sandbox and traces.server place them `6 * 60` s before their start).
ORDER_AGE_SECONDS = 6 * 60

ROLES = f"""
CREATE ROLE {MONITOR_ROLE} LOGIN PASSWORD '{MONITOR_PASSWORD}' IN ROLE pg_monitor;
-- the on-call role may end leaked sessions (the pool runbook's terminate step)
GRANT pg_signal_backend TO {MONITOR_ROLE};
CREATE ROLE {PLAIN_ROLE} LOGIN PASSWORD '{PLAIN_PASSWORD}';
CREATE ROLE {ADAPTER_ROLE} LOGIN PASSWORD '{ADAPTER_PASSWORD}';
CREATE DATABASE {DATABASE} OWNER {ADAPTER_ROLE};
"""

_platforms = ", ".join(f"'{p}'" for p in PLATFORMS)

SCHEMA = f"""
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
SET ROLE {ADAPTER_ROLE};
CREATE TABLE orders (
    order_id   text PRIMARY KEY,
    platform   text NOT NULL,
    shop_id    text NOT NULL,
    status     text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE order_events (
    event_id     text PRIMARY KEY,
    order_id     text NOT NULL REFERENCES orders(order_id),
    platform     text NOT NULL,
    event_type   text NOT NULL,
    status       text NOT NULL,
    attempts     int  NOT NULL DEFAULT 1,
    last_error   text,
    trace_id     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz
);
CREATE INDEX order_events_order_id ON order_events(order_id);

INSERT INTO orders
SELECT format('%s-%s-%s', 100 + i % 900, lpad((i * 7919 % 10000000)::text, 7, '0'),
              lpad((i * 104729 % 10000000)::text, 7, '0')),
       (ARRAY[{_platforms}])[1 + i % 7],
       'shop_' || (1000 + i % 40),
       (ARRAY['synced','synced','synced','synced','pending','failed'])[1 + i % 6],
       now() - make_interval(mins => i % 1440)
FROM generate_series(1, 3000) AS i;

INSERT INTO order_events
SELECT 'evt_' || o.n || '_' || k, o.order_id, o.platform,
       (ARRAY['order.created','order.updated','inventory.adjusted'])[k],
       CASE WHEN o.status = 'failed' AND k = 3 THEN 'failed' ELSE 'processed' END,
       CASE WHEN o.status = 'failed' AND k = 3 THEN 5 ELSE 1 END,
       CASE WHEN o.status = 'failed' AND k = 3 THEN 'platform API returned 429' END,
       md5(o.order_id || k),
       o.updated_at - make_interval(secs => 30 * (4 - k)),
       CASE WHEN o.status = 'failed' AND k = 3 THEN NULL ELSE o.updated_at END
FROM (SELECT order_id, platform, status, updated_at,
             row_number() OVER (ORDER BY order_id) AS n FROM orders) o,
     generate_series(1, 3) AS k;

-- In the window of its trace and log lines (the webhook came ORDER_AGE_SECONDS ago): created
-- with the webhook, the update a second later, the row parked when the last attempt ended.
INSERT INTO orders
VALUES ('{STUCK_ORDER}', 'amazon', 'shop_1042', 'failed',
        now() - make_interval(secs => {ORDER_AGE_SECONDS} - 38));
INSERT INTO order_events VALUES
  ('evt_stuck_1', '{STUCK_ORDER}', 'amazon', 'order.created', 'processed', 1, NULL,
   '4bf92f3577b34da6a3ce929d0e0e4736', now() - make_interval(secs => {ORDER_AGE_SECONDS}),
   now() - make_interval(secs => {ORDER_AGE_SECONDS} - 0.05)),
  ('evt_stuck_2', '{STUCK_ORDER}', 'amazon', 'order.updated', 'failed', 5,
   'platform API returned 429 Too Many Requests', '4bf92f3577b34da6a3ce929d0e0e4736',
   now() - make_interval(secs => {ORDER_AGE_SECONDS} - 1), NULL);
RESET ROLE;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO {MONITOR_ROLE};
ANALYZE;
"""
