#!/usr/bin/env bash
# The entry point behind `npm start` and `npm test`: everything a fresh clone needs.
#   infra/run.sh start            Node 24, npm deps, services, build, migrations, demo seed, API on :4000
#   infra/run.sh start --federation   the same, then the city subgraph (:4000), the 福田 subgraph
#                                 (:4401) and the federation gateway (:4400) (docs/federation.md)
#   infra/run.sh test             the same set-up, then lint, type-check and every jest test
#   infra/run.sh services CMD     start|stop|status of PostgreSQL, Neo4j and Keycloak
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CITYCODE_ROOT"

# Checks that need no service: lint, type-check, import directions, derived artefacts current.
# (The TypeScript of the server and the tests was type-checked by prepare's compile; here the
# console's Vue code is.)
checks() {
  log "lint, type-check of the console, import directions (docs/architecture.md), derived artefacts current"
  npm run -s lint
  npx vue-tsc --noEmit -p console/tsconfig.json
  npm run -s arch
  node dist/tools/generate.js --check
}

# Node, npm dependencies, services, build, migrations; `prepare checks` also starts checks() in
# the background (wait_checks waits for them). The services start (downloads, JVM start-up) while
# the code is installed and compiled, and the checks run while the stores are migrated and seeded:
# neither needs the other, and on a fresh machine each takes minutes.
checks_pid=""
prepare() {
  ensure_node
  log "node $(node --version)"
  bash infra/services.sh start &
  local services=$!
  ensure_deps
  # The console (vite) is built beside tsc: each keeps about one core busy.
  ensure_console &
  local console=$!
  if [ "${1:-}" = checks ]; then
    # One compile that also type-checks the tests (tsconfig.json includes test/; its output under
    # dist/test is not used), instead of a build and a second type-check of the same files.
    log "compiling and type-checking TypeScript, tests included"
    npx tsc -p tsconfig.json
  else
    log "compiling TypeScript"
    npm run -s build
  fi
  wait "$console" || die "the console did not build (above)"
  if [ "${1:-}" = checks ]; then
    checks &
    checks_pid=$!
  fi
  wait "$services" || die "the services did not start (logs in $CITYCODE_DATA/logs)"
  node dist/store/migrate.js
  # The district subgraphs served in development (福田, 罗湖, 南山) own their schemas and migrations.
  node dist/districts/futian/migrate.js --served
  # 交通运输局's parking subgraph (the N of 1+11+N) owns its schema (jtj).
  node dist/districts/jtj/server.js migrate
}

wait_checks() {
  [ -z "$checks_pid" ] || wait "$checks_pid" || die "lint, type-check, import directions or derived artefacts failed (above)"
}

seed() {
  node dist/seed/cli.js --scale "${CITYCODE_SEED_SCALE:-demo}"
  node dist/districts/futian/seed.js --served
  node dist/districts/jtj/server.js seed
}

cmd="${1:-}"; shift || true
case "$cmd" in
  start)
    prepare
    seed
    if [ "${1:-}" = "--federation" ]; then
      shift
      log "starting the federation: gateway http://127.0.0.1:${GATEWAY_PORT:-4400}/graphql, city subgraph :${PORT:-4000}, district subgraphs 福田 :4401 罗湖 :4402 南山 :4403, 交通运输局 :4421 (Ctrl-C stops them)"
      exec node dist/tools/federation.js "$@"
    fi
    if curl -fsS "http://${HOST:-127.0.0.1}:${PORT:-4000}/healthz" 2>/dev/null | grep -q '"status":"ok"'; then
      log "the citycode API is already serving on http://${HOST:-127.0.0.1}:${PORT:-4000}/graphql; nothing more to start"
      exit 0
    fi
    log "serving GraphQL on http://127.0.0.1:${PORT:-4000}/graphql (Ctrl-C stops the API; 'npm run services:stop' stops the services)"
    exec node dist/api/server.js "$@"
    ;;
  test)
    ensure_chromium
    prepare checks
    seed
    wait_checks
    jest_run() { LOG_LEVEL="${LOG_LEVEL:-fatal}" npx jest --ci --json "$@"; }
    rm -f "$CITYCODE_DATA"/jest-*.json
    rc=0
    if [ "$#" -gt 0 ]; then
      log "jest $*"
      jest_run --outputFile="$CITYCODE_DATA/jest-results.json" "$@" || rc=$?
    else
      # Three streams on a 2-core machine (docs/benchmarks.md, "the CI budget"):
      #  - beside the rest: the unit tests (pure logic) and the city-scale load, which has its own
      #    Neo4j instance and PostgreSQL database and so shares no data with any other test;
      #  - the integration tests, one file at a time (they share the seeded city);
      #  - then the permission properties (150 fast-check runs against the live API, near their
      #    time-out when the CPU is shared with the city-scale load) beside the hostile input;
      #    then the browser tests alone (the first page is timed); then the fault tests, which
      #    stop and start the shared services, alone and in band.
      log "jest: unit tests and the city-scale load, beside the integration tests (output: .data/jest-beside.log)"
      jest_run --outputFile="$CITYCODE_DATA/jest-beside.json" --selectProjects unit integration -- test/unit/ test/integration/city-scale \
        > "$CITYCODE_DATA/jest-beside.log" 2>&1 &
      beside=$!
      log "jest: integration tests"
      jest_run --outputFile="$CITYCODE_DATA/jest-results.json" --selectProjects integration --testPathIgnorePatterns test/integration/city-scale test/integration/permission-properties || rc=$?
      wait "$beside" || rc=$?
      log "jest: unit tests and the city-scale load (run beside the integration tests)"
      cat "$CITYCODE_DATA/jest-beside.log" >&2
      # The permission properties and the hostile input only read what they compare (hostile
      # input's "no data changed" leaves the audit tables out, and the properties write nothing
      # else): they run side by side; then the browser tests, alone, as their pages are timed.
      log "jest: permission properties beside hostile input"
      CITYCODE_FAULTS=1 jest_run --outputFile="$CITYCODE_DATA/jest-alone.json" --selectProjects integration faults --maxWorkers=2 -- test/integration/permission-properties test/faults/hostile-input || rc=$?
      log "jest: browser tests, alone"
      jest_run --outputFile="$CITYCODE_DATA/jest-browser.json" --selectProjects browser || rc=$?
      log "jest: fault and restore tests (services stopped and started for real)"
      CITYCODE_FAULTS=1 jest_run --outputFile="$CITYCODE_DATA/jest-faults.json" --selectProjects faults --runInBand --forceExit -- test/faults/outages test/faults/restore || rc=$?
    fi
    # The plain closing line CI reads: counts of the tests that ran.
    node -e '
      const fs = require("node:fs");
      const rs = process.argv.slice(1).filter((f) => fs.existsSync(f)).map((f) => require(f));
      const sum = (k) => rs.reduce((n, r) => n + r[k], 0);
      console.log(`jest: ${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed, ${sum("numPendingTests")} skipped`);
    ' "$CITYCODE_DATA"/jest-*.json || true
    exit "$rc"
    ;;
  services)
    ensure_node
    exec bash infra/services.sh "$@"
    ;;
  *) echo "usage: $0 start|test|services start|stop|status" >&2; exit 2 ;;
esac
