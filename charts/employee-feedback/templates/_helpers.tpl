{{/* Chart name, truncated to the 63 characters Kubernetes allows in a label. */}}
{{- define "feedback.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-scoped full name; the release name alone when it already contains the chart name. */}}
{{- define "feedback.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "feedback.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "feedback.labels" -}}
helm.sh/chart: {{ include "feedback.chart" . }}
app.kubernetes.io/name: {{ include "feedback.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: employee-feedback
{{- end }}

{{/* Selector labels of one component (web, worker). */}}
{{- define "feedback.selectorLabels" -}}
app.kubernetes.io/name: {{ include "feedback.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "feedback.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "feedback.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- /* The image by digest (`repository:tag@sha256:…`: the runtime pulls the digest, the tag only
names it), so a tag moved in the registry changes nothing that runs. A tag alone is refused unless
`image.allowUnpinned` says this cluster is not production. */}}
{{- define "feedback.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest }}
{{- else if .Values.image.allowUnpinned }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- else }}
{{- fail "image.digest is required: pin the image by the digest its push printed (sha256:...), or set image.allowUnpinned=true outside production" }}
{{- end }}
{{- end }}

{{- define "feedback.secretName" -}}
{{- required "existingSecret is required: name a Secret holding GOVCLOUD_SECRET_KEY and GOVCLOUD_FEEDBACK_DATABASE_URL (see README.md)" .Values.existingSecret }}
{{- end }}

{{/*
Secret keys. The feedback service uses only its own database; core.settings refuses to start in
production without GOVCLOUD_DATABASE_URL, so that variable is pointed at the feedback database
too: the tenant never holds the platform database's credentials.
*/}}
{{- define "feedback.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "feedback.fullname" . }}
env:
{{- range $name, $key := dict "GOVCLOUD_SECRET_KEY" "GOVCLOUD_SECRET_KEY" "GOVCLOUD_FEEDBACK_DATABASE_URL" "GOVCLOUD_FEEDBACK_DATABASE_URL" "GOVCLOUD_DATABASE_URL" "GOVCLOUD_FEEDBACK_DATABASE_URL" "GOVCLOUD_REDIS_URL" "GOVCLOUD_REDIS_URL" "GOVCLOUD_BROKER_URL" "GOVCLOUD_BROKER_URL" }}
  - name: {{ $name }}
    valueFrom:
      secretKeyRef:
        name: {{ include "feedback.secretName" $ }}
        key: {{ $key }}
{{- end }}
{{- range $key := list "GOVCLOUD_BALE_BOT_TOKEN" "GOVCLOUD_BALE_WEBHOOK_SECRET" "GOVCLOUD_OIDC_CLIENT_SECRET" }}
  - name: {{ $key }}
    valueFrom:
      secretKeyRef:
        name: {{ include "feedback.secretName" $ }}
        key: {{ $key }}
        optional: true
{{- end }}
{{- end }}

{{/* Writable scratch space on a read-only root filesystem. */}}
{{- define "feedback.volumeMounts" -}}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  - name: var
    mountPath: /var/lib/govcloud
{{- end }}

{{- define "feedback.volumes" -}}
volumes:
  - name: tmp
    emptyDir: {}
  - name: var
    emptyDir: {}
{{- end }}

{{/* Pod-level settings shared by both workloads. */}}
{{- define "feedback.podSpec" -}}
serviceAccountName: {{ include "feedback.serviceAccountName" . }}
# The feedback service never talks to the Kubernetes API.
automountServiceAccountToken: false
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
{{- define "feedback.podAnnotations" -}}
checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}
