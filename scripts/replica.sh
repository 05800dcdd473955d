#!/usr/bin/env bash
# A PostgreSQL streaming replica of the local primary, for the read-replica tests and the
# season benchmark (docs/deployment.md, "Reads on a replica"). Idempotent: run it again and
# it only does what is missing.
#
#   scripts/replica.sh [start]   make the primary accept replication from 127.0.0.1 (a pg_hba
#                                line, a reload; wal_level/max_wal_senders only when too low,
#                                then a restart), then a second cluster on 127.0.0.1:5433
#                                made with `pg_basebackup -R -X stream`, started, streaming
#   scripts/replica.sh status    prints "streaming" (exit 0) or what is wrong (exit 1)
#   scripts/replica.sh stop      stops the replica
#   scripts/replica.sh remove    stops it and deletes its data folder
#
# Environment: PRIMARY_PORT (5432), REPLICA_PORT (5433), REPLICA_DIR (default
# /var/lib/postgresql/<version>/citykpi-replica), PG_VERSION (the one in /etc/postgresql).
# Server processes run as the postgres user (runuser when this script runs as root).
# The replica uses no replication slot, so a stopped replica never makes the primary keep
# WAL; if it falls too far behind to catch up, `start` rebuilds it.
set -euo pipefail

PG_VERSION=${PG_VERSION:-$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)}
BIN=/usr/lib/postgresql/$PG_VERSION/bin
PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
REPLICA_DIR=${REPLICA_DIR:-/var/lib/postgresql/$PG_VERSION/citykpi-replica}
LOG=${REPLICA_LOG:-$(dirname "$REPLICA_DIR")/citykpi-replica.log}

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}
primary_sql() { psql -X -q -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -Atc "$1"; }
replica_sql() { psql -X -q -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -Atc "$1" 2>/dev/null; }
running() { [ -f "$REPLICA_DIR/PG_VERSION" ] && as_postgres "$BIN/pg_ctl" -D "$REPLICA_DIR" status >/dev/null 2>&1; }
streaming() {
  [ "$(replica_sql "SELECT pg_is_in_recovery()")" = t ] &&
    [ "$(replica_sql "SELECT status FROM pg_stat_wal_receiver")" = streaming ]
}

prepare_primary() {
  pg_isready -q -h 127.0.0.1 -p "$PRIMARY_PORT" || { echo "the primary on 127.0.0.1:$PRIMARY_PORT is not up" >&2; exit 1; }
  local restart=0
  if [ "$(primary_sql "SHOW wal_level")" = minimal ]; then
    primary_sql "ALTER SYSTEM SET wal_level = replica"; restart=1
  fi
  if [ "$(primary_sql "SHOW max_wal_senders")" -lt 2 ]; then
    primary_sql "ALTER SYSTEM SET max_wal_senders = 10"; restart=1
  fi
  # `all` in pg_hba's database column does not cover replication connections.
  local rules
  rules=$(primary_sql "SELECT count(*) FROM pg_hba_file_rules WHERE type = 'host' AND 'replication' = ANY(database) AND address = '127.0.0.1'")
  if [ "$rules" = 0 ]; then
    local hba
    hba=$(primary_sql "SHOW hba_file")
    printf '%s\n' "# citykpi scripts/replica.sh: the local streaming replica" \
      "host replication postgres 127.0.0.1/32 trust" >>"$hba"
    primary_sql "SELECT pg_reload_conf()" >/dev/null
  fi
  if [ "$restart" = 1 ]; then
    echo "restarting the primary for wal_level / max_wal_senders"
    local data
    data=$(primary_sql "SHOW data_directory")
    if command -v pg_ctlcluster >/dev/null && [ -d "/etc/postgresql/$PG_VERSION/main" ]; then
      pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main restart
    else
      as_postgres "$BIN/pg_ctl" -D "$data" -w restart
    fi
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$PRIMARY_PORT" && break; sleep 1; done
  fi
}

build() {
  echo "building the replica in $REPLICA_DIR (pg_basebackup from 127.0.0.1:$PRIMARY_PORT)"
  rm -rf "$REPLICA_DIR"
  mkdir -p "$(dirname "$REPLICA_DIR")"
  install -d -o postgres -g postgres -m 700 "$REPLICA_DIR"
  as_postgres "$BIN/pg_basebackup" -D "$REPLICA_DIR" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres \
    -R -X stream -c fast
  # Debian keeps a cluster's configuration in /etc, so the copy has none: the replica's own,
  # with the settings a hot standby must not set below the primary's.
  local settings="" name
  for name in max_connections max_worker_processes max_wal_senders max_prepared_transactions max_locks_per_transaction; do
    settings+="$name = $(primary_sql "SHOW $name")"$'\n'
  done
  as_postgres tee "$REPLICA_DIR/postgresql.conf" >/dev/null <<EOF
# citykpi scripts/replica.sh: a hot standby of 127.0.0.1:$PRIMARY_PORT (primary_conninfo is in postgresql.auto.conf)
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/var/run/postgresql'
hot_standby = on
hot_standby_feedback = on
shared_buffers = 128MB
$settings
EOF
  as_postgres tee "$REPLICA_DIR/pg_hba.conf" >/dev/null <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
  touch "$LOG" && chown postgres:postgres "$LOG" 2>/dev/null || true
}

start_replica() {
  running || as_postgres "$BIN/pg_ctl" -D "$REPLICA_DIR" -l "$LOG" -w -t 60 start >/dev/null
  for _ in $(seq 1 30); do streaming && return 0; sleep 1; done
  return 1
}

case "${1:-start}" in
  start)
    prepare_primary
    [ -f "$REPLICA_DIR/standby.signal" ] || build
    if ! start_replica; then
      echo "the replica does not stream (see $LOG): building it again" >&2
      running && as_postgres "$BIN/pg_ctl" -D "$REPLICA_DIR" -m fast -w stop >/dev/null
      build
      start_replica || { echo "the replica does not stream; see $LOG" >&2; exit 1; }
    fi
    replica_sql "SELECT pg_wal_replay_resume()" >/dev/null # in case a killed test left replay paused
    echo "replica streaming on 127.0.0.1:$REPLICA_PORT ($REPLICA_DIR)"
    ;;
  status)
    if streaming; then echo streaming; exit 0; fi
    if running; then echo "running, not streaming (see $LOG)"; else echo "not running"; fi
    exit 1
    ;;
  stop)
    if running; then as_postgres "$BIN/pg_ctl" -D "$REPLICA_DIR" -m fast -w stop >/dev/null; fi
    echo "replica stopped"
    ;;
  remove)
    if running; then as_postgres "$BIN/pg_ctl" -D "$REPLICA_DIR" -m fast -w stop >/dev/null; fi
    rm -rf "$REPLICA_DIR"
    echo "replica removed"
    ;;
  *)
    echo "usage: $0 [start|status|stop|remove]" >&2
    exit 2
    ;;
esac
