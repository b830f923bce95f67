# Shared helpers for infra/services/*.sh (sourced, not run). Bash 5, Debian 12, root.
# Every service file defines <name>_start, <name>_stop and <name>_row, and uses only these helpers,
# so services.sh can run them in any order and print one table at the end.

SERVICES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${AIAAS_SERVICES_STATE:-$SERVICES_DIR/.state}"
BIN="$STATE/bin"
RUN="$STATE/run"     # pid files and "this script started it" markers
LOGS="$STATE/logs"
mkdir -p "$BIN" "$RUN" "$LOGS"

# The Go toolchain of this machine kind lives in /usr/local/go and is not always on PATH (CI strips
# the session's environment). GOTOOLCHAIN=local: never download another toolchain (no internet).
export PATH="$BIN:/usr/local/go/bin:$PATH"
export GOTOOLCHAIN=local

log() { printf '[services %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Failures are collected, not fatal: one broken service should not hide the state of the others.
declare -gA FAILED=()
declare -gA TOOK=()
fail() { # fail <service> <reason>
  FAILED[$1]="$2"
  log "FAILED $1: $2"
}

now() { date +%s; }

# last_error <logfile>: the last ERROR/FATAL line of a daemon's log, for the failure message.
last_error() {
  local line
  line=$(grep -E 'ERROR|FATAL|Exception' "$1" 2>/dev/null | tail -n 1 || true)
  printf '%s' "${line:0:300}"
}

port_open() { # port_open <port> [host]
  timeout 1 bash -c "exec 3<>/dev/tcp/${2:-127.0.0.1}/$1" 2>/dev/null
}

# wait_until <timeout-seconds> <what> <command...>: polls every second, logs every 15 s.
# With WATCH_PIDFILE set, gives up at once when that process has exited (a crash at boot, a port
# already taken) instead of waiting out the timeout.
wait_until() {
  local limit=$1 what=$2 start
  shift 2
  start=$(now)
  until "$@" >/dev/null 2>&1; do
    if [[ -n ${WATCH_PIDFILE:-} ]] && ! pid_alive "$WATCH_PIDFILE"; then
      log "gave up waiting for $what: the process exited"
      return 1
    fi
    local elapsed=$(($(now) - start))
    if ((elapsed >= limit)); then
      log "gave up waiting for $what after ${limit}s"
      return 1
    fi
    if ((elapsed > 0 && elapsed % 15 == 0)); then log "waiting for $what (${elapsed}s)"; fi
    sleep 1
  done
}

# pid_alive <pidfile> [word]: the pid runs and, given a word, its command line contains it. The word
# guards against a stale pid file (the machine was restarted, processes killed) whose pid was reused.
pid_alive() {
  local pid
  [[ -s $1 ]] || return 1
  pid=$(cat "$1")
  kill -0 "$pid" 2>/dev/null || return 1
  [[ -z ${2:-} || "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" == *"$2"* ]]
}

# stop_pid <pidfile> <name> <word>: TERM, up to 30 s, then KILL.
stop_pid() {
  local pidfile=$1 name=$2 pid
  if ! pid_alive "$pidfile" "$3"; then
    rm -f "$pidfile"
    return 0
  fi
  pid=$(cat "$pidfile")
  log "stopping $name (pid $pid)"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop in 30s, killing it"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# spawn <pidfile> <logfile> <command...>: a daemon in its own session (Ctrl-C on `make` must not
# reach it), detached from stdin. The pid is written from inside, after setsid, so it is the
# daemon's own whether or not setsid had to fork.
spawn() {
  local pidfile=$1 logfile=$2
  shift 2
  rm -f "$pidfile"
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" >>"$logfile" 2>&1 </dev/null &
  for _ in $(seq 1 50); do
    [[ -s $pidfile ]] && return 0
    sleep 0.1
  done
}

# Debian daemons that were already running before this script are left alone by `stop`.
mark_started() { touch "$RUN/$1.started-by-script"; }
was_started() { [[ -e "$RUN/$1.started-by-script" ]]; }
unmark_started() { rm -f "$RUN/$1.started-by-script"; }

# apt-get update runs at most once per invocation, and only when a package is missing.
APT_UPDATED=0
apt_install() { # apt_install <package...>
  local missing=() p
  for p in "$@"; do
    [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == 'install ok installed' ]] || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  export DEBIAN_FRONTEND=noninteractive
  if ((APT_UPDATED == 0)); then
    log "apt-get update (missing: ${missing[*]})"
    apt-get update -qq >"$LOGS/apt.log" 2>&1 || { tail -5 "$LOGS/apt.log" >&2; return 1; }
    APT_UPDATED=1
  fi
  log "apt-get install ${missing[*]}"
  # Without systemd, Debian's policy-rc.d (or its absence) decides whether postinst starts the
  # daemon; each service file starts its own daemon afterwards either way.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$LOGS/apt.log" 2>&1 ||
    { tail -5 "$LOGS/apt.log" >&2; return 1; }
}

# go_install <name> <module/pkg> <version>: builds into $BIN unless that version is already there.
# nice'd and with -p (AIAAS_SERVICES_GO_JOBS, default 2) so the daemons starting meanwhile keep a core.
go_install() {
  local name=$1 pkg=$2 version=$3 stamp="$BIN/.$1.version"
  if [[ -x "$BIN/$name" && "$(cat "$stamp" 2>/dev/null)" == "$pkg@$version" ]]; then return 0; fi
  if ! command -v go >/dev/null; then
    echo "no Go toolchain (looked on PATH and in /usr/local/go/bin)" >"$LOGS/go-$name.log"
    return 1
  fi
  local t0
  t0=$(now)
  log "go install $pkg@$version (compiles for a few minutes on 2 cores; log: $LOGS/go-$name.log)"
  if GOBIN="$BIN" GOFLAGS=-buildvcs=false nice -n 10 go install -p "${AIAAS_SERVICES_GO_JOBS:-2}" \
    -trimpath -ldflags='-s -w' "$pkg@$version" >"$LOGS/go-$name.log" 2>&1; then
    echo "$pkg@$version" >"$stamp"
    log "go install $name done in $(($(now) - t0))s"
  else
    log "go install $name failed after $(($(now) - t0))s (see $LOGS/go-$name.log)"
    return 1
  fi
}

# Background job handles: the go builds start first and are awaited by the services that need them.
declare -gA JOB_PID=()
start_job() { # start_job <name> <function...>
  local name=$1
  shift
  ("$@") &
  JOB_PID[$name]=$!
}
await_job() { # await_job <name>: returns the job's exit status, logging progress every 30 s.
  local name=$1 pid=${JOB_PID[$1]:-} start
  [[ -z $pid ]] && return 0
  start=$(now)
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    local elapsed=$(($(now) - start))
    if ((elapsed > 0 && elapsed % 30 < 2)); then log "still building $name (waited ${elapsed}s)"; fi
  done
  wait "$pid"
}

# timed <service> <function>: runs a service's start, records its duration and any failure.
timed() {
  local service=$1 t0
  shift
  t0=$(now)
  if ! "$@"; then [[ -n ${FAILED[$service]:-} ]] || fail "$service" "start failed (see $LOGS)"; fi
  TOOK[$service]=$(($(now) - t0))
}

row() { # row <service> <state> <address> <details>
  printf '%-11s %-9s %-22s %s\n' "$@"
}
