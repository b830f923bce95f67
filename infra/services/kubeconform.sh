# kubeconform (validates the chart's rendered manifests against the Kubernetes schemas that
# schemas.sh installs); installed, not run.

KUBECONFORM_VERSION="${AIAAS_KUBECONFORM_VERSION:-v0.8.0}"

kubeconform_install() { go_install kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"; }
kubeconform_ok() {
  [[ -x "$BIN/kubeconform" && "$(cat "$BIN/.kubeconform.version" 2>/dev/null)" == *"@$KUBECONFORM_VERSION" ]] &&
    "$BIN/kubeconform" -v >/dev/null 2>&1
}

kubeconform_start() {
  if ! await_job kubeconform || ! kubeconform_ok; then
    fail kubeconform "go install github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION failed: $(tail -3 "$LOGS/go-kubeconform.log" 2>/dev/null | tr '\n' ' ')"
    return 1
  fi
}

kubeconform_stop() { :; }

kubeconform_row() {
  local state=missing
  kubeconform_ok && state=installed
  row kubeconform "$state" "-" "$BIN/kubeconform (CLI only, $KUBECONFORM_VERSION)"
}
