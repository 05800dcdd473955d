#!/usr/bin/env bash
# Runs the whole suite on SQLite and, when PostgreSQL is reachable, again on PostgreSQL.
# REQUIRE_POSTGRES=1 makes a missing PostgreSQL run a failure (CI sets it).
set -u
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/citykpi}"
ran=()
status=0

run_suite() {
  local label="$1" url="$2"
  echo "=== citykpi test suite on ${label} ==="
  DATABASE_URL="$url" SECURE_COOKIES=0 CONN_MAX_AGE=0 "$BIN/pytest" -q "${PYTEST_ARGS[@]}"
  local rc=$?
  if [ $rc -ne 0 ]; then status=$rc; fi
  ran+=("${label} (exit ${rc})")
}

read -r -a PYTEST_ARGS <<< "${PYTEST_ARGS:-}"

run_suite "SQLite" "sqlite:///$(pwd)/var/test.sqlite3"

pg_target="${DATABASE_URL:-$PG_URL}"
if [[ "$pg_target" == postgres* ]] && "$BIN/python" - "$pg_target" <<'PY'
import sys, psycopg
url = sys.argv[1]
try:
    psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable: {exc}")
    sys.exit(1)
PY
then
  run_suite "PostgreSQL" "$pg_target"
else
  if [ "${REQUIRE_POSTGRES:-0}" = "1" ]; then
    echo "PostgreSQL is required (REQUIRE_POSTGRES=1) but is not reachable" >&2
    status=1
  fi
fi

echo "=== databases that ran: ${ran[*]} ==="
exit $status
