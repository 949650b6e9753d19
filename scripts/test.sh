#!/usr/bin/env bash
# Everything the tests need on a fresh machine, then every check: the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."

# Prometheus, VictoriaMetrics and Alertmanager for the metrics and alerts integration tests,
# PgBouncer and its exporter for the pool tests, and tmux for the end-to-end run of the real
# binary (Debian's packages; root on CI machines). pgbouncer lives in /usr/sbin.
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null \
    || ! command -v prometheus-alertmanager >/dev/null || ! command -v tmux >/dev/null \
    || ! command -v victoria-metrics >/dev/null \
    || ! PATH="$PATH:/usr/sbin" command -v pgbouncer >/dev/null \
    || ! command -v prometheus-pgbouncer-exporter >/dev/null \
    || ! PATH="$PATH:/usr/sbin" command -v dockerd >/dev/null \
    || ! [ -x /bin/busybox ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            prometheus prometheus-pgbouncer-exporter pgbouncer prometheus-alertmanager tmux \
            docker.io busybox-static victoria-metrics \
            >/dev/null
    else
        echo "note: prometheus, victoria-metrics, alertmanager, pgbouncer, dockerd, busybox or tmux" \
            "missing and not root:" \
            "those tests skip" >&2
    fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/lint-imports
.venv/bin/pytest "$@"
