#!/usr/bin/env bash
# The real services the int and e2e tests run against, installed and started without Docker
# (docs/services.md, docs/adr/0003-test-services-without-docker.md).
#
#   bash infra/services/services.sh start [service...]   install if missing, start if not running
#   bash infra/services/services.sh stop  [service...]   stop what this script started
#   bash infra/services/services.sh status               print the table
#
# Services: postgres redis rabbitmq kafka s3 opa chromium promtool helm kubeconform schemas (default:
# all; the last four are the deployment checks' tools, docs/deployment.md). Needs root on Debian 12.
# Everything binds 127.0.0.1. State (binaries, jars, data, pids, logs): infra/services/.state/.
#
# Environment (defaults in brackets):
#   AIAAS_SERVICES_STATE         state directory              [infra/services/.state]
#   AIAAS_SERVICES_GO_JOBS       go build -p for go installs  [2]
#   AIAAS_PG_PORT                PostgreSQL port              [5432]
#   AIAAS_PG_USER / _PASSWORD    PostgreSQL role (superuser)  [aiaas / aiaas]
#   AIAAS_PG_DB                  PostgreSQL database          [aiaas]
#   AIAAS_REDIS_PORT             Redis port                   [6379]
#   AIAAS_RABBITMQ_PORT          RabbitMQ AMQP port           [5672]  (user guest/guest)
#   AIAAS_RABBITMQ_STREAM_PORT   RabbitMQ stream protocol     [5552]
#   AIAAS_RABBITMQ_DIST_PORT     Erlang distribution (CLI)    [AMQP port + 20000]
#   AIAAS_KAFKA_PORT             Kafka PLAINTEXT listener     [9092]
#   AIAAS_KAFKA_CONTROLLER_PORT  Kafka KRaft controller       [9093]
#   AIAAS_KAFKA_HEAP             Kafka -Xmx                   [512m]
#   AIAAS_S3_PORT                versitygw S3 port            [9000]
#   AIAAS_S3_ACCESS_KEY_ID       S3 access key                [aiaas]
#   AIAAS_S3_SECRET_ACCESS_KEY   S3 secret key                [aiaas-secret-key]
#   AIAAS_S3_REGION              S3 region                    [us-east-1]
#   AIAAS_S3_BUCKET              bucket created at start      [aiaas-exports]
#   AIAAS_VERSITYGW_VERSION      versitygw release            [v1.8.0]
#   AIAAS_OPA_VERSION            OPA CLI release              [v1.22.3]
#   AIAAS_PROMTOOL_VERSION       prometheus Go module         [v0.316.0]  (promtool of 3.16.0)
#   AIAAS_HELM_VERSION           Helm release                 [v4.3.1]
#   AIAAS_KUBECONFORM_VERSION    kubeconform release          [v0.8.0]
#   AIAAS_KUBE_SCHEMAS_VERSION   PyPI kubernetes-validate     [1.37.0]  (Kubernetes schemas)
#   AIAAS_COMPOSE_GO_VERSION     compose-go module            [v2.16.2] (Compose spec schema)
# The S3 variables are the ones infra/config/config.ts reads, so the app and the server agree.
# Ports and Rabbit's config apply when a service is started (or first installed), not to one
# that is already running.
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for f in postgres redis rabbitmq kafka s3 opa chromium promtool helm kubeconform schemas; do source "$SERVICES_DIR/$f.sh"; done

ALL=(postgres redis rabbitmq kafka s3 opa chromium promtool helm kubeconform schemas)
declare -A FN=([postgres]=pg [redis]=redis [rabbitmq]=rabbitmq [kafka]=kafka [s3]=s3 [opa]=opa [chromium]=chromium
  [promtool]=promtool [helm]=helm [kubeconform]=kubeconform [schemas]=schemas)

table() {
  echo
  row SERVICE STATE ADDRESS DETAILS
  local s
  for s in "${ALL[@]}"; do "${FN[$s]}_row"; done
  echo "state: $STATE"
}

wants() { # wants <service>: was it named on the command line (or were none named)?
  local s
  ((${#SELECTED[@]} == 0)) && return 0
  for s in "${SELECTED[@]}"; do [[ $s == "$1" ]] && return 0; done
  return 1
}

cmd_start() {
  local t0 s
  t0=$(now)
  [[ $(id -u) == 0 ]] || { log "must run as root (apt-get, pg_ctlcluster, runuser)"; exit 1; }
  # The go builds are the slow part (minutes): start them first, in the background and one after
  # the other, so the daemons start meanwhile and the second core stays usable for them.
  if wants s3; then start_job versitygw s3_install; fi
  if wants opa; then start_job opa opa_after "${JOB_PID[versitygw]:-}"; fi
  # The deployment checks' tools, each after the build before it (the last one started).
  local last=${JOB_PID[opa]:-${JOB_PID[versitygw]:-}} tool
  for tool in promtool helm kubeconform; do
    if wants "$tool"; then
      start_job "$tool" build_after "$last" "${tool}_install"
      last=${JOB_PID[$tool]}
    fi
  done
  for s in "${ALL[@]}"; do
    wants "$s" && timed "$s" "${FN[$s]}_start"
  done
  table
  echo "took $(($(now) - t0))s: $(for s in "${ALL[@]}"; do [[ -n ${TOOK[$s]:-} ]] && printf '%s %ss  ' "$s" "${TOOK[$s]}"; done)"
  if ((${#FAILED[@]} > 0)); then
    for s in "${!FAILED[@]}"; do echo "FAILED $s: ${FAILED[$s]}" >&2; done
    exit 1
  fi
}

# opa_after <pid>: the OPA build waits for the versitygw build, so they do not share the 2 cores.
opa_after() {
  while [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; do sleep 1; done
  opa_install
}

# build_after <pid> <install function>: waits for that build to end, then runs this one.
build_after() {
  while [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; do sleep 1; done
  "$2"
}

cmd_stop() {
  local s i
  # Reverse order: the daemons that depend on nothing go last.
  for ((i = ${#ALL[@]} - 1; i >= 0; i--)); do
    s=${ALL[$i]}
    wants "$s" && "${FN[$s]}_stop"
  done
  table
}

action=${1:-status}
shift || true
SELECTED=("$@")
for s in "${SELECTED[@]}"; do
  [[ -n ${FN[$s]:-} ]] || { echo "unknown service '$s' (known: ${ALL[*]})" >&2; exit 2; }
done
case $action in
start) cmd_start ;;
stop) cmd_stop ;;
status) table ;;
*)
  echo "usage: $0 start|stop|status [service...]" >&2
  exit 2
  ;;
esac
