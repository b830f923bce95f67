# promtool (checks the Prometheus alert rules under infra/deploy/prometheus/); installed, not run.
# Prometheus publishes its Go module as v0.3xx.y for release 3.xx.y.

PROMTOOL_VERSION="${AIAAS_PROMTOOL_VERSION:-v0.316.0}"

promtool_install() { go_install promtool github.com/prometheus/prometheus/cmd/promtool "$PROMTOOL_VERSION"; }
# A go-installed promtool reports no version of its own (the release sets it by -ldflags), so the
# stamp written by go_install says which module version was built.
promtool_ok() {
  [[ -x "$BIN/promtool" && "$(cat "$BIN/.promtool.version" 2>/dev/null)" == *"@$PROMTOOL_VERSION" ]] &&
    "$BIN/promtool" --help >/dev/null 2>&1
}

promtool_start() {
  if ! await_job promtool || ! promtool_ok; then
    fail promtool "go install github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION failed: $(tail -3 "$LOGS/go-promtool.log" 2>/dev/null | tr '\n' ' ')"
    return 1
  fi
}

promtool_stop() { :; }

promtool_row() {
  local state=missing
  promtool_ok && state=installed
  row promtool "$state" "-" "$BIN/promtool (CLI only, prometheus module $PROMTOOL_VERSION)"
}
