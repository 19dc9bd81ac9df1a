{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "airudder-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-<chart> unless the release name already holds it. */}}
{{- define "airudder-exporter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "airudder-exporter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "airudder-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "airudder-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "airudder-exporter.labels" -}}
helm.sh/chart: {{ include "airudder-exporter.chart" . }}
{{ include "airudder-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Name of the webhook listener's Service: <fullname>-webhook, cut so it
stays a 63-character DNS label. */}}
{{- define "airudder-exporter.webhookServiceName" -}}
{{- printf "%s-webhook" (include "airudder-exporter.fullname" . | trunc 55 | trimSuffix "-") }}
{{- end }}

{{/* Port of the webhook Service: webhookService.port; empty, the deprecated
service.webhookPort (its place before the webhook Service existed), else
the listener's own webhookPort. */}}
{{- define "airudder-exporter.webhookServicePort" -}}
{{- .Values.webhookService.port | default .Values.service.webhookPort | default .Values.webhookPort | int }}
{{- end }}

{{- define "airudder-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "airudder-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Where the shared dedup state is (address, "sentinel" or "cluster"; ""
when no Redis is set), from a config map or a config string. */}}
{{- define "airudder-exporter.redisAddress" -}}
{{- $cfg := .Values.config | default dict }}
{{- if kindIs "string" $cfg }}
{{- $cfg = fromYaml $cfg }}
{{- end }}
{{- $redis := dig "webhooks" "redis" dict $cfg | default dict }}
{{- if $redis.address }}{{ $redis.address }}
{{- else if $redis.sentinel }}sentinel
{{- else if $redis.cluster_addresses }}cluster
{{- end }}
{{- end }}

{{/*
Milliseconds of a Prometheus duration (y w d h m s ms, in that order, as the
schema's pattern enforces), to compare two durations: Helm has no parser.
*/}}
{{- define "airudder-exporter.durationMs" -}}
{{- $re := "^(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?$" }}
{{- $ms := 0 }}
{{- range $i, $unit := list 31536000000 604800000 86400000 3600000 60000 1000 1 }}
{{- $n := regexReplaceAll $re (toString $) (printf "${%d}" (add1 $i)) | default "0" | int64 }}
{{- $ms = add $ms (mul $n $unit) }}
{{- end }}
{{- $ms }}
{{- end }}

{{/*
Secret values of config.yml: under each key the exporter types as
config.Secret, the value must be empty or ${NAME} references only (filled
from Secrets through credentials/extraEnv), never the secret itself, which
would be stored in the ConfigMap for anyone allowed to read ConfigMaps.
Walks maps and lists; called with (list <node> <path>). The error names the
key, never the value.
*/}}
{{- define "airudder-exporter.noLiteralSecrets" -}}
{{- $node := index . 0 }}
{{- $path := index . 1 }}
{{- if kindIs "map" $node }}
{{- range $k, $v := $node }}
{{- $p := ternary $k (printf "%s.%s" $path $k) (eq $path "") }}
{{- if and (has $k (list "token" "app_secret" "webhook_token" "aes_key" "api_key" "api_secret" "password")) (not (kindIs "map" $v)) (not (kindIs "slice" $v)) }}
{{- $s := toString ($v | default "") }}
{{- if regexReplaceAll "\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}" $s "" }}
{{- fail (printf "config.%s is a literal secret: the ConfigMap would show it to anyone who can read ConfigMaps. Put it in a Secret, set that Secret in credentials (or extraEnv) and write %s: '${NAME}' (or use %s_file with a mounted Secret)." $p $k $k) }}
{{- end }}
{{- else }}
{{- include "airudder-exporter.noLiteralSecrets" (list $v $p) }}
{{- end }}
{{- end }}
{{- else if kindIs "slice" $node }}
{{- range $i, $v := $node }}
{{- include "airudder-exporter.noLiteralSecrets" (list $v (printf "%s[%d]" $path $i)) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Refuses value combinations that would count calls twice or cannot run.
Included by the Deployment, so `helm template` / `helm install` fail early.
*/}}
{{- define "airudder-exporter.validate" -}}
{{- $replicas := int .Values.replicaCount }}
{{- $redis := include "airudder-exporter.redisAddress" . }}
{{- if and (gt $replicas 1) (not $redis) }}
{{- fail (printf "replicaCount=%d needs shared dedup state: set config.webhooks.redis (address, sentinel or cluster_addresses). Without it every pod keeps its own dedup memory and a vendor retry that lands on another pod is counted twice (README \"Scaling and high availability\")." $replicas) }}
{{- end }}
{{- if and (gt $replicas 1) .Values.persistence.enabled }}
{{- fail (printf "replicaCount=%d with persistence.enabled: the pods would share one ReadWriteOnce claim. With Redis the dedup state lives there; set persistence.enabled=false." $replicas) }}
{{- end }}
{{- if lt $replicas 0 }}
{{- fail "replicaCount must not be negative" }}
{{- end }}
{{- $cfg := .Values.config | default dict }}
{{- if kindIs "string" $cfg }}
{{- $cfg = fromYaml $cfg }}
{{- end }}
{{- include "airudder-exporter.noLiteralSecrets" (list $cfg "") }}
{{- with .Values.serviceMonitor }}
{{- if and .enabled (gt (include "airudder-exporter.durationMs" .scrapeTimeout | int64) (include "airudder-exporter.durationMs" .interval | int64)) }}
{{- fail (printf "serviceMonitor.scrapeTimeout=%s is longer than serviceMonitor.interval=%s: prometheus-operator would skip the ServiceMonitor (nothing scraped). Lower the timeout or raise the interval." .scrapeTimeout .interval) }}
{{- end }}
{{- end }}
{{- /* The main Service carries /metrics, /debug/pprof and the landing page
(and, with webhookPort 0, the webhooks): published by mistake, for the
webhooks' sake, it gives the internet profiles and goroutine dumps. */}}
{{- with .Values.service }}
{{- if and (ne .type "ClusterIP") (not .exposeMetricsPublicly) }}
{{- if $.Values.webhookPort }}
{{- fail (printf "service.type=%s would make the metrics Service reachable from outside the cluster: /metrics, /debug/pprof (profiles, goroutine dumps) and the landing page. The webhooks have a Service of their own: set webhookService.type=%s (and service.type=ClusterIP) to publish them alone; or set service.exposeMetricsPublicly=true if the metrics are meant to be reachable from outside." .type .type) }}
{{- else }}
{{- fail (printf "service.type=%s with webhookPort=0 would make the one listener reachable from outside the cluster, and with the webhooks /metrics, /debug/pprof (profiles, goroutine dumps) and the landing page. To publish the webhooks alone, set webhookPort (e.g. 10134) and webhookService.type=%s; or set service.exposeMetricsPublicly=true if the metrics are meant to be reachable from outside." .type .type) }}
{{- end }}
{{- end }}
{{- end }}
{{- /* webhookService settings Kubernetes would ignore or reject: whoever
sets a load balancer or its source ranges believes the webhooks are
published, or restricted, as written. */}}
{{- with .Values.webhookService }}
{{- if and (ne .type "ClusterIP") (not $.Values.webhookPort) }}
{{- fail (printf "webhookService.type=%s needs a webhook listener: with webhookPort=0 the webhooks share the metrics listener and there is no webhook Service to publish. Set webhookPort (e.g. 10134)." .type) }}
{{- end }}
{{- if and .loadBalancerSourceRanges (ne .type "LoadBalancer") }}
{{- fail (printf "webhookService.loadBalancerSourceRanges restricts a LoadBalancer only: with webhookService.type=%s it would keep nobody out. Set webhookService.type=LoadBalancer, or restrict the senders with networkPolicy.webhooksFrom or config.webhooks.allowed_cidrs." .type) }}
{{- end }}
{{- if and .nodePort (eq .type "ClusterIP") }}
{{- fail "webhookService.nodePort needs webhookService.type NodePort or LoadBalancer: Kubernetes rejects a node port on a ClusterIP Service." }}
{{- end }}
{{- if and .externalTrafficPolicy (eq .type "ClusterIP") }}
{{- fail "webhookService.externalTrafficPolicy needs webhookService.type NodePort or LoadBalancer: Kubernetes rejects it on a ClusterIP Service." }}
{{- end }}
{{- if and .port $.Values.service.webhookPort (ne (int .port) (int $.Values.service.webhookPort)) }}
{{- fail (printf "service.webhookPort=%d and webhookService.port=%d both set the webhook Service's port; service.webhookPort is its old, deprecated name: keep webhookService.port only." (int $.Values.service.webhookPort) (int .port)) }}
{{- end }}
{{- end }}
{{- if and .Values.webhookPort (eq (int .Values.webhookPort) (int .Values.port)) }}
{{- fail (printf "webhookPort=%d is port: two listeners cannot share a port; set webhookPort=0 for one listener serving both" (int .Values.webhookPort)) }}
{{- end }}
{{- end }}

{{/*
Environment of the exporter as a YAML list: one variable per referenced
Secret key (the names the default config uses as ${NAME}), then extraEnv.
*/}}
{{- define "airudder-exporter.env" -}}
{{- $env := list }}
{{- $refs := list }}
{{- with .Values.credentials }}
{{- if .airudder.existingSecret }}
{{- $refs = append $refs (list "AIRUDDER_APP_KEY" .airudder.existingSecret .airudder.appKeyKey) }}
{{- $refs = append $refs (list "AIRUDDER_APP_SECRET" .airudder.existingSecret .airudder.appSecretKey) }}
{{- end }}
{{- if .laaffic.existingSecret }}
{{- $refs = append $refs (list "LAAFFIC_API_KEY" .laaffic.existingSecret .laaffic.apiKeyKey) }}
{{- $refs = append $refs (list "LAAFFIC_API_SECRET" .laaffic.existingSecret .laaffic.apiSecretKey) }}
{{- end }}
{{- if .webhookToken.existingSecret }}
{{- $refs = append $refs (list "WEBHOOK_TOKEN" .webhookToken.existingSecret .webhookToken.key) }}
{{- end }}
{{- if .redis.existingSecret }}
{{- $refs = append $refs (list "REDIS_PASSWORD" .redis.existingSecret .redis.passwordKey) }}
{{- end }}
{{- end }}
{{- range $refs }}
{{- $env = append $env (dict "name" (index . 0) "valueFrom" (dict "secretKeyRef" (dict "name" (index . 1) "key" (index . 2)))) }}
{{- end }}
{{- $env = concat $env (.Values.extraEnv | default list) }}
{{- toYaml $env }}
{{- end }}

{{/*
config.yml text. A string value is used verbatim. A map is rendered with
toYaml, which drops quotes; every plain `key: ${NAME}` is single-quoted
again, as the shipped config.yml writes it, so the reference is a string
whatever type YAML would give it (the exporter fills ${NAME} in after
parsing, byte for byte).
*/}}
{{- define "airudder-exporter.configText" -}}
{{- if kindIs "string" .Values.config }}
{{- .Values.config }}
{{- else }}
{{- regexReplaceAll "(?m)^(\\s*(?:- )?[A-Za-z0-9_]+: )(\\$\\{[A-Za-z_][A-Za-z0-9_]*\\})$" (toYaml .Values.config) "${1}'${2}'" }}
{{- end }}
{{- end }}
