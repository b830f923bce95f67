# Redis from Debian, daemonized with Debian's own config, bound to loopback, run as user redis.

REDIS_PORT="${AIAAS_REDIS_PORT:-6379}"
REDIS_PIDFILE=/run/redis/redis-server.pid

redis_ready() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

redis_start() {
  if ! apt_install redis-server redis-tools; then
    fail redis "apt-get install redis-server failed (see $LOGS/apt.log)"
    return 1
  fi
  if ! redis_ready; then
    # /run is a tmpfs: Debian's init script (or systemd's RuntimeDirectory) usually makes this.
    install -d -o redis -g redis -m 2755 /run/redis
    install -d -o redis -g adm -m 2750 /var/log/redis
    log "starting Redis on 127.0.0.1:$REDIS_PORT"
    runuser -u redis -- redis-server /etc/redis/redis.conf --port "$REDIS_PORT" --bind 127.0.0.1 \
      --daemonize yes --pidfile "$REDIS_PIDFILE" >>"$LOGS/redis.log" 2>&1 ||
      { fail redis "redis-server did not start (see /var/log/redis/redis-server.log)"; return 1; }
    mark_started redis
  fi
  wait_until 30 "Redis on :$REDIS_PORT" redis_ready || { fail redis "no PONG on :$REDIS_PORT"; return 1; }
}

redis_stop() {
  if was_started redis && redis_ready; then
    log "stopping Redis"
    # NOSAVE: test data only; a snapshot on every stop would just slow `make services-stop`.
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  fi
  unmark_started redis
}

redis_row() {
  local state=stopped
  redis_ready && state=running
  row redis "$state" "127.0.0.1:$REDIS_PORT" "redis://127.0.0.1:$REDIS_PORT"
}
