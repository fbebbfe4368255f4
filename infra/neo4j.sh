#!/usr/bin/env bash
# Neo4j 5.26 LTS Community, embedded by infra/neo4j (a small Java launcher resolved by Maven from
# Maven Central), with Bolt on 127.0.0.1:$NEO4J_BOLT_PORT and data under .data/$NEO4J_INSTANCE
# (default "neo4j": the demo city; the city-scale loader uses a second instance, "neo4j-city" on
# 7688, so `npm test`'s demo city stays intact: docs/city-scale.md).
# usage: infra/neo4j.sh start|stop|status|build|import ARGS...
#   import: `neo4j-admin database import full neo4j ARGS...` into the instance's (stopped) home
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LAUNCHER_DIR="$CITYCODE_ROOT/infra/neo4j"
JAR="$LAUNCHER_DIR/target/citycode-neo4j-1.0.0.jar"
NEO4J_INSTANCE="${NEO4J_INSTANCE:-neo4j}"
[[ "$NEO4J_INSTANCE" =~ ^[a-z0-9-]+$ ]] || die "NEO4J_INSTANCE must be lower-case letters, digits and '-'"
HOME_DIR="$CITYCODE_DATA/$NEO4J_INSTANCE"
PID_FILE="$CITYCODE_DATA/$NEO4J_INSTANCE.pid"
LOG_FILE="$CITYCODE_DATA/logs/$NEO4J_INSTANCE.log"

build() {
  local stamp="$LAUNCHER_DIR/target/.built-$NEO4J_VERSION"
  if [ -f "$JAR" ] && [ -f "$stamp" ] && [ ! "$LAUNCHER_DIR/src/main/java/city/citycode/neo4j/Launcher.java" -nt "$stamp" ] \
     && [ ! "$LAUNCHER_DIR/pom.xml" -nt "$stamp" ]; then return 0; fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to build the Neo4j launcher: apt-get install maven"
  log "building the Neo4j $NEO4J_VERSION launcher with Maven (first run downloads ~120 MB)"
  JAVA_HOME="$(pick_java_home 17 21)" mvn -q -B -f "$LAUNCHER_DIR/pom.xml" -Dneo4j.version="$NEO4J_VERSION" \
    package -DskipTests >"$CITYCODE_DATA/logs/neo4j-build.log" 2>&1 \
    || die "Maven build of the Neo4j launcher failed; see $CITYCODE_DATA/logs/neo4j-build.log"
  rm -f "$LAUNCHER_DIR"/target/.built-*
  touch "$stamp"
}

start() {
  mkdir -p "$CITYCODE_DATA/logs" "$HOME_DIR"
  if pid_alive "$PID_FILE"; then
    log "Neo4j already running on 127.0.0.1:$NEO4J_BOLT_PORT (pid $(cat "$PID_FILE"))"
    wait_for_port 127.0.0.1 "$NEO4J_BOLT_PORT" 120 Neo4j
    return 0
  fi
  port_open 127.0.0.1 "$NEO4J_BOLT_PORT" && die "port $NEO4J_BOLT_PORT is taken by another process; set NEO4J_BOLT_PORT"
  build
  local java_home; java_home="$(pick_java_home 17 21)"
  # Only lines this start writes count as "ready" (the log is appended across restarts).
  local first_line=$(( $( [ -f "$LOG_FILE" ] && wc -l <"$LOG_FILE" || echo 0) + 1 ))
  # The serial collector: on these 2-core machines G1's concurrent threads cost more CPU than they
  # save (the demo seed: Neo4j used 57 CPU-s against 64 with G1, and finished in 44 s against 50;
  # a start: 28 CPU-s against 30; docs/benchmarks.md). NEO4J_JAVA_OPTS replaces it.
  log "starting Neo4j $NEO4J_VERSION on 127.0.0.1:$NEO4J_BOLT_PORT (java: $java_home)"
  NEO4J_HOME_DIR="$HOME_DIR" NEO4J_BOLT_HOST=127.0.0.1 \
    nohup "$java_home/bin/java" -Xms512m "-Xmx$NEO4J_HEAP" ${NEO4J_JAVA_OPTS:--XX:+UseSerialGC} \
    -cp "$JAR:$LAUNCHER_DIR/target/lib/*" city.citycode.neo4j.Launcher >>"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"
  local i
  for ((i = 0; i < 240; i++)); do
    if tail -n "+$first_line" "$LOG_FILE" | grep -q "citycode-neo4j: ready" && port_open 127.0.0.1 "$NEO4J_BOLT_PORT"; then
      log "Neo4j is up"; return 0
    fi
    pid_alive "$PID_FILE" || die "Neo4j exited during start-up; see $LOG_FILE"
    sleep 0.5
  done
  die "Neo4j did not become ready in 120 s; see $LOG_FILE"
}

stop() {
  if pid_alive "$PID_FILE"; then
    local pid; pid=$(cat "$PID_FILE")
    log "stopping Neo4j (pid $pid)"
    kill -TERM "$pid"
    local i
    for ((i = 0; i < 120; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { log "Neo4j ignored SIGTERM for 60 s; killing"; kill -KILL "$pid"; }
  fi
  rm -f "$PID_FILE"
}

status() {
  if pid_alive "$PID_FILE" && port_open 127.0.0.1 "$NEO4J_BOLT_PORT"; then
    echo "$NEO4J_INSTANCE: up (bolt 127.0.0.1:$NEO4J_BOLT_PORT, pid $(cat "$PID_FILE"), data $HOME_DIR)"
  else
    echo "$NEO4J_INSTANCE: down"; return 1
  fi
}

# The offline importer of the same Neo4j build (its AdminTool is on the launcher's classpath). It
# writes the store of database "neo4j" under the instance's home, replacing it; the instance must
# be stopped. NEO4J_IMPORT_HEAP sizes the importer's heap (its caches are off-heap).
import_full() {
  pid_alive "$PID_FILE" && die "$NEO4J_INSTANCE is running; stop it before an offline import (NEO4J_INSTANCE=$NEO4J_INSTANCE bash infra/neo4j.sh stop)"
  build
  mkdir -p "$HOME_DIR/conf" "$CITYCODE_DATA/logs"
  [ -f "$HOME_DIR/conf/neo4j.conf" ] || : >"$HOME_DIR/conf/neo4j.conf"
  local java_home; java_home="$(pick_java_home 17 21)"
  NEO4J_HOME="$HOME_DIR" NEO4J_CONF="$HOME_DIR/conf" "$java_home/bin/java" -Xms1g "-Xmx${NEO4J_IMPORT_HEAP:-2g}" -XX:+UseG1GC \
    -cp "$JAR:$LAUNCHER_DIR/target/lib/*" org.neo4j.cli.AdminTool database import full neo4j "$@"
}

case "${1:-}" in
  start) start ;;
  import) shift; import_full "$@" ;;
  stop) stop ;;
  status) status ;;
  build) mkdir -p "$CITYCODE_DATA/logs"; build ;;
  *) echo "usage: $0 start|stop|status|build|import ARGS..." >&2; exit 2 ;;
esac
