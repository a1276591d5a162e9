{{/* Chart name, truncated to the 63 characters Kubernetes allows in a label. */}}
{{- define "govcloud.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-scoped full name; the release name alone when it already contains the chart name. */}}
{{- define "govcloud.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "govcloud.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "govcloud.labels" -}}
helm.sh/chart: {{ include "govcloud.chart" . }}
app.kubernetes.io/name: {{ include "govcloud.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: govcloud
{{- end }}

{{/* Selector labels of one component (portal, worker-<group>, beat, migrations). */}}
{{- define "govcloud.selectorLabels" -}}
app.kubernetes.io/name: {{ include "govcloud.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "govcloud.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "govcloud.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The ServiceAccount of every pod but the migrations worker: no API rights and no token mounted
(the portal, beat and the other worker groups never call the Kubernetes API).
*/}}
{{- define "govcloud.appServiceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- printf "%s-app" (include "govcloud.fullname" .) }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- /* The image by digest (`repository:tag@sha256:…`: the runtime pulls the digest, the tag only
names it), so a tag moved in the registry changes nothing that runs. A tag alone is refused unless
`image.allowUnpinned` says this cluster is not production. */}}
{{- define "govcloud.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest }}
{{- else if .Values.image.allowUnpinned }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- else }}
{{- fail "image.digest is required: pin the image by the digest its push printed (sha256:...), or set image.allowUnpinned=true outside production" }}
{{- end }}
{{- end }}

{{- define "govcloud.secretName" -}}
{{- required "existingSecret is required: name a Secret holding GOVCLOUD_SECRET_KEY and the database/broker URLs (see README.md)" .Values.existingSecret }}
{{- end }}

{{/* The non-secret settings, shared by the ConfigMap and the hook Job (which runs before the ConfigMap exists). */}}
{{- define "govcloud.configData" -}}
GOVCLOUD_ENV: production
GOVCLOUD_VAR_DIR: /var/lib/govcloud
GOVCLOUD_BASE_URL: {{ .Values.config.baseUrl | quote }}
GOVCLOUD_FEEDBACK_BASE_URL: {{ .Values.config.feedbackBaseUrl | quote }}
GOVCLOUD_CLOUD_BACKEND: {{ .Values.config.cloudBackend | quote }}
{{- if eq .Values.config.cloudBackend "gitops" }}
GOVCLOUD_GITOPS_DIR: /var/lib/govcloud/gitops/clone
GOVCLOUD_GITOPS_REPOSITORY: {{ .Values.config.gitopsRepository | quote }}
GOVCLOUD_GITOPS_CONTROLLER_NAMESPACE: {{ .Values.config.gitopsControllerNamespace | quote }}
GOVCLOUD_GITOPS_READINESS: {{ .Values.config.gitopsReadiness | quote }}
{{- end }}
GOVCLOUD_WORKLOAD_URL_TEMPLATE: {{ .Values.config.workloadUrlTemplate | quote }}
GOVCLOUD_DEFAULT_LOCALE: {{ .Values.config.defaultLocale | quote }}
GOVCLOUD_SESSION_COOKIE_SECURE: {{ .Values.config.sessionCookieSecure | quote }}
GOVCLOUD_LOG_LEVEL: {{ .Values.config.logLevel | quote }}
GOVCLOUD_TRUSTED_PROXIES: {{ .Values.config.trustedProxies | quote }}
GOVCLOUD_METRICS_PORT: {{ .Values.metrics.port | quote }}
GOVCLOUD_TASK_QUEUE_PREFIX: {{ .Values.config.taskQueuePrefix | quote }}
GOVCLOUD_BALE_API_BASE: {{ .Values.config.baleApiBase | quote }}
{{- end }}

{{/* Secret keys every process needs (production refuses to start without them) and optional ones. */}}
{{- define "govcloud.secretEnv" -}}
{{- range $key := list "GOVCLOUD_SECRET_KEY" "GOVCLOUD_DATABASE_URL" "GOVCLOUD_FEEDBACK_DATABASE_URL" "GOVCLOUD_REDIS_URL" "GOVCLOUD_BROKER_URL" }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ include "govcloud.secretName" $ }}
      key: {{ $key }}
{{- end }}
{{- range $key := list "GOVCLOUD_RESULT_BACKEND" "GOVCLOUD_SMTP_URL" "GOVCLOUD_BALE_BOT_TOKEN" "GOVCLOUD_BALE_WEBHOOK_SECRET" "GOVCLOUD_DATABASE_DIRECT_URL" "GOVCLOUD_FEEDBACK_DATABASE_DIRECT_URL" "GOVCLOUD_OIDC_CLIENT_SECRET" "GOVCLOUD_OIDC_SIGNING_KEY" }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ include "govcloud.secretName" $ }}
      key: {{ $key }}
      optional: true
{{- end }}
{{- end }}

{{/* The migration hook's environment: settings inline, secrets by reference. */}}
{{- define "govcloud.hookEnv" -}}
env:
{{- range $name, $value := include "govcloud.configData" . | fromYaml }}
  - name: {{ $name }}
    value: {{ $value | toString | quote }}
{{- end }}
{{- include "govcloud.secretEnv" . | nindent 2 }}
{{- end }}

{{/*
Environment of every platform container: the ConfigMap, then each secret key by name.
Required keys fail the pod when missing; SMTP and Bale are optional features.
*/}}
{{- define "govcloud.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "govcloud.fullname" . }}
env:
{{- include "govcloud.secretEnv" . | nindent 2 }}
{{- end }}

{{/* Writable scratch space on a read-only root filesystem. */}}
{{- define "govcloud.volumeMounts" -}}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  - name: var
    mountPath: /var/lib/govcloud
{{- if eq .Values.config.cloudBackend "gitops" }}
  - name: gitops
    mountPath: /var/lib/govcloud/gitops
{{- end }}
{{- end }}

{{- define "govcloud.volumes" -}}
volumes:
  - name: tmp
    emptyDir: {}
  - name: var
    emptyDir: {}
{{- if eq .Values.config.cloudBackend "gitops" }}
  - name: gitops
    persistentVolumeClaim:
      claimName: {{ required "gitops.existingClaim is required with config.cloudBackend gitops" .Values.gitops.existingClaim }}
{{- end }}
{{- end }}

{{/* Pod-level settings shared by every workload. */}}
{{- define "govcloud.podSpec" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Restart pods when the configuration changes. */}}
{{- define "govcloud.podAnnotations" -}}
checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}
