# PostgreSQL 15 from Debian, cluster 15/main, started with pg_ctlcluster (there is no systemd).
# Debian's default listen_addresses is 'localhost', so it binds loopback only.

PG_VERSION=15
PG_PORT="${AIAAS_PG_PORT:-5432}"
PG_USER="${AIAAS_PG_USER:-aiaas}"
PG_PASSWORD="${AIAAS_PG_PASSWORD:-aiaas}"
PG_DB="${AIAAS_PG_DB:-aiaas}"

# Output captured, not piped into grep -q: with pipefail an early grep exit can fail the pipe.
pg_cluster_status() { pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" '$1==v && $2=="main" {print $4}'; }
pg_online() { [[ "$(pg_cluster_status)" == online* ]]; }
pg_ready() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -t 1; }
pg_psql() { runuser -u postgres -- psql -X -q -p "$PG_PORT" -v ON_ERROR_STOP=1 "$@"; }

pg_start() {
  if ! apt_install "postgresql-$PG_VERSION" postgresql-client-$PG_VERSION; then
    fail postgres "apt-get install postgresql-$PG_VERSION failed (see $LOGS/apt.log)"
    return 1
  fi
  # postinst creates 15/main unless createcluster.conf says otherwise; create it if it is absent.
  if [[ -z "$(pg_cluster_status)" ]]; then
    log "creating cluster $PG_VERSION/main"
    pg_createcluster "$PG_VERSION" main --port "$PG_PORT" >>"$LOGS/postgres.log" 2>&1 ||
      { fail postgres "pg_createcluster failed (see $LOGS/postgres.log)"; return 1; }
  fi
  if ! pg_online; then
    if [[ "$(pg_conftool -s "$PG_VERSION" main show port 2>/dev/null)" != "$PG_PORT" ]]; then
      pg_conftool "$PG_VERSION" main set port "$PG_PORT"
    fi
    # /var/run is a tmpfs on a booted machine: the socket directory may not exist yet.
    install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    log "starting PostgreSQL $PG_VERSION on 127.0.0.1:$PG_PORT"
    pg_ctlcluster "$PG_VERSION" main start >>"$LOGS/postgres.log" 2>&1 ||
      { fail postgres "pg_ctlcluster start failed (see $LOGS/postgres.log)"; return 1; }
    mark_started postgres
  fi
  wait_until 60 "PostgreSQL on :$PG_PORT" pg_ready || { fail postgres "not ready on :$PG_PORT"; return 1; }
  # Idempotent: the password is (re)set each start so a role left by someone else still matches.
  pg_psql -d postgres >>"$LOGS/postgres.log" 2>&1 <<SQL || { fail postgres "creating role/database failed"; return 1; }
SELECT format('CREATE ROLE %I', '$PG_USER') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER') \gexec
ALTER ROLE "$PG_USER" WITH LOGIN SUPERUSER PASSWORD '$PG_PASSWORD';
SELECT format('CREATE DATABASE %I OWNER %I', '$PG_DB', '$PG_USER') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$PG_DB') \gexec
SQL
  PGPASSWORD="$PG_PASSWORD" psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -tAc 'select 1' >/dev/null 2>&1 ||
    { fail postgres "cannot log in as $PG_USER over TCP"; return 1; }
}

pg_stop() {
  if was_started postgres && pg_online; then
    log "stopping PostgreSQL $PG_VERSION/main"
    pg_ctlcluster "$PG_VERSION" main stop -m fast >>"$LOGS/postgres.log" 2>&1 || true
  fi
  unmark_started postgres
}

pg_row() {
  local state=stopped
  pg_ready && state=running
  row postgres "$state" "127.0.0.1:$PG_PORT" "postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
}
