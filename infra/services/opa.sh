# The OPA CLI (builds policy bundles / wasm for @open-policy-agent/opa-wasm); installed, not run.

OPA_VERSION="${AIAAS_OPA_VERSION:-v1.22.3}"

opa_install() { go_install opa github.com/open-policy-agent/opa "$OPA_VERSION"; }
# Captured first: with pipefail, `| grep -q` can fail on the SIGPIPE it sends to `opa version`.
opa_ok() { [[ "$("$BIN/opa" version 2>/dev/null)" == *"Version: ${OPA_VERSION#v}"$'\n'* ]]; }

opa_start() {
  if ! await_job opa || ! opa_ok; then
    fail opa "go install github.com/open-policy-agent/opa@$OPA_VERSION failed: $(tail -3 "$LOGS/go-opa.log" 2>/dev/null | tr '\n' ' ')"
    return 1
  fi
}

opa_stop() { :; }

opa_row() {
  local state=missing
  opa_ok && state=installed
  row opa "$state" "-" "$BIN/opa (CLI only, $OPA_VERSION)"
}
