#!/usr/bin/env bash
# The city-scale stores (docs/city-scale.md): a second Neo4j instance ("neo4j-city", Bolt 7688)
# and a second PostgreSQL database ("citycode_city") beside the demo city's, so a Shenzhen-size
# load never touches what `npm start` and `npm test` use.
#   infra/city.sh load --scale S [--fresh] [--until STAGE]   generate, import, migrate, COPY, verify
#   infra/city.sh serve [API args]                           the API on :4100 over the city stores
#   infra/city.sh env                                        the environment that points at them
#   infra/city.sh start|stop|status                          the city Neo4j instance
#   infra/city.sh drop                                       removes the city stores and files
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CITYCODE_ROOT"

# CITY_INSTANCE names another set of city stores (the tests use their own, so a Shenzhen-size load
# on a developer's machine survives `npm test`).
export NEO4J_INSTANCE="${CITY_INSTANCE:-neo4j-city}"
export NEO4J_BOLT_PORT="${CITY_NEO4J_BOLT_PORT:-7688}"
export NEO4J_URI="neo4j://127.0.0.1:$NEO4J_BOLT_PORT"
export PG_DATABASE="${CITY_PG_DATABASE:-citycode_city}"
# Memory for the 24 GB machine (docs/city-scale.md, "Memory"): the page cache holds the hot part of
# the store; the demo instance (2 GB heap), PostgreSQL, Keycloak and the API share the rest.
export NEO4J_HEAP="${CITY_NEO4J_HEAP:-4g}"
export NEO4J_PAGECACHE_MB="${CITY_NEO4J_PAGECACHE_MB:-8192}"
export NEO4J_IMPORT_HEAP="${CITY_IMPORT_HEAP:-4g}"
export CITY_IMPORT_OFF_HEAP="${CITY_IMPORT_OFF_HEAP:-8G}"

drop_stores() {
  bash infra/neo4j.sh stop
  log "removing the city stores ($CITYCODE_DATA/$NEO4J_INSTANCE, database $PG_DATABASE, $CITYCODE_DATA/$NEO4J_INSTANCE-files)"
  rm -rf "${CITYCODE_DATA:?}/$NEO4J_INSTANCE" "$CITYCODE_DATA/$NEO4J_INSTANCE-files" "$CITYCODE_DATA/$NEO4J_INSTANCE".load-*.json
  bash infra/postgres.sh drop-database
}

prepare() {
  ensure_node
  ensure_deps
  # CITY_SKIP_BUILD=1: dist/ is current already (the tests, which must not rewrite it mid-run).
  [ "${CITY_SKIP_BUILD:-}" = 1 ] || npm run -s build
}

cmd="${1:-}"; shift || true
case "$cmd" in
  load)
    prepare
    args=()
    for a in "$@"; do
      if [ "$a" = "--fresh" ]; then drop_stores; else args+=("$a"); fi
    done
    bash infra/postgres.sh start   # creates $PG_DATABASE with PostGIS when missing
    exec node --max-old-space-size=2048 dist/seed/scale/cli.js "${args[@]}"
    ;;
  serve)
    prepare
    bash infra/neo4j.sh start
    PORT="${CITY_PORT:-4100}" exec node dist/api/server.js "$@"
    ;;
  env) echo "NEO4J_INSTANCE=$NEO4J_INSTANCE NEO4J_BOLT_PORT=$NEO4J_BOLT_PORT NEO4J_URI=$NEO4J_URI PG_DATABASE=$PG_DATABASE" ;;
  start|stop|status) ensure_node; bash infra/neo4j.sh "$cmd" ;;
  drop) ensure_node; drop_stores ;;
  *) echo "usage: $0 load --scale S [--fresh] [--until STAGE] | serve | env | start | stop | status | drop" >&2; exit 2 ;;
esac
