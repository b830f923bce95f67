# The Helm CLI (renders and lints the chart in infra/deploy/helm/aiaas, docs/deployment.md);
# installed, not run.

HELM_VERSION="${AIAAS_HELM_VERSION:-v4.3.1}"

helm_install() { go_install helm helm.sh/helm/v4/cmd/helm "$HELM_VERSION"; }
# A go-installed helm reports no release version (the release build sets it by -ldflags): the
# stamp go_install writes says which module version was built.
helm_ok() {
  [[ -x "$BIN/helm" && "$(cat "$BIN/.helm.version" 2>/dev/null)" == *"@$HELM_VERSION" ]] &&
    "$BIN/helm" version >/dev/null 2>&1
}

helm_start() {
  if ! await_job helm || ! helm_ok; then
    fail helm "go install helm.sh/helm/v4/cmd/helm@$HELM_VERSION failed: $(tail -3 "$LOGS/go-helm.log" 2>/dev/null | tr '\n' ' ')"
    return 1
  fi
}

helm_stop() { :; }

helm_row() {
  local state=missing
  helm_ok && state=installed
  row helm "$state" "-" "$BIN/helm (CLI only, $HELM_VERSION)"
}
