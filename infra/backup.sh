#!/usr/bin/env bash
# Back up and restore everything the platform keeps (docs/operations.md, "Back up and restore").
# usage:
#   infra/backup.sh backup DIR
#       A consistent cut of both stores: Neo4j is stopped (Community dumps only offline; every
#       writer of the graph waits or gets UNAVAILABLE meanwhile), PostgreSQL is dumped (pg_dump
#       -Fc, one snapshot) while the graph cannot change, the graph is dumped (neo4j-admin database
#       dump), Neo4j is started again. Then the exchange files (exports, return-flow deliveries)
#       and the audit keys (the signing key file when CITYCODE_AUDIT_SIGNING_KEY_FILE names one,
#       the trusted public keys) are copied, and DIR/MANIFEST.json lists every file with its sha256.
#   infra/backup.sh restore DIR
#       Into EMPTY stores: the PostgreSQL database $PG_DATABASE must not exist (it is created),
#       the Neo4j instance $NEO4J_INSTANCE must be stopped and is overwritten (database load).
#       Checks every file against MANIFEST.json first; restores the exchange files to
#       $CITYCODE_EXCHANGE_DIR. Start the instance and verify the audit chain afterwards:
#       `NEO4J_INSTANCE=... bash infra/neo4j.sh start && node dist/audit/cli.js verify`.
# DIR holds secrets when a signing key file is copied: keep backups encrypted and access-controlled.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_SOCK="$CITYCODE_DATA/pg-socket"
NEO4J_INSTANCE="${NEO4J_INSTANCE:-neo4j}"
[[ "$NEO4J_INSTANCE" =~ ^[a-z0-9-]+$ ]] || die "NEO4J_INSTANCE must be lower-case letters, digits and '-'"
NEO4J_HOME_DIR="$CITYCODE_DATA/$NEO4J_INSTANCE"
EXCHANGE_DIR="${CITYCODE_EXCHANGE_DIR:-$CITYCODE_DATA/exchange}"
LAUNCHER_DIR="$CITYCODE_ROOT/infra/neo4j"

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

neo4j_admin() {
  local java_home; java_home="$(pick_java_home 17 21)"
  mkdir -p "$NEO4J_HOME_DIR/conf"
  [ -f "$NEO4J_HOME_DIR/conf/neo4j.conf" ] || : >"$NEO4J_HOME_DIR/conf/neo4j.conf"
  NEO4J_HOME="$NEO4J_HOME_DIR" NEO4J_CONF="$NEO4J_HOME_DIR/conf" "$java_home/bin/java" -Xmx512m \
    -cp "$LAUNCHER_DIR/target/citycode-neo4j-1.0.0.jar:$LAUNCHER_DIR/target/lib/*" org.neo4j.cli.AdminTool "$@"
}

neo4j_running() { NEO4J_INSTANCE="$NEO4J_INSTANCE" bash "$CITYCODE_ROOT/infra/neo4j.sh" status >/dev/null 2>&1; }

backup() {
  local dir="$1"
  [ -n "$dir" ] || die "usage: infra/backup.sh backup DIR"
  [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ] && die "$dir is not empty; back up into a new folder"
  mkdir -p "$dir/audit-keys"
  dir="$(cd "$dir" && pwd)"
  local was_running=0
  if neo4j_running; then was_running=1; fi
  # Neo4j comes back even when a step below fails.
  trap '[ "$was_running" = 1 ] && ! neo4j_running && NEO4J_INSTANCE="$NEO4J_INSTANCE" bash "$CITYCODE_ROOT/infra/neo4j.sh" start' EXIT
  if [ "$was_running" = 1 ]; then NEO4J_INSTANCE="$NEO4J_INSTANCE" bash "$CITYCODE_ROOT/infra/neo4j.sh" stop; fi
  log "dumping PostgreSQL database $PG_DATABASE (pg_dump -Fc)"
  as_pg "$PG_BIN/pg_dump" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d "$PG_DATABASE" -Fc >"$dir/postgres.dump" \
    || die "pg_dump failed"
  log "dumping Neo4j ($NEO4J_INSTANCE) with neo4j-admin database dump"
  neo4j_admin database dump neo4j --to-path="$dir" >>"$CITYCODE_DATA/logs/backup.log" 2>&1 \
    || die "neo4j-admin database dump failed; see $CITYCODE_DATA/logs/backup.log"
  if [ "$was_running" = 1 ]; then NEO4J_INSTANCE="$NEO4J_INSTANCE" bash "$CITYCODE_ROOT/infra/neo4j.sh" start; fi
  trap - EXIT
  if [ -d "$EXCHANGE_DIR" ]; then
    log "archiving the exchange files ($EXCHANGE_DIR)"
    tar -C "$EXCHANGE_DIR" -czf "$dir/exchange.tar.gz" .
  fi
  if [ -n "${CITYCODE_AUDIT_SIGNING_KEY_FILE:-}" ]; then
    install -m 600 "$CITYCODE_AUDIT_SIGNING_KEY_FILE" "$dir/audit-keys/signing-key.pem"
  elif [ -n "${CITYCODE_AUDIT_SIGNING_KEY:-}" ]; then
    (umask 077; printf '%s\n' "$CITYCODE_AUDIT_SIGNING_KEY" >"$dir/audit-keys/signing-key.pem")
  fi
  [ -n "${CITYCODE_AUDIT_PUBLIC_KEYS:-}" ] && printf '%s\n' "$CITYCODE_AUDIT_PUBLIC_KEYS" >"$dir/audit-keys/public-keys.txt"
  node -e '
    const { createHash } = require("node:crypto"); const fs = require("node:fs"); const path = require("node:path");
    const dir = process.argv[1]; const files = {};
    const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else if (e.name !== "MANIFEST.json") files[path.relative(dir, p)] = { bytes: fs.statSync(p).size, sha256: createHash("sha256").update(fs.readFileSync(p)).digest("hex") }; } };
    walk(dir);
    fs.writeFileSync(path.join(dir, "MANIFEST.json"), JSON.stringify({ createdAt: new Date().toISOString(), pgDatabase: process.argv[2], neo4jInstance: process.argv[3], neo4jVersion: process.argv[4], files }, null, 2) + "\n");
  ' "$dir" "$PG_DATABASE" "$NEO4J_INSTANCE" "$NEO4J_VERSION"
  log "backup written to $dir"
}

check_manifest() {
  local dir="$1"
  [ -f "$dir/MANIFEST.json" ] || die "$dir/MANIFEST.json is missing: not a citycode backup"
  node -e '
    const { createHash } = require("node:crypto"); const fs = require("node:fs"); const path = require("node:path");
    const dir = process.argv[1]; const m = JSON.parse(fs.readFileSync(path.join(dir, "MANIFEST.json"), "utf8"));
    for (const [f, want] of Object.entries(m.files)) {
      const p = path.join(dir, f);
      if (!fs.existsSync(p)) { console.error(`missing ${f}`); process.exit(1); }
      const got = createHash("sha256").update(fs.readFileSync(p)).digest("hex");
      if (got !== want.sha256) { console.error(`${f} does not match MANIFEST.json (sha256 ${got}, expected ${want.sha256})`); process.exit(1); }
    }
  ' "$dir" || die "the backup in $dir is damaged; restore nothing from it"
}

restore() {
  local dir="$1"
  [ -n "$dir" ] && [ -d "$dir" ] || die "usage: infra/backup.sh restore DIR"
  dir="$(cd "$dir" && pwd)"
  check_manifest "$dir"
  neo4j_running && die "Neo4j instance $NEO4J_INSTANCE is running; stop it before a restore (NEO4J_INSTANCE=$NEO4J_INSTANCE bash infra/neo4j.sh stop)"
  local exists
  exists=$(as_pg "$PG_BIN/psql" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres -qAt -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'")
  [ "$exists" = 1 ] && die "PostgreSQL database $PG_DATABASE exists; restore into an empty store (drop it, or set PG_DATABASE)"
  log "restoring PostgreSQL into a new database $PG_DATABASE"
  as_pg "$PG_BIN/psql" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres -qAt -c "CREATE DATABASE \"$PG_DATABASE\" OWNER \"$PG_USER\"" >/dev/null
  as_pg "$PG_BIN/pg_restore" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d "$PG_DATABASE" --exit-on-error <"$dir/postgres.dump" \
    || die "pg_restore failed"
  log "restoring Neo4j into instance $NEO4J_INSTANCE (neo4j-admin database load)"
  mkdir -p "$NEO4J_HOME_DIR"
  neo4j_admin database load neo4j --from-path="$dir" --overwrite-destination=true >>"$CITYCODE_DATA/logs/backup.log" 2>&1 \
    || die "neo4j-admin database load failed; see $CITYCODE_DATA/logs/backup.log"
  if [ -f "$dir/exchange.tar.gz" ]; then
    mkdir -p "$EXCHANGE_DIR"
    tar -C "$EXCHANGE_DIR" -xzf "$dir/exchange.tar.gz"
  fi
  log "restored from $dir; start Neo4j ($NEO4J_INSTANCE) and verify the audit chain (node dist/audit/cli.js verify)"
}

case "${1:-}" in
  backup) backup "${2:-}" ;;
  restore) restore "${2:-}" ;;
  *) echo "usage: $0 backup DIR | restore DIR" >&2; exit 2 ;;
esac
