{{/* Names and labels shared by every template. */}}
{{- define "aiaas.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "aiaas.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* selectorLabels: (dict "root" $ "component" "router") */}}
{{- define "aiaas.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "aiaas.image" -}}
{{ printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end -}}

{{- define "aiaas.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "aiaas.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/*
The processes, one Deployment each: the key of their values, the port they listen on (the API's,
or AIAAS_METRICS_PORT for the headless ones) with the variable that sets it, the paths they answer
(docs/architecture.md, Processes and ports) and whether they get a Service. Headless processes
answer only /healthz: it is their readiness too.
*/}}
{{- define "aiaas.processes" -}}
router: {values: router, port: 8080, portVariable: PORT, live: /v1/status/healthz, ready: /v1/status/readyz, service: true}
identity: {values: identity, port: 8081, portVariable: AIAAS_IDENTITY_PORT, live: /admin/v1/status/healthz, ready: /admin/v1/status/readyz, service: true}
analytics: {values: analytics, port: 8082, portVariable: AIAAS_ANALYTICS_PORT, live: /analytics/v1/status/healthz, ready: /analytics/v1/status/readyz, service: true}
projector: {values: projector, port: 9464, portVariable: AIAAS_METRICS_PORT, live: /healthz, ready: /healthz, service: false}
ingest: {values: ingest, port: 9464, portVariable: AIAAS_METRICS_PORT, live: /healthz, ready: /healthz, service: false}
audit-forwarder: {values: auditForwarder, port: 9464, portVariable: AIAAS_METRICS_PORT, live: /healthz, ready: /healthz, service: false}
reconciler: {values: reconciler, port: 9464, portVariable: AIAAS_METRICS_PORT, live: /healthz, ready: /healthz, service: false}
mock-model: {values: mockModel, port: 8090, portVariable: AIAAS_MOCK_MODEL_PORT, live: /v1/models, ready: /v1/models, service: true}
{{- end -}}

{{/* The secrets, each from the existing Secret by key (values: secrets); an empty key is left out. */}}
{{- define "aiaas.secretEnv" -}}
{{- range $variable, $key := .Values.secrets.keys }}
{{- if $key }}
- name: {{ $variable }}
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.secrets.existingSecret }}
      key: {{ $key }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "aiaas.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "aiaas.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}
