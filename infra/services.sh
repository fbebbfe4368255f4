#!/usr/bin/env bash
# All backing services at once: PostgreSQL+PostGIS, Neo4j, Keycloak.
# usage: infra/services.sh start|stop|status
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
here="$CITYCODE_ROOT/infra"
mkdir -p "$CITYCODE_DATA/logs"

case "${1:-}" in
  start)
    # Started side by side: Keycloak and Neo4j each spend most of their start-up in their own JVM.
    pids=()
    bash "$here/postgres.sh" start & pids+=($!)
    bash "$here/neo4j.sh" start & pids+=($!)
    bash "$here/keycloak.sh" start & pids+=($!)
    failed=0
    for p in "${pids[@]}"; do wait "$p" || failed=1; done
    ((failed == 0)) || die "a service failed to start (logs in $CITYCODE_DATA/logs)"
    ;;
  stop)
    bash "$here/keycloak.sh" stop || true
    bash "$here/neo4j.sh" stop || true
    # City-scale instances (infra/city.sh) that are running stop too.
    for pid_file in "$CITYCODE_DATA"/neo4j-*.pid; do
      [ -f "$pid_file" ] || continue
      NEO4J_INSTANCE="$(basename "$pid_file" .pid)" bash "$here/neo4j.sh" stop || true
    done
    bash "$here/postgres.sh" stop || true
    ;;
  status)
    rc=0
    bash "$here/postgres.sh" status || rc=1
    bash "$here/neo4j.sh" status || rc=1
    bash "$here/keycloak.sh" status || rc=1
    exit $rc
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
