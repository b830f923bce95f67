# RabbitMQ from Debian (3.10), AMQP on loopback, guest/guest (guest may only log in from loopback,
# which is RabbitMQ's default). Stream queues are core since 3.9; the rabbitmq_stream plugin adds
# the native stream protocol, which stream clients need, so it is enabled too.

RABBITMQ_PORT="${AIAAS_RABBITMQ_PORT:-5672}"
RABBITMQ_STREAM_PORT="${AIAAS_RABBITMQ_STREAM_PORT:-5552}"
# Erlang distribution (CLI tools <-> node): RabbitMQ's own default rule, AMQP port + 20000.
RABBITMQ_DIST_PORT="${AIAAS_RABBITMQ_DIST_PORT:-$((RABBITMQ_PORT + 20000))}"
RABBITMQ_PIDFILE="$RUN/rabbitmq.pid"
RABBITMQ_CONF=/etc/rabbitmq/rabbitmq.conf
RABBITMQ_CONF_MARK='# written by aiaas infra/services/rabbitmq.sh'

rabbitmq_ready() { rabbitmq-diagnostics -q check_port_connectivity --timeout 5 >/dev/null 2>&1; }
rabbitmq_amqp_open() { port_open "$RABBITMQ_PORT"; }
rabbitmq_stream_open() { port_open "$RABBITMQ_STREAM_PORT"; }

# Only a config this script wrote (or none) is replaced: an admin's own file is left alone.
rabbitmq_write_conf() {
  if [[ -e $RABBITMQ_CONF ]] && ! grep -qF "$RABBITMQ_CONF_MARK" "$RABBITMQ_CONF"; then return 0; fi
  cat >"$RABBITMQ_CONF" <<EOF
$RABBITMQ_CONF_MARK
listeners.tcp.1 = 127.0.0.1:$RABBITMQ_PORT
stream.listeners.tcp.1 = 127.0.0.1:$RABBITMQ_STREAM_PORT
distribution.listener.interface = 127.0.0.1
loopback_users.guest = true
EOF
}

rabbitmq_enable_stream_plugin() { # $1: online|offline
  grep -q rabbitmq_stream /etc/rabbitmq/enabled_plugins 2>/dev/null && return 0
  log "enabling the rabbitmq_stream plugin ($1)"
  local flag=()
  [[ $1 == offline ]] && flag=(--offline)
  rabbitmq-plugins enable "${flag[@]}" rabbitmq_stream >>"$LOGS/rabbitmq.log" 2>&1
}

rabbitmq_start() {
  if ! apt_install rabbitmq-server; then
    fail rabbitmq "apt-get install rabbitmq-server failed (see $LOGS/apt.log)"
    return 1
  fi
  rabbitmq_write_conf
  if rabbitmq_amqp_open && rabbitmq_ready; then
    rabbitmq_enable_stream_plugin online || { fail rabbitmq "enabling rabbitmq_stream failed"; return 1; }
  else
    rabbitmq_enable_stream_plugin offline || { fail rabbitmq "enabling rabbitmq_stream failed"; return 1; }
    install -d -o rabbitmq -g rabbitmq /var/log/rabbitmq /var/lib/rabbitmq
    log "starting RabbitMQ on 127.0.0.1:$RABBITMQ_PORT (stream 127.0.0.1:$RABBITMQ_STREAM_PORT)"
    # The foreground server in its own session: no systemd here, and `-detached` loses errors.
    # ERL_EPMD_ADDRESS keeps epmd (started by the node if absent) on loopback too.
    spawn "$RABBITMQ_PIDFILE" "$LOGS/rabbitmq.log" runuser -u rabbitmq -- env HOME=/var/lib/rabbitmq \
      ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_DIST_PORT="$RABBITMQ_DIST_PORT" \
      sh -c 'cd /var/lib/rabbitmq && exec /usr/lib/rabbitmq/bin/rabbitmq-server'
    mark_started rabbitmq
    if ! WATCH_PIDFILE="$RABBITMQ_PIDFILE" wait_until 180 "RabbitMQ AMQP on :$RABBITMQ_PORT" rabbitmq_amqp_open; then
      local why
      why=$(tail -n 80 "$LOGS/rabbitmq.log" | grep -m1 -oE 'failed_to_start_child,[^}]*\}' || true)
      fail rabbitmq "AMQP port $RABBITMQ_PORT not open: ${why:-node not up} (see $LOGS/rabbitmq.log, /var/log/rabbitmq/)"
      return 1
    fi
  fi
  wait_until 60 "RabbitMQ port connectivity" rabbitmq_ready ||
    { fail rabbitmq "rabbitmq-diagnostics check_port_connectivity failed"; return 1; }
  wait_until 30 "RabbitMQ stream port :$RABBITMQ_STREAM_PORT" rabbitmq_stream_open ||
    { fail rabbitmq "stream port $RABBITMQ_STREAM_PORT not open"; return 1; }
}

rabbitmq_stop() {
  if was_started rabbitmq && rabbitmq_amqp_open; then
    log "stopping RabbitMQ"
    timeout 60 rabbitmqctl shutdown >>"$LOGS/rabbitmq.log" 2>&1 || true
    rm -f "$RABBITMQ_PIDFILE"
    # The node started epmd; stop it too unless another Erlang node still uses it.
    if [[ "$(epmd -names 2>/dev/null)" != *$'\nname '* ]]; then epmd -kill >/dev/null 2>&1 || true; fi
  fi
  unmark_started rabbitmq
}

rabbitmq_row() {
  local state=stopped
  rabbitmq_amqp_open && state=running
  row rabbitmq "$state" "127.0.0.1:$RABBITMQ_PORT" \
    "amqp://guest:guest@127.0.0.1:$RABBITMQ_PORT, stream 127.0.0.1:$RABBITMQ_STREAM_PORT"
}
