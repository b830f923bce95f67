# An S3-compatible server as its own process: versitygw (Apache-2.0) with its posix backend, built
# from source with `go install` (MinIO is AGPL; an in-process fake would not test the wire).
# Buckets are directories under $S3_DATA; path-style requests are versitygw's default.

VERSITYGW_VERSION="${AIAAS_VERSITYGW_VERSION:-v1.8.0}"
S3_PORT="${AIAAS_S3_PORT:-9000}"
S3_ACCESS_KEY="${AIAAS_S3_ACCESS_KEY_ID:-aiaas}"
S3_SECRET_KEY="${AIAAS_S3_SECRET_ACCESS_KEY:-aiaas-secret-key}"
S3_REGION="${AIAAS_S3_REGION:-us-east-1}"
S3_BUCKET="${AIAAS_S3_BUCKET:-aiaas-exports}"
S3_DATA="$STATE/s3/data"
S3_PIDFILE="$RUN/s3.pid"

s3_install() { go_install versitygw github.com/versity/versitygw/cmd/versitygw "$VERSITYGW_VERSION"; }

# Any HTTP answer (403 for an anonymous request) means the server is serving.
s3_http_up() {
  local code
  code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$S3_PORT/")
  [[ $code =~ ^[1-5][0-9][0-9]$ ]]
}

# curl signs with SigV4 itself; UNSIGNED-PAYLOAD because curl does not send the payload hash header.
s3_curl() {
  curl -sS -m 10 --aws-sigv4 "aws:amz:$S3_REGION:s3" -u "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@"
}
s3_bucket_exists() {
  [[ "$(s3_curl -o /dev/null -w '%{http_code}' -I "http://127.0.0.1:$S3_PORT/$S3_BUCKET")" == 200 ]]
}

s3_ensure_bucket() {
  s3_bucket_exists && return 0
  log "creating bucket $S3_BUCKET"
  s3_curl -o "$LOGS/s3-bucket.xml" -X PUT "http://127.0.0.1:$S3_PORT/$S3_BUCKET" >/dev/null
  s3_bucket_exists
}

s3_start() {
  if ! command -v curl >/dev/null; then apt_install curl || { fail s3 "apt-get install curl failed"; return 1; }; fi
  # The build was started in the background by services.sh; this only waits for it.
  if ! await_job versitygw || [[ ! -x "$BIN/versitygw" ]]; then
    fail s3 "go install github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION failed: $(tail -3 "$LOGS/go-versitygw.log" 2>/dev/null | tr '\n' ' ')"
    return 1
  fi
  if ! pid_alive "$S3_PIDFILE" versitygw && ! s3_http_up; then
    mkdir -p "$S3_DATA"
    log "starting versitygw on 127.0.0.1:$S3_PORT (data: $S3_DATA)"
    # Credentials through the environment, not argv, so `ps` does not show the secret.
    ROOT_ACCESS_KEY_ID="$S3_ACCESS_KEY" ROOT_SECRET_ACCESS_KEY="$S3_SECRET_KEY" \
      spawn "$S3_PIDFILE" "$LOGS/s3.log" "$BIN/versitygw" --port "127.0.0.1:$S3_PORT" \
      --region "$S3_REGION" --quiet posix "$S3_DATA"
  fi
  WATCH_PIDFILE="$S3_PIDFILE" wait_until 30 "S3 HTTP on :$S3_PORT" s3_http_up || { fail s3 "no HTTP answer on :$S3_PORT (see $LOGS/s3.log)"; return 1; }
  s3_ensure_bucket || { fail s3 "bucket $S3_BUCKET could not be created: $(cat "$LOGS/s3-bucket.xml" 2>/dev/null)"; return 1; }
}

s3_stop() { stop_pid "$S3_PIDFILE" versitygw versitygw; }

s3_row() {
  local state=stopped
  if s3_http_up; then
    state=running
    s3_bucket_exists || state=degraded
  fi
  row s3 "$state" "127.0.0.1:$S3_PORT" \
    "versitygw $VERSITYGW_VERSION, key $S3_ACCESS_KEY / $S3_SECRET_KEY, $S3_REGION, bucket $S3_BUCKET"
}
