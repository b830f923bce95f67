# The JSON schemas the deployment tests validate against, from package registries (no internet
# here; docs/deployment.md, "What is validated"): installed into $STATE/schemas, never committed.
#   kubernetes/v<version>-local-strict/  the Kubernetes API schemas of the PyPI package
#                                        kubernetes-validate (one wheel, every version 1.25-1.37)
#   compose-spec.json                    the Compose specification's schema, as the Go module
#                                        github.com/compose-spec/compose-go/v2 ships it

KUBE_SCHEMAS_PACKAGE_VERSION="${AIAAS_KUBE_SCHEMAS_VERSION:-1.37.0}"
# The oldest Kubernetes the chart claims (Chart.yaml kubeVersion) and the newest the package has.
KUBE_SCHEMA_VERSIONS=(1.30.0 1.37.0)
COMPOSE_GO_VERSION="${AIAAS_COMPOSE_GO_VERSION:-v2.16.2}"
SCHEMAS="$STATE/schemas"
SCHEMAS_STAMP="$SCHEMAS/.version"

schemas_wanted() { echo "kubernetes-validate==$KUBE_SCHEMAS_PACKAGE_VERSION ${KUBE_SCHEMA_VERSIONS[*]} compose-go@$COMPOSE_GO_VERSION"; }
schemas_ok() { [[ "$(cat "$SCHEMAS_STAMP" 2>/dev/null)" == "$(schemas_wanted)" ]]; }

# The wheel's "-local" schemas carry an https "$id" and point at their shared definitions with an
# absolute path ("/api/_definitions.json#/$defs/…"), which kubernetes-validate resolves with its
# own registry. kubeconform resolves a $ref against the schema's id, and would fetch https: the
# copy drops the top-level "$id" and makes the reference relative to the file
# ("_definitions.json#…"), so it is read beside it. Only the strict flavour
# (additionalProperties: false), which `kubeconform -strict` asks for.
kube_schemas_extract() { # kube_schemas_extract <wheel> <out dir> <version...>
  python3 - "$@" <<'PY'
import json, pathlib, sys, zipfile
wheel, out, versions = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3:]
with zipfile.ZipFile(wheel) as z:
    for version in versions:
        prefix = f"kubernetes_validate/kubernetes-json-schema/v{version}-local-strict/"
        names = [n for n in z.namelist() if n.startswith(prefix) and n.endswith(".json")]
        if not names:
            sys.exit(f"no schemas for Kubernetes {version} in {wheel}")
        target = out / f"v{version}-local-strict"
        target.mkdir(parents=True, exist_ok=True)
        for name in names:
            schema = json.loads(z.read(name).decode().replace('"/api/_definitions.json#', '"_definitions.json#'))
            schema.pop("$id", None)
            (target / name[len(prefix):]).write_text(json.dumps(schema))
PY
}

kube_schemas_install() {
  local pip="$STATE/pip"
  rm -rf "$pip" "$SCHEMAS/kubernetes"
  mkdir -p "$pip" "$SCHEMAS/kubernetes"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$pip" \
    "kubernetes-validate==$KUBE_SCHEMAS_PACKAGE_VERSION" >"$LOGS/schemas.log" 2>&1 || return 1
  kube_schemas_extract "$pip"/kubernetes_validate-*.whl "$SCHEMAS/kubernetes" "${KUBE_SCHEMA_VERSIONS[@]}" \
    >>"$LOGS/schemas.log" 2>&1
}

# `go mod download` fetches the module's source into the module cache; only its schema is copied.
compose_schema_install() {
  local dir
  dir=$(go mod download -json "github.com/compose-spec/compose-go/v2@$COMPOSE_GO_VERSION" 2>>"$LOGS/schemas.log" |
    sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [[ -n $dir && -f "$dir/schema/compose-spec.json" ]] || return 1
  install -m 0644 "$dir/schema/compose-spec.json" "$SCHEMAS/compose-spec.json"
}

schemas_start() {
  schemas_ok && return 0
  if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
    apt_install python3 python3-pip || { fail schemas "apt-get install python3-pip failed (see $LOGS/apt.log)"; return 1; }
  fi
  log "installing schemas: $(schemas_wanted)"
  kube_schemas_install || { fail schemas "Kubernetes schemas: $(tail -2 "$LOGS/schemas.log" | tr '\n' ' ')"; return 1; }
  compose_schema_install || { fail schemas "Compose schema: $(tail -2 "$LOGS/schemas.log" | tr '\n' ' ')"; return 1; }
  schemas_wanted >"$SCHEMAS_STAMP"
}

schemas_stop() { :; }

schemas_row() {
  local state=missing
  schemas_ok && state=installed
  row schemas "$state" "-" "$SCHEMAS (Kubernetes ${KUBE_SCHEMA_VERSIONS[*]}, Compose spec $COMPOSE_GO_VERSION)"
}
