#!/usr/bin/env bash
# Installs what `make bench-peers` measures the router against (docs/benchmarks.md, "Router against
# its peers"), idempotently, into build/peers/ (gitignored):
#   wrk                     Debian package (closed-loop load)
#   vegeta                  go install, into build/peers/bin (open-loop load at a constant rate)
#   Portkey gateway         npm, into build/peers/portkey
#   @fastify/http-proxy     npm, into build/peers/proxy (a bare proxy; not a project dependency)
#   LiteLLM proxy           PyPI, into the virtual environment build/peers/litellm
# Each step is skipped when its tool is already there. A step that fails is reported and the
# others go on: the harness leaves that peer out and prints why. Versions are pinned (env to change).
#
#   bash infra/bench/install-peers.sh    then build/peers/status.txt has one line per tool:
#                                        "<tool> ok <version>" or "<tool> failed <reason>"
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PEERS="${AIAAS_PEERS_DIR:-$ROOT/build/peers}"
# npm runs on the project's Node 24; Go is this machine kind's toolchain, never a downloaded one.
export PATH="$ROOT/node_modules/.bin:/usr/local/go/bin:$PATH"
export GOTOOLCHAIN=local
VEGETA_VERSION="${AIAAS_VEGETA_VERSION:-v12.13.0}"
PORTKEY_VERSION="${AIAAS_PORTKEY_VERSION:-1.15.2}"
HTTP_PROXY_VERSION="${AIAAS_HTTP_PROXY_VERSION:-11.6.3}"
LITELLM_VERSION="${AIAAS_LITELLM_VERSION:-1.108.0}"
# 1.108.1 and later pin litellm-proxy-extras 0.4.110.post1, which the registry here does not serve.
# The bare proxy runs on the same fastify as the router, so the two differ only in what they do.
FASTIFY_VERSION="$(node -p "require('$ROOT/node_modules/fastify/package.json').version" 2>/dev/null || echo 5)"

mkdir -p "$PEERS/bin" "$PEERS/logs"
STATUS="$PEERS/status.txt"
: >"$STATUS"

log() { printf '[peers %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
ok() { echo "$1 ok $2" >>"$STATUS"; }
failed() { # failed <tool> <reason>
  echo "$1 failed $2" >>"$STATUS"
  log "FAILED $1: $2"
}
tail_of() { tail -n 3 "$1" 2>/dev/null | tr '\n' ' ' | cut -c1-300; }

install_wrk() {
  if ! command -v wrk >/dev/null; then
    log "apt-get install wrk"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } \
      >"$PEERS/logs/wrk.log" 2>&1 || { failed wrk "apt-get: $(tail_of "$PEERS/logs/wrk.log")"; return 1; }
  fi
  ok wrk "$(dpkg-query -W -f='${Version}' wrk 2>/dev/null || echo unknown)"
}

install_vegeta() {
  local stamp="$PEERS/bin/.vegeta-$VEGETA_VERSION"
  if [[ ! -x $PEERS/bin/vegeta || ! -e $stamp ]]; then
    log "go install vegeta@$VEGETA_VERSION (a minute or two on 2 cores)"
    GOBIN="$PEERS/bin" GOFLAGS=-buildvcs=false nice -n 10 go install -p 2 \
      "github.com/tsenart/vegeta/v12@$VEGETA_VERSION" >"$PEERS/logs/vegeta.log" 2>&1 ||
      { failed vegeta "go install: $(tail_of "$PEERS/logs/vegeta.log")"; return 1; }
    touch "$stamp"
  fi
  ok vegeta "$VEGETA_VERSION"
}

# npm_peer <tool> <dir> <overrides JSON> <package@version...>: skipped when the same list is
# already installed there. The overrides pin a transitive dependency (npm's "overrides").
npm_peer() {
  local tool=$1 dir=$PEERS/$2 overrides=$3
  shift 3
  local wanted="$* $overrides"
  if [[ $(cat "$dir/.installed" 2>/dev/null) != "$wanted" ]]; then
    log "npm install $wanted into ${dir#"$ROOT"/}"
    mkdir -p "$dir"
    echo "{\"private\":true,\"overrides\":$overrides}" >"$dir/package.json"
    npm install --prefix "$dir" --no-audit --no-fund --save-exact "$@" >"$PEERS/logs/$tool.log" 2>&1 ||
      { failed "$tool" "npm: $(tail_of "$PEERS/logs/$tool.log")"; return 1; }
    echo "$wanted" >"$dir/.installed"
  fi
  ok "$tool" "${1##*@}"
}

install_litellm() {
  local venv=$PEERS/litellm installed
  installed=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("litellm"))' 2>/dev/null)
  if [[ $installed != "$LITELLM_VERSION" ]]; then
    if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
      log "apt-get install python3-venv"
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; } \
        >"$PEERS/logs/litellm.log" 2>&1 || { failed litellm "python3-venv: $(tail_of "$PEERS/logs/litellm.log")"; return 1; }
    fi
    log "pip install litellm[proxy]==$LITELLM_VERSION into ${venv#"$ROOT"/} (a few minutes)"
    { python3 -m venv "$venv" && "$venv/bin/pip" install -q "litellm[proxy]==$LITELLM_VERSION"; } \
      >>"$PEERS/logs/litellm.log" 2>&1 || { failed litellm "pip: $(tail_of "$PEERS/logs/litellm.log")"; return 1; }
  fi
  ok litellm "$LITELLM_VERSION"
}

install_wrk
install_vegeta
# Stock dependencies, as `npx @portkey-ai/gateway` gets them. (Its streamed answers fail on Node with
# "TypeError: immutable" whatever @hono/node-server is pinned to: Portkey-AI/gateway issues 1389,
# 1550; the benchmark times streams only through direct, the bare proxy and AIaaS.)
npm_peer portkey portkey '{}' "@portkey-ai/gateway@$PORTKEY_VERSION"
npm_peer http-proxy proxy '{}' "@fastify/http-proxy@$HTTP_PROXY_VERSION" "fastify@$FASTIFY_VERSION"
install_litellm
cat "$STATUS" >&2
