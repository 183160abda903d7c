#!/bin/sh
# The container's entry point: `rise-mock serve` configured from the environment. Arguments given to
# `docker run IMAGE ...` are passed on to `rise-mock serve` (e.g. --validate-responses).
#
#   RISE_MOCK_API_KEY     the bearer key the mock accepts (required: a container is reachable by others)
#   RISE_MOCK_ADMIN_KEY   the key of the control API (/__mock/), passed as --admin-key only when set
#   RISE_MOCK_HOST        address to listen on (default 0.0.0.0)
#   RISE_MOCK_PORT        port to listen on (default 8080)
#   RISE_MOCK_BASE_URL    what absolute URLs in bodies start with, e.g. http://rise-mock:8080
#   RISE_MOCK_SEED        a seed file (YAML) mounted into the container
#   RISE_MOCK_DB          a SQLite file, on a volume, to keep the tenant across restarts
#   RISE_MOCK_WORKERS     worker processes (more than one needs RISE_MOCK_DB)
#   RISE_MOCK_REPORT_LAG  seconds a write takes to reach the reports
set -eu

if [ -z "${RISE_MOCK_API_KEY:-}" ]; then
    echo "rise-mock: set RISE_MOCK_API_KEY to the bearer key the mock should accept," \
        "e.g. docker run -e RISE_MOCK_API_KEY=... (the container is reachable from outside it)." >&2
    exit 2
fi

# Optional settings become options only when set, so that an option the installed rise-mock does not
# know is never passed without being asked for.
if [ -n "${RISE_MOCK_REPORT_LAG:-}" ]; then set -- --report-lag "$RISE_MOCK_REPORT_LAG" "$@"; fi
if [ -n "${RISE_MOCK_WORKERS:-}" ]; then set -- --workers "$RISE_MOCK_WORKERS" "$@"; fi
if [ -n "${RISE_MOCK_DB:-}" ]; then set -- --db "$RISE_MOCK_DB" "$@"; fi
if [ -n "${RISE_MOCK_SEED:-}" ]; then set -- --seed "$RISE_MOCK_SEED" "$@"; fi
if [ -n "${RISE_MOCK_BASE_URL:-}" ]; then set -- --base-url "$RISE_MOCK_BASE_URL" "$@"; fi
if [ -n "${RISE_MOCK_ADMIN_KEY:-}" ]; then set -- --admin-key "$RISE_MOCK_ADMIN_KEY" "$@"; fi

# exec: rise-mock is the process `docker stop` signals, and it stops cleanly on SIGTERM.
exec rise-mock serve --host "${RISE_MOCK_HOST:-0.0.0.0}" --port "${RISE_MOCK_PORT:-8080}" \
    --api-key "$RISE_MOCK_API_KEY" "$@"
