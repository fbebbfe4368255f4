#!/usr/bin/env bash
# Keycloak 26 (keycloak-quarkus-dist zip from Maven Central) in dev mode on 127.0.0.1:$KEYCLOAK_PORT,
# importing the realm in infra/keycloak/. Its dev database lives under .data/keycloak.
# usage: infra/keycloak.sh start|stop|status
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KC_HOME="$CITYCODE_TOOLS/keycloak-$KEYCLOAK_VERSION"
KC_DATA="$CITYCODE_DATA/keycloak"
PID_FILE="$CITYCODE_DATA/keycloak.pid"
LOG_FILE="$CITYCODE_DATA/logs/keycloak.log"
REALM_DIR="$CITYCODE_ROOT/infra/keycloak"
KEYCLOAK_MGMT_PORT="${KEYCLOAK_MGMT_PORT:-9180}"
REALM="${KEYCLOAK_REALM:-citycode}"

install() {
  [ -x "$KC_HOME/bin/kc.sh" ] && return 0
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch Keycloak: apt-get install maven"
  command -v unzip >/dev/null || die "unzip is needed: apt-get install unzip"
  log "fetching Keycloak $KEYCLOAK_VERSION (org.keycloak:keycloak-quarkus-dist, ~170 MB) with Maven"
  mkdir -p "$CITYCODE_TOOLS"
  local tmp; tmp=$(mktemp -d)
  mvn -q -B dependency:copy "-Dartifact=org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" \
    "-DoutputDirectory=$tmp" >"$CITYCODE_DATA/logs/keycloak-fetch.log" 2>&1 \
    || die "could not fetch Keycloak; see $CITYCODE_DATA/logs/keycloak-fetch.log"
  unzip -q "$tmp/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip" -d "$tmp"
  rm -rf "$KC_HOME"
  mv "$tmp/keycloak-$KEYCLOAK_VERSION" "$KC_HOME"
  rm -rf "$tmp"
}

realm_hash() { cat "$REALM_DIR"/*.json | sha256sum | cut -c1-16; }

# Keycloak imports a realm only when it does not exist yet, so a changed realm file means a
# fresh dev database (it holds nothing but what the realm file describes, and sessions).
prepare_data() {
  local hash; hash=$(realm_hash)
  if [ -d "$KC_DATA" ] && [ "$(cat "$KC_DATA/.realm-hash" 2>/dev/null)" != "$hash" ]; then
    log "realm files changed: resetting Keycloak's dev database"
    rm -rf "$KC_DATA"
  fi
  mkdir -p "$KC_DATA/import"
  cp "$REALM_DIR"/*.json "$KC_DATA/import/"
  echo "$hash" >"$KC_DATA/.realm-hash"
  rm -rf "$KC_HOME/data"
  ln -sfn "$KC_DATA" "$KC_HOME/data"
}

ready() { curl -fsS -o /dev/null "http://127.0.0.1:$KEYCLOAK_PORT/realms/$REALM/.well-known/openid-configuration" 2>/dev/null; }

start() {
  mkdir -p "$CITYCODE_DATA/logs"
  if pid_alive "$PID_FILE"; then
    log "Keycloak already running on 127.0.0.1:$KEYCLOAK_PORT (pid $(cat "$PID_FILE"))"
  else
    port_open 127.0.0.1 "$KEYCLOAK_PORT" && die "port $KEYCLOAK_PORT is taken by another process; set KEYCLOAK_PORT"
    install
    prepare_data
    local java_home; java_home="$(pick_java_home 17 21)"
    log "starting Keycloak $KEYCLOAK_VERSION on 127.0.0.1:$KEYCLOAK_PORT (java: $java_home)"
    JAVA_HOME="$java_home" JAVA_OPTS_KC_HEAP="-Xms128m -Xmx1g" \
      KC_BOOTSTRAP_ADMIN_USERNAME="$KEYCLOAK_ADMIN_USER" KC_BOOTSTRAP_ADMIN_PASSWORD="$KEYCLOAK_ADMIN_PASSWORD" \
      nohup "$KC_HOME/bin/kc.sh" start-dev --import-realm \
      --http-host=127.0.0.1 --http-port="$KEYCLOAK_PORT" \
      --http-management-port="$KEYCLOAK_MGMT_PORT" --health-enabled=true \
      >>"$LOG_FILE" 2>&1 &
    echo $! >"$PID_FILE"
  fi
  local i
  for ((i = 0; i < 360; i++)); do
    if ready; then log "Keycloak is up (realm $REALM)"; return 0; fi
    pid_alive "$PID_FILE" || die "Keycloak exited during start-up; see $LOG_FILE"
    sleep 0.5
  done
  die "Keycloak did not serve realm $REALM within 180 s; see $LOG_FILE"
}

stop() {
  if pid_alive "$PID_FILE"; then
    local pid; pid=$(cat "$PID_FILE")
    log "stopping Keycloak (pid $pid)"
    # kc.sh execs java in the same process; SIGTERM lets Quarkus shut down cleanly.
    kill -TERM "$pid"
    local i
    for ((i = 0; i < 60; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$PID_FILE"
}

status() {
  if pid_alive "$PID_FILE" && ready; then
    echo "keycloak: up (http://127.0.0.1:$KEYCLOAK_PORT, realm $REALM, pid $(cat "$PID_FILE"))"
  else
    echo "keycloak: down"; return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
