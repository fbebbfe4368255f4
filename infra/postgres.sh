#!/usr/bin/env bash
# PostgreSQL 15 + PostGIS 3: a cluster of the project's own under .data/pg, on 127.0.0.1:$PG_PORT.
# usage: infra/postgres.sh start|stop|status|drop-database
#   start also creates $PG_DATABASE (with PostGIS) when it is missing; drop-database drops it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_DIR="$CITYCODE_DATA/pg"
PG_SOCK="$CITYCODE_DATA/pg-socket"
PG_LOG="$CITYCODE_DATA/logs/postgres.log"

# initdb and postgres refuse to run as root: when we are root, run them as the 'postgres' user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_packages() {
  local want=()
  [ -x "$PG_BIN/pg_ctl" ] || want+=(postgresql-15)
  [ -f /usr/share/postgresql/15/extension/postgis.control ] || want+=(postgresql-15-postgis-3)
  [ -f /usr/share/postgresql/15/extension/pg_partman.control ] || want+=(postgresql-15-partman)
  apt_install "${want[@]}"
}

psql_super() { as_pg "$PG_BIN/psql" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

init_cluster() {
  [ -f "$PG_DIR/PG_VERSION" ] && return 0
  log "creating PostgreSQL cluster in $PG_DIR"
  mkdir -p "$PG_DIR" "$PG_SOCK" "$(dirname "$PG_LOG")"
  if [ "$(id -u)" = 0 ]; then chown postgres "$PG_DIR" "$PG_SOCK"; fi
  chmod 700 "$PG_DIR"
  as_pg "$PG_BIN/initdb" -D "$PG_DIR" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  cat >>"$PG_DIR/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
shared_buffers = 256MB
max_connections = 300
fsync = ${PG_FSYNC:-on}
CONF
}

ensure_role_and_db() {
  local exists
  exists=$(psql_super -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")
  if [ "$exists" != 1 ]; then
    echo "CREATE ROLE \"$PG_USER\" LOGIN PASSWORD :'pw'" | psql_super -v pw="$PG_PASSWORD" >/dev/null
  else
    echo "ALTER ROLE \"$PG_USER\" PASSWORD :'pw'" | psql_super -v pw="$PG_PASSWORD" >/dev/null
  fi
  exists=$(psql_super -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'")
  [ "$exists" = 1 ] || psql_super -c "CREATE DATABASE \"$PG_DATABASE\" OWNER \"$PG_USER\"" >/dev/null
  # PostGIS and pg_partman (time partitions of IoT readings) are not trusted extensions, so the
  # superuser creates them once and lets the app's role run pg_partman's maintenance.
  as_pg "$PG_BIN/psql" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d "$PG_DATABASE" -v ON_ERROR_STOP=1 -qAt \
    -c "CREATE EXTENSION IF NOT EXISTS postgis" \
    -c "CREATE SCHEMA IF NOT EXISTS partman AUTHORIZATION \"$PG_USER\"" \
    -c "CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman" \
    -c "GRANT ALL ON ALL TABLES IN SCHEMA partman TO \"$PG_USER\"" \
    -c "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA partman TO \"$PG_USER\"" \
    -c "GRANT EXECUTE ON ALL PROCEDURES IN SCHEMA partman TO \"$PG_USER\"" >/dev/null
}

start() {
  install_packages
  init_cluster
  if as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" status >/dev/null 2>&1; then
    log "PostgreSQL already running on 127.0.0.1:$PG_PORT"
  else
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    mkdir -p "$PG_SOCK" "$(dirname "$PG_LOG")"
    if [ "$(id -u)" = 0 ]; then chown postgres "$PG_SOCK"; touch "$PG_LOG"; chown postgres "$PG_LOG"; fi
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" -l "$PG_LOG" -w -t 60 \
      -o "-p $PG_PORT -k $PG_SOCK" start >/dev/null || die "PostgreSQL failed to start; see $PG_LOG"
  fi
  ensure_role_and_db
}

stop() {
  if [ -f "$PG_DIR/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" status >/dev/null 2>&1; then
    log "stopping PostgreSQL"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" -m fast -w stop >/dev/null
  fi
}

status() {
  if [ -f "$PG_DIR/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" status >/dev/null 2>&1; then
    echo "postgres: up (127.0.0.1:$PG_PORT, data $PG_DIR)"
  else
    echo "postgres: down"; return 1
  fi
}

drop_database() {
  [ "$PG_DATABASE" = citycode ] && die "refusing to drop the demo city's database ($PG_DATABASE)"
  log "dropping PostgreSQL database $PG_DATABASE"
  psql_super -c "DROP DATABASE IF EXISTS \"$PG_DATABASE\" WITH (FORCE)" >/dev/null
}

case "${1:-}" in
  start) start ;;
  drop-database) drop_database ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status|drop-database" >&2; exit 2 ;;
esac
