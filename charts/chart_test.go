package charts

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"airudder_exporter/internal/testkit"
)

// helmModule is the Helm release built from the module proxy when no helm
// binary is given. Pinned: a new Helm can change lint rules and rendering.
const helmModule = "helm.sh/helm/v3/cmd/helm@v3.22.0"

// kubeVersion is passed to every render: a Helm built with `go install` has
// no Kubernetes version stamped in and would claim v1.20.
const kubeVersion = "1.30.0"

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

var (
	helmOnce sync.Once
	helmPath string
	helmErr  error
	helmSkip string
)

// helm returns the helm binary to run, or skips the test (fails in CI).
func helm(t *testing.T) string {
	t.Helper()
	helmOnce.Do(func() {
		if h := os.Getenv("HELM"); h != "" {
			helmPath = h
			return
		}
		if p, err := exec.LookPath("helm"); err == nil {
			helmPath = p
			return
		}
		if os.Getenv("CI") != "true" && !helmModuleCached() {
			helmSkip = "no helm: set HELM=/path/to/helm, put helm on PATH, or run with CI=true to build " + helmModule + " from the module proxy"
			return
		}
		dir, err := os.MkdirTemp("", "airudder-helm")
		if err != nil {
			helmErr = err
			return
		}
		cmd := exec.Command(testkit.GoTool(), "install", helmModule)
		cmd.Env = append(os.Environ(), "GOBIN="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			helmErr = fmt.Errorf("go install %s: %v\n%s", helmModule, err, out)
			return
		}
		helmPath = filepath.Join(dir, "helm")
	})
	if helmErr != nil {
		t.Fatal(helmErr)
	}
	if helmSkip != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(helmSkip)
		}
		t.Skip(helmSkip)
	}
	return helmPath
}

// helmModuleCached: the Helm module is in the module cache already, so
// building it needs no network (only compile time, once per build cache).
func helmModuleCached() bool {
	out, err := exec.Command(testkit.GoTool(), "env", "GOMODCACHE").Output()
	if err != nil {
		return false
	}
	zip := filepath.Join(strings.TrimSpace(string(out)), "cache", "download", "helm.sh", "helm", "v3", "@v", "v3.22.0.zip")
	_, err = os.Stat(zip)
	return err == nil
}

func chartDir(t *testing.T) string {
	return filepath.Join(testkit.RepoRoot(t), "charts", "airudder-exporter")
}

// runHelm runs helm and returns stdout, stderr and the error.
func runHelm(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(helm(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Helm keeps caches and repository config under these; keep them private.
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+home, "HELM_CONFIG_HOME="+home, "HELM_DATA_HOME="+home)
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// valuesFile writes a values file and returns its path.
func valuesFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type object = map[string]any

// render runs `helm template` on chart (a directory or a packaged .tgz) and
// returns the objects by kind.
func render(t *testing.T, chart string, values ...string) map[string][]object {
	t.Helper()
	args := []string{"template", "rel", chart, "--namespace", "mon", "--kube-version", kubeVersion}
	for _, v := range values {
		args = append(args, "-f", valuesFile(t, v))
	}
	out, stderr, err := runHelm(t, args...)
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	byKind := map[string][]object{}
	dec := yaml.NewDecoder(strings.NewReader(out))
	for {
		var o object
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("rendered YAML does not parse: %v\n%s", err, out)
		}
		if o == nil {
			continue
		}
		kind, _ := o["kind"].(string)
		if kind == "" {
			t.Fatalf("rendered object without kind: %v", o)
		}
		byKind[kind] = append(byKind[kind], o)
	}
	return byKind
}

func kinds(objs map[string][]object) []string {
	var ks []string
	for k, v := range objs {
		for range v {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}

// get walks a path of map keys and list indexes through a decoded object.
func get(t *testing.T, o any, path ...any) any {
	t.Helper()
	cur := o
	for i, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				t.Fatalf("%v: not a map at %v", path, path[:i])
			}
			cur = m[k]
		case int:
			l, ok := cur.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("%v: no list element %d at %v", path, k, path[:i])
			}
			cur = l[k]
		}
	}
	return cur
}

func one(t *testing.T, objs map[string][]object, kind string) object {
	t.Helper()
	if n := len(objs[kind]); n != 1 {
		t.Fatalf("want exactly one %s, rendered %d (kinds: %v)", kind, n, kinds(objs))
	}
	return objs[kind][0]
}

// allFeatures switches on every optional object, with Redis so that two
// replicas are allowed, and references every credential Secret.
const allFeatures = `
replicaCount: 2
config:
  webhooks:
    token: '${WEBHOOK_TOKEN}'
    redis:
      address: redis.mon.svc:6379
      password: '${REDIS_PASSWORD}'
credentials:
  airudder: {existingSecret: ar-creds, appKeyKey: key, appSecretKey: secret}
  laaffic: {existingSecret: la-creds}
  webhookToken: {existingSecret: wh-token, key: tok}
  redis: {existingSecret: redis-auth}
serviceMonitor:
  enabled: true
  additionalLabels: {release: kube-prometheus-stack}
prometheusRule:
  enabled: true
  additionalLabels: {release: kube-prometheus-stack}
ingress:
  enabled: true
  className: nginx
  hosts: [hooks.example.com]
networkPolicy:
  enabled: true
  metricsFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
webhookService:
  type: LoadBalancer
  annotations: {service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing}
  loadBalancerSourceRanges: [203.0.113.0/24]
  externalTrafficPolicy: Local
`

// Names of the two Services of release "rel": /metrics and the rest of the
// main listener, and the webhook listener alone.
const (
	metricsService = "rel-airudder-exporter"
	webhookService = "rel-airudder-exporter-webhook"
)

// services returns the rendered Services by name.
func services(t *testing.T, objs map[string][]object) map[string]object {
	t.Helper()
	byName := map[string]object{}
	for _, s := range objs["Service"] {
		byName[get(t, s, "metadata", "name").(string)] = s
	}
	return byName
}

// portNames lists a Service's port names.
func portNames(t *testing.T, svc object) []string {
	t.Helper()
	var names []string
	for _, p := range get(t, svc, "spec", "ports").([]any) {
		names = append(names, fmt.Sprint(get(t, p, "name")))
	}
	return names
}

func TestChartLints(t *testing.T) {
	for name, values := range map[string]string{"defaults": "", "all features": allFeatures, "persistence": "persistence: {enabled: true}\n"} {
		args := []string{"lint", "--strict", "--kube-version", kubeVersion, chartDir(t)}
		if values != "" {
			args = append(args, "-f", valuesFile(t, values))
		}
		out, stderr, err := runHelm(t, args...)
		if err != nil {
			t.Errorf("%s: helm lint --strict failed: %v\n%s%s", name, err, out, stderr)
		}
	}
}

func TestChartDefaultObjects(t *testing.T) {
	objs := render(t, chartDir(t))
	d := checkDeployment(t, objs, deploymentWant{
		kinds:       []string{"ConfigMap", "Deployment", "PodDisruptionBudget", "Service", "Service", "ServiceAccount"},
		kindsWhy:    " (a metrics and a webhook Service; Ingress, ServiceMonitor, PrometheusRule and PVC are opt-in; the chart never creates a Secret)",
		replicas:    1,
		strategy:    "Recreate",
		strategyWhy: " without Redis (two pods with their own dedup files would double count)",
	})
	c := get(t, d, "spec", "template", "spec", "containers", 0)
	if env := get(t, c, "env"); env != nil {
		t.Errorf("env without credentials = %v, want none", env)
	}
	state := get(t, d, "spec", "template", "spec", "volumes", 1)
	if get(t, state, "name") != "state" || get(t, state, "emptyDir") == nil {
		t.Errorf("state volume without persistence = %v, want an emptyDir named state", state)
	}

	svcs := services(t, objs)
	for name, want := range map[string][]any{
		metricsService: {"http", 10133, "http", "ClusterIP"},
		webhookService: {"webhook", 10134, "webhook", "ClusterIP"},
	} {
		svc, ok := svcs[name]
		if !ok {
			t.Errorf("no Service %s (rendered: %v)", name, svcs)
			continue
		}
		if ports := get(t, svc, "spec", "ports").([]any); len(ports) != 1 {
			t.Errorf("Service %s ports = %v, want only %v", name, ports, want[0])
		}
		port := get(t, svc, "spec", "ports", 0)
		if got := []any{get(t, port, "name"), get(t, port, "port"), get(t, port, "targetPort"), get(t, svc, "spec", "type")}; !reflect.DeepEqual(got, want) {
			t.Errorf("Service %s port name, port, targetPort, type = %v, want %v", name, got, want)
		}
	}
	if got := get(t, one(t, objs, "PodDisruptionBudget"), "spec", "maxUnavailable"); got != 1 {
		t.Errorf("PDB maxUnavailable = %v, want 1 (a single replica must stay drainable)", got)
	}
	if got := get(t, one(t, objs, "ServiceAccount"), "automountServiceAccountToken"); got != false {
		t.Errorf("ServiceAccount automountServiceAccountToken = %v, want false", got)
	}
}

// deploymentWant is what one set of values makes of the rendered objects
// and their Deployment; the whys are printed with a wrong answer.
type deploymentWant struct {
	kinds       []string
	kindsWhy    string
	replicas    int
	strategy    string
	strategyWhy string
}

// checkDeployment checks the rendered kinds, the Deployment's hardened pod,
// replicas and rollout strategy, and returns the Deployment.
func checkDeployment(t *testing.T, objs map[string][]object, want deploymentWant) object {
	t.Helper()
	if got := kinds(objs); !reflect.DeepEqual(got, want.kinds) {
		t.Fatalf("kinds = %v, want %v%s", got, want.kinds, want.kindsWhy)
	}
	d := one(t, objs, "Deployment")
	checkHardenedPod(t, d)
	if got := get(t, d, "spec", "replicas"); got != want.replicas {
		t.Errorf("replicas = %v, want %d", got, want.replicas)
	}
	if got := get(t, d, "spec", "strategy", "type"); got != want.strategy {
		t.Errorf("strategy = %v, want %s%s", got, want.strategy, want.strategyWhy)
	}
	return d
}

// checkHardenedPod: non-root, read-only root, no escalation, no
// capabilities, RuntimeDefault seccomp, probes on /-/healthy and /-/ready,
// and the state directory on a volume at --storage.path.
func checkHardenedPod(t *testing.T, d object) {
	t.Helper()
	pod := get(t, d, "spec", "template", "spec")
	for path, want := range map[string]any{
		"runAsNonRoot": true, "runAsUser": 65534, "runAsGroup": 65534, "fsGroup": 65534,
	} {
		if got := get(t, pod, "securityContext", path); got != want {
			t.Errorf("pod securityContext.%s = %v, want %v", path, got, want)
		}
	}
	if got := get(t, pod, "securityContext", "seccompProfile", "type"); got != "RuntimeDefault" {
		t.Errorf("seccompProfile = %v, want RuntimeDefault", got)
	}
	if got := get(t, pod, "automountServiceAccountToken"); got != false {
		t.Errorf("automountServiceAccountToken = %v, want false", got)
	}
	containers := get(t, pod, "containers").([]any)
	if len(containers) != 1 {
		t.Fatalf("%d containers, want 1", len(containers))
	}
	c := containers[0]
	for path, want := range map[string]any{
		"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "privileged": false,
	} {
		if got := get(t, c, "securityContext", path); got != want {
			t.Errorf("container securityContext.%s = %v, want %v", path, got, want)
		}
	}
	if got := get(t, c, "securityContext", "capabilities", "drop"); !reflect.DeepEqual(got, []any{"ALL"}) {
		t.Errorf("capabilities.drop = %v, want [ALL]", got)
	}
	for probe, path := range map[string]string{"livenessProbe": "/-/healthy", "readinessProbe": "/-/ready"} {
		if got := get(t, c, probe, "httpGet", "path"); got != path {
			t.Errorf("%s path = %v, want %s", probe, got, path)
		}
		if got := get(t, c, probe, "httpGet", "port"); got != "http" {
			t.Errorf("%s port = %v, want http", probe, got)
		}
	}
	if got := get(t, c, "ports", 0); get(t, got, "name") != "http" || get(t, got, "containerPort") != 10133 {
		t.Errorf("container port = %v, want http 10133", got)
	}
	if got := get(t, c, "ports", 1); get(t, got, "name") != "webhook" || get(t, got, "containerPort") != 10134 {
		t.Errorf("second container port = %v, want webhook 10134", got)
	}
	args := fmt.Sprint(get(t, c, "args"))
	for _, want := range []string{"--config.file=/etc/airudder_exporter/config/config.yml", "--storage.path=/var/lib/airudder_exporter", "--webhook.listen-address=:10134"} {
		if !strings.Contains(args, want) {
			t.Errorf("args %s lack %s", args, want)
		}
	}
	mounts := map[string]string{}
	for _, m := range get(t, c, "volumeMounts").([]any) {
		mounts[get(t, m, "name").(string)] = get(t, m, "mountPath").(string)
	}
	if mounts["state"] != "/var/lib/airudder_exporter" || mounts["config"] != "/etc/airudder_exporter/config" {
		t.Errorf("volume mounts = %v, want state at /var/lib/airudder_exporter (= --storage.path, writable on a read-only root) and config at /etc/airudder_exporter/config", mounts)
	}
}

func TestChartAllFeatures(t *testing.T) {
	objs := render(t, chartDir(t), allFeatures)
	d := checkDeployment(t, objs, deploymentWant{
		kinds:       []string{"ConfigMap", "Deployment", "Ingress", "NetworkPolicy", "PodDisruptionBudget", "PrometheusRule", "Service", "Service", "ServiceAccount", "ServiceMonitor"},
		replicas:    2,
		strategy:    "RollingUpdate",
		strategyWhy: " with Redis",
	})

	// Every credential is a secretKeyRef: names and keys from the values,
	// never a value in the rendered objects.
	wantEnv := map[string][2]string{
		"AIRUDDER_APP_KEY": {"ar-creds", "key"}, "AIRUDDER_APP_SECRET": {"ar-creds", "secret"},
		"LAAFFIC_API_KEY": {"la-creds", "api_key"}, "LAAFFIC_API_SECRET": {"la-creds", "api_secret"},
		"WEBHOOK_TOKEN": {"wh-token", "tok"}, "REDIS_PASSWORD": {"redis-auth", "password"},
	}
	gotEnv := map[string][2]string{}
	for _, e := range get(t, d, "spec", "template", "spec", "containers", 0, "env").([]any) {
		if v := get(t, e, "value"); v != nil {
			t.Errorf("env %v carries a literal value", e)
		}
		ref := get(t, e, "valueFrom", "secretKeyRef")
		gotEnv[get(t, e, "name").(string)] = [2]string{fmt.Sprint(get(t, ref, "name")), fmt.Sprint(get(t, ref, "key"))}
	}
	if !reflect.DeepEqual(gotEnv, wantEnv) {
		t.Errorf("env secret refs = %v, want %v", gotEnv, wantEnv)
	}

	// The Ingress publishes the webhook path only.
	ing := one(t, objs, "Ingress")
	if got := get(t, ing, "spec", "ingressClassName"); got != "nginx" {
		t.Errorf("ingressClassName = %v", got)
	}
	rules := get(t, ing, "spec", "rules").([]any)
	if len(rules) != 1 || get(t, rules[0], "host") != "hooks.example.com" {
		t.Fatalf("ingress rules = %v", rules)
	}
	paths := get(t, rules[0], "http", "paths").([]any)
	if len(paths) != 1 || get(t, paths[0], "path") != "/webhooks" || get(t, paths[0], "pathType") != "Prefix" {
		t.Errorf("ingress paths = %v, want only Prefix /webhooks", paths)
	}
	if got := get(t, paths[0], "backend", "service"); !reflect.DeepEqual(got, map[string]any{"name": webhookService, "port": map[string]any{"number": 10134}}) {
		t.Errorf("ingress backend = %v, want the webhook Service %s port 10134", got, webhookService)
	}

	sm := one(t, objs, "ServiceMonitor")
	if got := get(t, sm, "metadata", "labels", "release"); got != "kube-prometheus-stack" {
		t.Errorf("ServiceMonitor additional label = %v", got)
	}
	ep := get(t, sm, "spec", "endpoints", 0)
	if get(t, ep, "port") != "http" || get(t, ep, "path") != "/metrics" {
		t.Errorf("ServiceMonitor endpoint = %v, want port http path /metrics", ep)
	}
	// The alert rules select job="airudder_exporter".
	relabel := get(t, ep, "relabelings", 0)
	if get(t, relabel, "targetLabel") != "job" || get(t, relabel, "replacement") != "airudder_exporter" {
		t.Errorf("ServiceMonitor relabeling = %v, want job=airudder_exporter", relabel)
	}
	svcLabels := get(t, services(t, objs)[metricsService], "metadata", "labels").(map[string]any)
	for k, v := range get(t, sm, "spec", "selector", "matchLabels").(map[string]any) {
		if svcLabels[k] != v {
			t.Errorf("ServiceMonitor selects %s=%v, the metrics Service has %v", k, v, svcLabels[k])
		}
	}
	if got := get(t, one(t, objs, "PrometheusRule"), "metadata", "labels", "release"); got != "kube-prometheus-stack" {
		t.Errorf("PrometheusRule additional label = %v", got)
	}
}

// repoRuleGroups parses every alerts/*.rules.yml of the repository (the one
// source of truth) into generic values, comparable with a rendered rule.
func repoRuleGroups(t *testing.T) (groups []any, alerts []string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testkit.RepoRoot(t), "alerts", "*.rules.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no alerts/*.rules.yml: %v", err)
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Groups []any `yaml:"groups"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		groups = append(groups, doc.Groups...)
	}
	for _, g := range groups {
		for _, r := range get(t, g, "rules").([]any) {
			if a, ok := r.(map[string]any)["alert"].(string); ok {
				alerts = append(alerts, a)
			}
		}
	}
	return groups, alerts
}

func renderedAlerts(t *testing.T, groups []any) []string {
	var names []string
	for _, g := range groups {
		for _, r := range get(t, g, "rules").([]any) {
			if a, ok := r.(map[string]any)["alert"].(string); ok {
				names = append(names, a)
			}
		}
	}
	return names
}

func TestChartPrometheusRuleCarriesEveryAlert(t *testing.T) {
	wantGroups, wantAlerts := repoRuleGroups(t)
	if len(wantAlerts) == 0 {
		t.Fatal("the repository's rule files hold no alert")
	}
	objs := render(t, chartDir(t), "prometheusRule: {enabled: true}\n")
	got := get(t, one(t, objs, "PrometheusRule"), "spec", "groups").([]any)
	if names := renderedAlerts(t, got); !reflect.DeepEqual(names, wantAlerts) {
		t.Errorf("PrometheusRule alerts = %v,\nwant every alert of alerts/*.rules.yml: %v", names, wantAlerts)
	}
	// Not only the names: expressions, durations, labels and annotations
	// (with their {{ $labels.x }} templates) arrive unchanged.
	if !reflect.DeepEqual(got, wantGroups) {
		gb, _ := yaml.Marshal(got)
		wb, _ := yaml.Marshal(wantGroups)
		t.Errorf("PrometheusRule groups differ from alerts/*.rules.yml:\nrendered:\n%s\nrepository:\n%s", gb, wb)
	}

	// runbookBaseURL prefixes every relative runbook_url and changes nothing else.
	const base = "https://git.example.com/ops/airudder_exporter/blob/main/"
	objs = render(t, chartDir(t), "prometheusRule: {enabled: true, runbookBaseURL: '"+base+"'}\n")
	got = get(t, one(t, objs, "PrometheusRule"), "spec", "groups").([]any)
	if len(got) != len(wantGroups) {
		t.Fatalf("runbookBaseURL: %d groups rendered, want %d", len(got), len(wantGroups))
	}
	n := 0
	for gi, g := range got {
		for ri, r := range get(t, g, "rules").([]any) {
			if _, alert := r.(map[string]any)["alert"]; !alert {
				continue // recording rules have no annotations
			}
			url, _ := get(t, r, "annotations", "runbook_url").(string)
			orig, _ := get(t, wantGroups[gi], "rules", ri, "annotations", "runbook_url").(string)
			if orig == "" {
				continue
			}
			n++
			if url != base+orig {
				t.Errorf("group %d rule %d runbook_url = %q, want %q", gi, ri, url, base+orig)
			}
		}
	}
	if n == 0 {
		t.Error("no rule has a runbook_url to prefix")
	}
}

func TestChartRefusesDoubleCounting(t *testing.T) {
	for name, c := range map[string]struct{ values, want string }{
		"replicas without redis":               {"replicaCount: 2\n", "config.webhooks.redis (address, sentinel or cluster_addresses)"},
		"replicas with empty redis":            {"replicaCount: 3\nconfig: {webhooks: {redis: {address: ''}}}\n", "counted twice"},
		"replicas with one RWO claim":          {"replicaCount: 2\npersistence: {enabled: true}\nconfig: {webhooks: {redis: {address: 'r:6379'}}}\n", "ReadWriteOnce"},
		"webhook listener on the metrics port": {"port: 10133\nwebhookPort: 10133\n", "two listeners cannot share a port"},
	} {
		args := []string{"template", "rel", chartDir(t), "--kube-version", kubeVersion, "-f", valuesFile(t, c.values)}
		_, stderr, err := runHelm(t, args...)
		if err == nil {
			t.Errorf("%s: helm template succeeded, want a refusal", name)
			continue
		}
		if !strings.Contains(stderr, c.want) {
			t.Errorf("%s: error %q does not mention %q", name, stderr, c.want)
		}
	}
}

// prometheus-operator skips a ServiceMonitor whose scrapeTimeout exceeds
// its interval (an event and a log line, no scrape at all), so the chart
// refuses to render one; equal values are valid for Prometheus.
func TestChartRefusesScrapeTimeoutAboveInterval(t *testing.T) {
	for _, c := range []struct {
		interval, timeout string
		ok                bool
	}{
		{"5s", "10s", false},
		{"1m", "1m30s", false},
		{"500ms", "1s", false},
		{"1m", "1m500ms", false},
		{"10s", "10s", true},
		{"30s", "10s", true},
		{"1m", "59s", true},
		{"1h", "5m", true},
		{"2m", "1m59s999ms", true},
	} {
		name := "interval " + c.interval + " timeout " + c.timeout
		_, stderr, err := template(t, "--set", "serviceMonitor.enabled=true",
			"--set", "serviceMonitor.interval="+c.interval, "--set", "serviceMonitor.scrapeTimeout="+c.timeout)
		switch {
		case c.ok && err != nil:
			t.Errorf("%s: refused: %v\n%s", name, err, stderr)
		case !c.ok && err == nil:
			t.Errorf("%s: rendered a ServiceMonitor prometheus-operator rejects, want a refusal", name)
		case !c.ok && !strings.Contains(stderr, "serviceMonitor.scrapeTimeout="+c.timeout+" is longer than serviceMonitor.interval="+c.interval):
			t.Errorf("%s: error does not name both values:\n%s", name, stderr)
		}
	}
	// Disabled, the values are unused and nothing is refused.
	if _, stderr, err := template(t, "--set", "serviceMonitor.interval=5s"); err != nil {
		t.Errorf("ServiceMonitor disabled, interval 5s refused: %v\n%s", err, stderr)
	}
}

// The ConfigMap is readable by anyone who may read ConfigMaps: a value of a
// secret key of config.yml must be a ${NAME} reference (filled from a
// Secret) or a *_file path, never the secret itself. The keys are those the
// exporter types as config.Secret.
func TestChartRefusesLiteralSecretsInConfig(t *testing.T) {
	for _, c := range []struct{ name, values, key string }{
		{"webhook token", "config: {webhooks: {token: s3cret}}\n", "webhooks.token"},
		{"AiRudder app secret", "config: {airudder: {accounts: [{name: a, app_key: k, app_secret: s3cret}]}}\n", "airudder.accounts[0].app_secret"},
		{"AiRudder webhook token", "config: {airudder: {accounts: [{name: a}, {name: b, webhook_token: s3cret}]}}\n", "airudder.accounts[1].webhook_token"},
		{"AiRudder AES key", "config: {airudder: {accounts: [{name: a, aes_key: airudderredduria}]}}\n", "airudder.accounts[0].aes_key"},
		{"LAAFFIC API key", "config: {laaffic: {accounts: [{name: a, api_key: s3cret, api_secret: '${S}'}]}}\n", "laaffic.accounts[0].api_key"},
		{"LAAFFIC API secret", "config: {laaffic: {accounts: [{name: a, api_key: '${K}', api_secret: s3cret}]}}\n", "laaffic.accounts[0].api_secret"},
		{"LAAFFIC webhook token", "config: {laaffic: {accounts: [{name: a, webhook_token: s3cret}]}}\n", "laaffic.accounts[0].webhook_token"},
		{"Redis password", "config: {webhooks: {redis: {address: 'r:6379', password: s3cret}}}\n", "webhooks.redis.password"},
		{"Sentinel password", "config: {webhooks: {redis: {sentinel: {master_name: m, addresses: ['s:26379'], password: s3cret}}}}\n", "webhooks.redis.sentinel.password"},
		{"reference with a literal part", "config: {webhooks: {token: 'tok-${WEBHOOK_TOKEN}'}}\n", "webhooks.token"},
		{"a number", "config: {webhooks: {token: 12345}}\n", "webhooks.token"},
		{"in a string config", "config: |\n  webhooks:\n    token: s3cret # pasted\n", "webhooks.token"},
	} {
		out, stderr, err := template(t, "-f", valuesFile(t, c.values))
		if err == nil {
			t.Errorf("%s: rendered, want a refusal of %s", c.name, c.key)
			continue
		}
		if !strings.Contains(stderr, "config."+c.key+" is a literal secret") {
			t.Errorf("%s: error does not name config.%s:\n%s", c.name, c.key, stderr)
		}
		if strings.Contains(stderr+out, "s3cret") || strings.Contains(stderr+out, "airudderredduria") {
			t.Errorf("%s: the refusal repeats the secret:\n%s", c.name, stderr)
		}
	}
	// References, empty values and the *_file forms render.
	for name, values := range map[string]string{
		"references": `
config:
  airudder:
    accounts:
      - {name: a, app_key: plain-app-key, app_secret: '${S}', webhook_token: '${T}', aes_key: '${A}'}
  laaffic:
    accounts: [{name: l, api_key: '${K}', api_secret: '${S}', webhook_token: '${A}${B}'}]
  webhooks:
    token: '${WEBHOOK_TOKEN}'
    redis: {sentinel: {master_name: m, addresses: ['s:26379'], password: '${P}'}, password: ''}
`,
		"files": `
config:
  webhooks: {token_file: /etc/secrets/token, redis: {address: 'r:6379', password_file: /etc/secrets/redis}}
`,
		"string config": "config: |\n  webhooks:\n    token: '${WEBHOOK_TOKEN}' # from the Secret\n",
	} {
		if _, stderr, err := template(t, "-f", valuesFile(t, values)); err != nil {
			t.Errorf("%s: refused: %v\n%s", name, err, stderr)
		}
	}
}

// Sentinel and Cluster are shared dedup state too: replicas are allowed,
// with the rolling update.
func TestChartReplicasWithSentinelOrCluster(t *testing.T) {
	for name, redis := range map[string]string{
		"sentinel": "{sentinel: {master_name: m, addresses: ['s0:26379']}}",
		"cluster":  "{cluster_addresses: ['r0:6379', 'r1:6379']}",
	} {
		objs := render(t, chartDir(t), "replicaCount: 2\nconfig: {webhooks: {redis: "+redis+"}}\n")
		d := one(t, objs, "Deployment")
		if got := get(t, d, "spec", "replicas"); got != 2 {
			t.Errorf("%s: replicas = %v, want 2", name, got)
		}
		if got := get(t, d, "spec", "strategy", "type"); got != "RollingUpdate" {
			t.Errorf("%s: strategy = %v, want RollingUpdate", name, got)
		}
	}
}

// Replicas are for availability: without a spread the scheduler may put
// them all on one node, which then takes the exporter down alone. With more
// than one replica and no topologySpreadConstraints of their own, the pods
// are spread over nodes (ScheduleAnyway, so a one-node cluster still runs
// them); the constraint selects exactly the Deployment's pods.
func TestChartSpreadsReplicasOverNodes(t *testing.T) {
	const redis = "config: {webhooks: {redis: {address: 'r:6379'}}}\n"
	objs := render(t, chartDir(t), "replicaCount: 2\n"+redis)
	d := one(t, objs, "Deployment")
	tsc, _ := get(t, d, "spec", "template", "spec", "topologySpreadConstraints").([]any)
	if len(tsc) != 1 {
		t.Fatalf("2 replicas: topologySpreadConstraints = %v, want one spreading over nodes", tsc)
	}
	for k, want := range map[string]any{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway"} {
		if got := get(t, tsc[0], k); got != want {
			t.Errorf("spread %s = %v, want %v", k, got, want)
		}
	}
	if got, want := get(t, tsc[0], "labelSelector", "matchLabels"), get(t, d, "spec", "selector", "matchLabels"); !reflect.DeepEqual(got, want) {
		t.Errorf("spread selects %v, the Deployment's pods are %v", got, want)
	}

	for name, values := range map[string]string{
		"one replica": redis,
		"no replica":  "replicaCount: 0\n",
	} {
		d := one(t, render(t, chartDir(t), values), "Deployment")
		if got := get(t, d, "spec", "template", "spec", "topologySpreadConstraints"); got != nil {
			t.Errorf("%s: topologySpreadConstraints = %v, want none", name, got)
		}
	}

	// The user's own constraints replace the default.
	own := "replicaCount: 3\n" + redis + "topologySpreadConstraints: [{maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app.kubernetes.io/name: airudder-exporter}}}]\n"
	d = one(t, render(t, chartDir(t), own), "Deployment")
	tsc, _ = get(t, d, "spec", "template", "spec", "topologySpreadConstraints").([]any)
	if len(tsc) != 1 || get(t, tsc[0], "topologyKey") != "topology.kubernetes.io/zone" {
		t.Errorf("own constraints: topologySpreadConstraints = %v, want only the zone one given", tsc)
	}
}

// networkPolicy.enabled admits the metrics port from the release's
// namespace (or metricsFrom) only, and the webhook port from anywhere (or
// webhooksFrom): the vendors' posts arrive through an Ingress controller
// elsewhere in the cluster. It selects exactly the Deployment's pods.
func TestChartNetworkPolicy(t *testing.T) {
	if got := render(t, chartDir(t))["NetworkPolicy"]; len(got) != 0 {
		t.Errorf("NetworkPolicy rendered by default: %v", got)
	}
	ports := func(t *testing.T, np object) map[string][]any {
		t.Helper()
		if got := get(t, np, "spec", "policyTypes"); !reflect.DeepEqual(got, []any{"Ingress"}) {
			t.Errorf("policyTypes = %v, want [Ingress] (egress to the vendor APIs, Redis and DNS is left open)", got)
		}
		byPort := map[string][]any{}
		for _, r := range get(t, np, "spec", "ingress").([]any) {
			from, _ := get(t, r, "from").([]any)
			for _, p := range get(t, r, "ports").([]any) {
				byPort[fmt.Sprint(get(t, p, "port"))] = from
			}
		}
		return byPort
	}
	sameNamespace := []any{map[string]any{"podSelector": map[string]any{}}}

	objs := render(t, chartDir(t), "networkPolicy: {enabled: true}\n")
	np := one(t, objs, "NetworkPolicy")
	if got, want := get(t, np, "spec", "podSelector", "matchLabels"), get(t, one(t, objs, "Deployment"), "spec", "selector", "matchLabels"); !reflect.DeepEqual(got, want) {
		t.Errorf("NetworkPolicy selects %v, the Deployment's pods are %v", got, want)
	}
	want := map[string][]any{"http": sameNamespace, "webhook": nil}
	if got := ports(t, np); !reflect.DeepEqual(got, want) {
		t.Errorf("defaults: ingress by port = %v, want %v (metrics from the namespace, webhooks from anywhere)", got, want)
	}

	monitoring := map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "monitoring"}}}
	ingressNginx := map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "ingress-nginx"}}}
	peers := `
networkPolicy:
  enabled: true
  metricsFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
  webhooksFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]
`
	want = map[string][]any{"http": {monitoring}, "webhook": {ingressNginx}}
	if got := ports(t, one(t, render(t, chartDir(t), peers), "NetworkPolicy")); !reflect.DeepEqual(got, want) {
		t.Errorf("own peers: ingress by port = %v, want %v", got, want)
	}

	// One listener: the port serves webhooks too, so whoever may post may
	// reach it (anyone, without webhooksFrom).
	want = map[string][]any{"http": nil}
	if got := ports(t, one(t, render(t, chartDir(t), "webhookPort: 0\nnetworkPolicy: {enabled: true}\n"), "NetworkPolicy")); !reflect.DeepEqual(got, want) {
		t.Errorf("webhookPort 0: ingress by port = %v, want %v", got, want)
	}
	want = map[string][]any{"http": {monitoring, ingressNginx}}
	if got := ports(t, one(t, render(t, chartDir(t), "webhookPort: 0\n"+peers), "NetworkPolicy")); !reflect.DeepEqual(got, want) {
		t.Errorf("webhookPort 0 with peers: ingress by port = %v, want %v", got, want)
	}
}

// webhookPort 0 serves webhooks on the main listener: one port, and the
// Ingress routes /webhooks to it.
func TestChartWebhooksOnMainPort(t *testing.T) {
	objs := render(t, chartDir(t), "webhookPort: 0\ningress: {enabled: true, hosts: [hooks.example.com]}\n")
	c := get(t, one(t, objs, "Deployment"), "spec", "template", "spec", "containers", 0)
	if ports := get(t, c, "ports").([]any); len(ports) != 1 {
		t.Errorf("container ports = %v, want only http", ports)
	}
	if args := fmt.Sprint(get(t, c, "args")); strings.Contains(args, "--webhook.listen-address") {
		t.Errorf("args %s set --webhook.listen-address with webhookPort 0", args)
	}
	// No webhook listener, no webhook Service: one Service, one port.
	if ports := portNames(t, one(t, objs, "Service")); !reflect.DeepEqual(ports, []string{"http"}) {
		t.Errorf("service ports = %v, want only http", ports)
	}
	path := get(t, one(t, objs, "Ingress"), "spec", "rules", 0, "http", "paths", 0)
	if got := get(t, path, "backend", "service"); !reflect.DeepEqual(got, map[string]any{"name": metricsService, "port": map[string]any{"number": 10133}}) {
		t.Errorf("ingress backend = %v, want the main listener's Service %s port 10133", got, metricsService)
	}
}

// The vendors post from the internet, Prometheus scrapes from inside the
// cluster: the webhook listener has a Service of its own, so publishing it
// (a LoadBalancer or NodePort webhookService) never publishes /metrics,
// /debug/pprof or the landing page, whose Service stays ClusterIP. The
// ServiceMonitor's port is on the metrics Service only, so it scrapes that
// one although its selector matches both.
func TestChartWebhooksHaveTheirOwnService(t *testing.T) {
	objs := render(t, chartDir(t), allFeatures)
	svcs := services(t, objs)
	metrics, webhook := svcs[metricsService], svcs[webhookService]
	if len(svcs) != 2 || metrics == nil || webhook == nil {
		t.Fatalf("Services = %v, want %s and %s", svcs, metricsService, webhookService)
	}
	if got := portNames(t, metrics); !reflect.DeepEqual(got, []string{"http"}) {
		t.Errorf("metrics Service ports = %v, want only http (a webhook port would make it a second way in)", got)
	}
	if got := get(t, metrics, "spec", "type"); got != "ClusterIP" {
		t.Errorf("metrics Service type = %v with a LoadBalancer webhookService, want ClusterIP", got)
	}
	if got := portNames(t, webhook); !reflect.DeepEqual(got, []string{"webhook"}) {
		t.Errorf("webhook Service ports = %v, want only webhook (/metrics and /debug/pprof must not be published with it)", got)
	}
	if got := get(t, webhook, "spec", "ports", 0, "targetPort"); got != "webhook" {
		t.Errorf("webhook Service targetPort = %v, want the container's webhook port", got)
	}
	for k, want := range map[string]any{
		"type": "LoadBalancer", "externalTrafficPolicy": "Local", "loadBalancerSourceRanges": []any{"203.0.113.0/24"},
	} {
		if got := get(t, webhook, "spec", k); !reflect.DeepEqual(got, want) {
			t.Errorf("webhook Service %s = %v, want %v", k, got, want)
		}
	}
	if got := get(t, webhook, "metadata", "annotations", "service.beta.kubernetes.io/aws-load-balancer-scheme"); got != "internet-facing" {
		t.Errorf("webhook Service annotation = %v, want webhookService.annotations", got)
	}
	if got := get(t, metrics, "metadata", "annotations"); got != nil {
		t.Errorf("metrics Service annotations = %v, want none (webhookService.annotations are the load balancer's)", got)
	}
	if got, want := get(t, webhook, "spec", "selector"), get(t, one(t, objs, "Deployment"), "spec", "selector", "matchLabels"); !reflect.DeepEqual(got, want) {
		t.Errorf("webhook Service selects %v, the Deployment's pods are %v", got, want)
	}
	sm := one(t, objs, "ServiceMonitor")
	smPort, _ := get(t, sm, "spec", "endpoints", 0, "port").(string)
	selector, _ := get(t, sm, "spec", "selector", "matchLabels").(map[string]any)
	for name, svc := range svcs {
		if slices.Contains(portNames(t, svc), smPort) != (name == metricsService) {
			t.Errorf("Service %s ports %v: the ServiceMonitor's port %v must be on %s only", name, portNames(t, svc), smPort, metricsService)
		}
		// Selected, a Service without the port would show as dropped
		// targets in Prometheus.
		labels, _ := get(t, svc, "metadata", "labels").(map[string]any)
		selected := len(selector) > 0
		for k, v := range selector {
			selected = selected && labels[k] == v
		}
		if selected != (name == metricsService) {
			t.Errorf("ServiceMonitor selector %v selects Service %s (labels %v) = %v, want only %s", selector, name, labels, selected, metricsService)
		}
	}

	// ClusterIP (the default): nothing a ClusterIP Service cannot carry.
	webhook = services(t, render(t, chartDir(t)))[webhookService]
	for _, k := range []string{"externalTrafficPolicy", "loadBalancerSourceRanges"} {
		if got := get(t, webhook, "spec", k); got != nil {
			t.Errorf("ClusterIP webhook Service has %s = %v", k, got)
		}
	}
	if got := get(t, webhook, "spec", "ports", 0, "nodePort"); got != nil {
		t.Errorf("ClusterIP webhook Service has nodePort %v", got)
	}

	// A NodePort with its own Service port and node port.
	svcs = services(t, render(t, chartDir(t), "webhookService: {type: NodePort, port: 8443, nodePort: 30134}\n"))
	port := get(t, svcs[webhookService], "spec", "ports", 0)
	if got := []any{get(t, svcs[webhookService], "spec", "type"), get(t, port, "port"), get(t, port, "nodePort")}; !reflect.DeepEqual(got, []any{"NodePort", 8443, 30134}) {
		t.Errorf("webhook Service type, port, nodePort = %v, want [NodePort 8443 30134]", got)
	}
	if got := get(t, svcs[metricsService], "spec", "type"); got != "ClusterIP" {
		t.Errorf("metrics Service type = %v with a NodePort webhookService, want ClusterIP", got)
	}
}

// The webhook Service's port is webhookService.port; empty, the deprecated
// service.webhookPort (its place before the webhook Service existed, still
// set by .ci/image and existing values files), else the listener's own
// webhookPort. The Ingress follows it.
func TestChartWebhookServicePort(t *testing.T) {
	for _, c := range []struct {
		name, values string
		want         int
	}{
		{"default", "", 10134},
		{"webhookService.port", "webhookService: {port: 8443}\n", 8443},
		{"deprecated service.webhookPort", "service: {webhookPort: 18081}\n", 18081},
		{"both, equal", "service: {webhookPort: 18081}\nwebhookService: {port: 18081}\n", 18081},
		{"the listener's port", "webhookPort: 9000\n", 9000},
	} {
		objs := render(t, chartDir(t), c.values, "ingress: {enabled: true}\n")
		svc, ok := services(t, objs)[webhookService]
		if !ok {
			t.Errorf("%s: no Service %s", c.name, webhookService)
			continue
		}
		if got := get(t, svc, "spec", "ports", 0, "port"); got != c.want {
			t.Errorf("%s: webhook Service port = %v, want %d", c.name, got, c.want)
		}
		if got := get(t, one(t, objs, "Ingress"), "spec", "rules", 0, "http", "paths", 0, "backend", "service", "port", "number"); got != c.want {
			t.Errorf("%s: Ingress backend port = %v, want the webhook Service's %d", c.name, got, c.want)
		}
	}
}

// The main Service carries /metrics, /debug/pprof (profiles, goroutine
// dumps) and the landing page, and with webhookPort 0 the webhooks too. A
// LoadBalancer or NodePort there publishes all of it outside the cluster,
// so it is refused unless service.exposeMetricsPublicly says it is meant;
// the refusal says how to publish the webhooks alone instead.
func TestChartRefusesPublicMetricsService(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"load balancer", []string{"--set", "service.type=LoadBalancer"}, "set webhookService.type=LoadBalancer"},
		{"node port", []string{"--set", "service.type=NodePort"}, "set webhookService.type=NodePort"},
		{"load balancer with one listener", []string{"--set", "service.type=LoadBalancer", "--set", "webhookPort=0"}, "set webhookPort"},
		{"node port with one listener", []string{"--set", "service.type=NodePort", "--set", "webhookPort=0"}, "set webhookPort"},
		{"opt-in false", []string{"--set", "service.type=LoadBalancer", "--set", "service.exposeMetricsPublicly=false"}, "set webhookService.type=LoadBalancer"},
	} {
		_, stderr, err := template(t, c.args...)
		if err == nil {
			t.Errorf("%s: rendered a metrics Service reachable from outside the cluster, want a refusal", c.name)
			continue
		}
		if !strings.Contains(stderr, "/debug/pprof") || !strings.Contains(stderr, "service.exposeMetricsPublicly=true") || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: the refusal does not name the risk, the opt-in and %q:\n%s", c.name, c.want, stderr)
		}
	}
	for _, webhookPort := range []string{"10134", "0"} {
		objs := render(t, chartDir(t), "service: {type: LoadBalancer, exposeMetricsPublicly: true}\nwebhookPort: "+webhookPort+"\n")
		if got := get(t, services(t, objs)[metricsService], "spec", "type"); got != "LoadBalancer" {
			t.Errorf("webhookPort %s, exposeMetricsPublicly: metrics Service type = %v, want LoadBalancer", webhookPort, got)
		}
	}
}

// A webhookService setting Kubernetes would ignore or reject is refused:
// whoever sets a load balancer or its source ranges believes the webhooks
// are published, or restricted, as written.
func TestChartRefusesWebhookServiceSettingsWithoutEffect(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"load balancer without a webhook listener", []string{"--set", "webhookPort=0", "--set", "webhookService.type=LoadBalancer"}, "webhookService.type=LoadBalancer needs a webhook listener"},
		{"node port without a webhook listener", []string{"--set", "webhookPort=0", "--set", "webhookService.type=NodePort"}, "webhookService.type=NodePort needs a webhook listener"},
		{"source ranges on a node port", []string{"--set", "webhookService.type=NodePort", "--set", "webhookService.loadBalancerSourceRanges[0]=203.0.113.0/24"}, "webhookService.loadBalancerSourceRanges restricts a LoadBalancer only"},
		{"source ranges on a cluster IP", []string{"--set", "webhookService.loadBalancerSourceRanges[0]=203.0.113.0/24"}, "webhookService.loadBalancerSourceRanges restricts a LoadBalancer only"},
		{"node port on a cluster IP", []string{"--set", "webhookService.nodePort=30134"}, "webhookService.nodePort needs webhookService.type NodePort or LoadBalancer"},
		{"traffic policy on a cluster IP", []string{"--set", "webhookService.externalTrafficPolicy=Local"}, "webhookService.externalTrafficPolicy needs webhookService.type NodePort or LoadBalancer"},
		{"two webhook Service ports", []string{"--set", "service.webhookPort=18081", "--set", "webhookService.port=18082"}, "service.webhookPort=18081 and webhookService.port=18082"},
	} {
		_, stderr, err := template(t, c.args...)
		if err == nil {
			t.Errorf("%s: rendered, want a refusal", c.name)
			continue
		}
		if !strings.Contains(stderr, c.want) {
			t.Errorf("%s: error does not say %q:\n%s", c.name, c.want, stderr)
		}
	}
}

// TestChartConfigIsValid feeds the rendered ConfigMap to the exporter's own
// --config.check, with credentials full of YAML characters in the
// environment the way the Secrets would set them.
func TestChartConfigIsValid(t *testing.T) {
	objs := render(t, chartDir(t))
	cfg, _ := get(t, one(t, objs, "ConfigMap"), "data", "config.yml").(string)
	if cfg == "" {
		t.Fatal("ConfigMap has no config.yml")
	}
	path := filepath.Join(t.TempDir(), "config.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testkit.ExporterBinary(t), "--config.check", "--config.file="+path)
	cmd.Env = append(os.Environ(),
		"AIRUDDER_APP_KEY=key: with #colon", "AIRUDDER_APP_SECRET=s3cr#t: \"x\"", "WEBHOOK_TOKEN=tok #1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("--config.check of the chart's config failed: %v\n%s\nconfig:\n%s", err, out, cfg)
	}
	if !strings.Contains(string(out), "1 account(s) enabled") || !strings.Contains(string(out), "webhook token set") {
		t.Errorf("--config.check output %q: want the default account enabled and the token set from the environment", out)
	}
}

// TestChartRulesAreLinkedNotCopied: the chart's alerts/ is a symlink to the
// repository's alerts/, and a packaged chart carries the rule files
// themselves (Helm follows the link), so the PrometheusRule of an installed
// package has every alert too.
func TestChartRulesAreLinkedNotCopied(t *testing.T) {
	link := filepath.Join(chartDir(t), "alerts")
	fi, err := os.Lstat(link)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s is not a symlink: the chart must not hold a second copy of the rules", link)
	}
	target, err := filepath.EvalSymlinks(link)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(testkit.RepoRoot(t), "alerts"); target != want {
		t.Fatalf("%s resolves to %s, want %s", link, target, want)
	}

	pkg := packageChart(t)
	files := tgzFiles(t, pkg)
	repoRules, _ := filepath.Glob(filepath.Join(testkit.RepoRoot(t), "alerts", "*.rules.yml"))
	for _, f := range repoRules {
		want, _ := os.ReadFile(f)
		name := "airudder-exporter/alerts/" + filepath.Base(f)
		if got, ok := files[name]; !ok || !bytes.Equal(got, want) {
			t.Errorf("package: %s missing or different from %s", name, f)
		}
	}
	for name := range files {
		if strings.HasSuffix(name, ".test.yml") {
			t.Errorf("package carries the promtool test %s (.helmignore)", name)
		}
	}
	_, wantAlerts := repoRuleGroups(t)
	objs := render(t, pkg, "prometheusRule: {enabled: true}\n")
	got := get(t, one(t, objs, "PrometheusRule"), "spec", "groups").([]any)
	if names := renderedAlerts(t, got); !reflect.DeepEqual(names, wantAlerts) {
		t.Errorf("packaged chart's PrometheusRule alerts = %v, want %v", names, wantAlerts)
	}
}

// packageChart runs `helm package` and returns the .tgz it wrote.
func packageChart(t *testing.T) string {
	t.Helper()
	dest := t.TempDir()
	if _, stderr, err := runHelm(t, "package", chartDir(t), "--destination", dest); err != nil {
		t.Fatalf("helm package: %v\n%s", err, stderr)
	}
	pkgs, _ := filepath.Glob(filepath.Join(dest, "airudder-exporter-*.tgz"))
	if len(pkgs) != 1 {
		t.Fatalf("helm package wrote %v", pkgs)
	}
	return pkgs[0]
}

func tgzFiles(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = b
	}
}

// A string config is stored verbatim (comments, quoting and key order kept).
func TestChartConfigAsString(t *testing.T) {
	const cfg = "# ours\nwebhooks:\n  token: '${WEBHOOK_TOKEN}'   # from the Secret\n  dedup_window: 6h\n"
	b, err := yaml.Marshal(map[string]any{"config": cfg})
	if err != nil {
		t.Fatal(err)
	}
	objs := render(t, chartDir(t), string(b))
	got, _ := get(t, one(t, objs, "ConfigMap"), "data", "config.yml").(string)
	if strings.TrimSpace(got) != strings.TrimSpace(cfg) {
		t.Errorf("config.yml = %q, want the string value verbatim %q", got, cfg)
	}

	// The replica guard reads a string config too.
	withRedis := cfg + "  redis: {address: 'redis:6379'}\n"
	for _, c := range []struct {
		config string
		ok     bool
	}{{cfg, false}, {withRedis, true}} {
		b, _ := yaml.Marshal(map[string]any{"config": c.config, "replicaCount": 2})
		_, stderr, err := runHelm(t, "template", "rel", chartDir(t), "--kube-version", kubeVersion, "-f", valuesFile(t, string(b)))
		if c.ok && err != nil {
			t.Errorf("2 replicas with redis in a string config refused: %v\n%s", err, stderr)
		}
		if !c.ok && (err == nil || !strings.Contains(stderr, "config.webhooks.redis (address")) {
			t.Errorf("2 replicas without redis in a string config: err=%v, stderr=%q; want the refusal", err, stderr)
		}
	}
}

// renderNotes renders the chart's NOTES.txt with values. `helm template`
// never prints the notes and `helm install --dry-run` needs a cluster, so a
// copy of the chart carries NOTES.txt as a file and a template that expands
// it with tpl into an object render can decode.
func renderNotes(t *testing.T, values string) string {
	t.Helper()
	src := chartDir(t)
	dst := filepath.Join(t.TempDir(), "airudder-exporter")
	// Not alerts/ and dashboards/: symlinks, which CopyFS refuses, and
	// unused by the notes.
	if err := os.CopyFS(filepath.Join(dst, "templates"), os.DirFS(filepath.Join(src, "templates"))); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"Chart.yaml", "values.yaml", "values.schema.json"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Rename(filepath.Join(dst, "templates", "NOTES.txt"), filepath.Join(dst, "NOTES.txt")); err != nil {
		t.Fatal(err)
	}
	const wrapper = "kind: Notes\ntext: |\n  {{- tpl (.Files.Get \"NOTES.txt\") . | nindent 2 }}\n"
	if err := os.WriteFile(filepath.Join(dst, "templates", "notes.yaml"), []byte(wrapper), 0o644); err != nil {
		t.Fatal(err)
	}
	text, _ := get(t, one(t, render(t, dst, values), "Notes"), "text").(string)
	if text == "" {
		t.Fatal("NOTES.txt rendered empty")
	}
	return text
}

// NOTES.txt is what an operator copies after `helm install`: every command
// in it must work as printed. `kubectl port-forward` runs until stopped, so
// a curl chained after it with && never runs; the vendors' URL is https
// only when the Ingress has TLS.
func TestChartNotesCommandsWork(t *testing.T) {
	notes := renderNotes(t, "")
	if regexp.MustCompile(`port-forward[^\n]*&&`).MatchString(notes) {
		t.Errorf("NOTES chain a command after kubectl port-forward, which never returns:\n%s", notes)
	}
	for _, want := range []string{"kubectl -n mon port-forward svc/rel-airudder-exporter 10133", "curl http://127.0.0.1:10133/metrics"} {
		if !strings.Contains(notes, want) {
			t.Errorf("NOTES lack %q:\n%s", want, notes)
		}
	}
	for _, c := range []struct{ values, want, wrong string }{
		{"", "http://rel-airudder-exporter-webhook.mon.svc:10134/webhooks/airudder", "rel-airudder-exporter.mon.svc"},
		{"webhookPort: 0\n", "http://rel-airudder-exporter.mon.svc:10133/webhooks/airudder", "-webhook"},
		{"webhookService: {type: LoadBalancer}\n", "kubectl -n mon get svc rel-airudder-exporter-webhook", ".svc:10134"},
		{"ingress: {enabled: true, hosts: [hooks.example.com]}\n", "http://hooks.example.com/webhooks/airudder", "https://"},
		{"ingress: {enabled: true, hosts: [hooks.example.com], tls: [{secretName: t, hosts: [hooks.example.com]}]}\n", "https://hooks.example.com/webhooks/airudder", "http://hooks"},
	} {
		notes := renderNotes(t, c.values)
		if !strings.Contains(notes, c.want) || strings.Contains(notes, c.wrong) {
			t.Errorf("values %q: NOTES want %q (not %q):\n%s", c.values, c.want, c.wrong, notes)
		}
	}
}

// dashboardConfigMaps are the rendered ConfigMaps that carry a dashboard (a
// data key ending in .json), by that key.
func dashboardConfigMaps(t *testing.T, objs map[string][]object) map[string]object {
	t.Helper()
	out := map[string]object{}
	for _, cm := range objs["ConfigMap"] {
		data, _ := cm["data"].(map[string]any)
		for k := range data {
			if strings.HasSuffix(k, ".json") {
				if _, dup := out[k]; dup {
					t.Errorf("dashboard %s rendered twice", k)
				}
				out[k] = cm
			}
		}
	}
	return out
}

// The dashboards install themselves through the Grafana sidecar: one
// ConfigMap per generated dashboards/*.json, byte for byte, with the label
// the sidecar selects (configurable, as are namespace and folder).
func TestChartGrafanaDashboards(t *testing.T) {
	if got := dashboardConfigMaps(t, render(t, chartDir(t))); len(got) != 0 {
		t.Errorf("grafanaDashboards off by default, yet rendered %d dashboard ConfigMaps", len(got))
	}
	files, _ := filepath.Glob(filepath.Join(testkit.RepoRoot(t), "dashboards", "*.json"))
	if len(files) == 0 {
		t.Fatal("the repository has no dashboards/*.json")
	}
	check := func(t *testing.T, chart, values, ns, label, value, folder string) {
		t.Helper()
		got := dashboardConfigMaps(t, render(t, chart, values))
		if len(got) != len(files) {
			t.Errorf("%d dashboard ConfigMaps, want one per dashboards/*.json (%d)", len(got), len(files))
		}
		for _, f := range files {
			want, _ := os.ReadFile(f)
			key := filepath.Base(f)
			cm, ok := got[key]
			if !ok {
				t.Errorf("no ConfigMap carries %s", key)
				continue
			}
			// |- drops the file's final newline; nothing else may change.
			if data := get(t, cm, "data", key).(string); data != strings.TrimSuffix(string(want), "\n") {
				t.Errorf("%s: ConfigMap data differs from the repository's file", key)
			}
			if n := get(t, cm, "metadata", "namespace"); n != ns {
				t.Errorf("%s: namespace %v, want %s", key, n, ns)
			}
			if v := get(t, cm, "metadata", "labels", label); v != value {
				t.Errorf("%s: label %s = %v, want %q", key, label, v, value)
			}
			annotations, _ := get(t, cm, "metadata", "annotations").(map[string]any)
			if a, _ := annotations["grafana_folder"].(string); a != folder {
				t.Errorf("%s: folder annotation %q, want %q", key, a, folder)
			}
			if name := get(t, cm, "metadata", "name").(string); len(name) > 63 || !strings.HasPrefix(name, "rel-airudder-exporter-") {
				t.Errorf("%s: ConfigMap name %q", key, name)
			}
		}
	}
	t.Run("defaults", func(t *testing.T) {
		check(t, chartDir(t), "grafanaDashboards: {enabled: true}\n", "mon", "grafana_dashboard", "1", "")
	})
	t.Run("own label namespace and folder", func(t *testing.T) {
		check(t, chartDir(t), "grafanaDashboards: {enabled: true, label: dash, labelValue: 'yes', namespace: grafana, folder: Voice robots}\n",
			"grafana", "dash", "yes", "Voice robots")
	})
	t.Run("packaged chart", func(t *testing.T) {
		check(t, packageChart(t), "grafanaDashboards: {enabled: true}\n", "mon", "grafana_dashboard", "1", "")
	})
}

// template runs `helm template` with extra arguments (--set, -f, ...).
func template(t *testing.T, extra ...string) (string, string, error) {
	t.Helper()
	args := append([]string{"template", "rel", chartDir(t), "--namespace", "mon", "--kube-version", kubeVersion}, extra...)
	return runHelm(t, args...)
}

// values.schema.json refuses values that used to render into broken or
// silently different objects, and names the offending key.
func TestChartRefusesBadValues(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		file string // a values file, for what --set cannot express
		want string // the key, as the schema error names it
	}{
		{name: "replicas not a number", args: []string{"--set", "replicaCount=two"}, want: "/replicaCount"},
		{name: "negative replicas", args: []string{"--set", "replicaCount=-1"}, want: "/replicaCount"},
		{name: "fractional replicas", file: "replicaCount: 1.5\n", want: "/replicaCount"},
		{name: "port not a number", args: []string{"--set", "port=abc"}, want: "/port"},
		{name: "port 0", args: []string{"--set", "port=0"}, want: "/port"},
		{name: "webhook port out of range", args: []string{"--set", "webhookPort=99999"}, want: "/webhookPort"},
		{name: "negative webhook port", args: []string{"--set", "webhookPort=-1"}, want: "/webhookPort"},
		{name: "service port out of range", args: []string{"--set", "service.port=65536"}, want: "/service/port"},
		{name: "pull policy", args: []string{"--set", "image.pullPolicy=Sometimes"}, want: "/image/pullPolicy"},
		{name: "service type", args: []string{"--set", "service.type=Nodeport"}, want: "/service/type"},
		{name: "access mode", args: []string{"--set", "persistence.accessModes[0]=ReadWriteSometimes"}, want: "/persistence/accessModes/0"},
		{name: "resources dropped", args: []string{"--set-json", "resources=null"}, want: "'resources'"},
		{name: "liveness probe dropped", args: []string{"--set-json", "livenessProbe=null"}, want: "'livenessProbe'"},
		{name: "security context dropped", args: []string{"--set-json", "securityContext=null"}, want: "'securityContext'"},
		{name: "resources not a map", args: []string{"--set", "resources=small"}, want: "/resources"},
		{name: "unknown top-level key", args: []string{"--set", "replicas=3"}, want: "'replicas'"},
		{name: "unknown key in a chart object", args: []string{"--set", "serviceMonitor.enable=true"}, want: "'enable'"},
		{name: "toggle as a string", args: []string{"--set-string", "ingress.enabled=true"}, want: "/ingress/enabled"},
		{name: "toggle as a word", args: []string{"--set", "persistence.enabled=yes"}, want: "/persistence/enabled"},
		{name: "ingress without hosts", args: []string{"--set", "ingress.enabled=true", "--set-json", "ingress.hosts=[]"}, want: "/ingress/hosts"},
		{name: "ingress host with a scheme", args: []string{"--set", "ingress.hosts[0]=https://hooks.example.com"}, want: "/ingress/hosts/0"},
		{name: "tag in the repository", args: []string{"--set", "image.repository=registry.example.com/airudder_exporter:0.1.0"}, want: "/image/repository"},
		{name: "tag read as a float", file: "image: {tag: 1.10}\n", want: "/image/tag"},
		{name: "label value not a string", args: []string{"--set", "podLabels.tier=1"}, want: "/podLabels/tier"},
		{name: "annotation value not a string", args: []string{"--set", "service.annotations.enabled=true"}, want: "/service/annotations/enabled"},
		{name: "pull secrets as a string", args: []string{"--set", "imagePullSecrets=regcred"}, want: "/imagePullSecrets"},
		{name: "extra env not a list", args: []string{"--set", "extraEnv=FOO"}, want: "/extraEnv"},
		{name: "extra arg not a string", file: "extraArgs: [{log.format: json}]\n", want: "/extraArgs/0"},
		{name: "secret name with capitals", args: []string{"--set", "credentials.webhookToken.existingSecret=Webhook_Token"}, want: "/credentials/webhookToken/existingSecret"},
		{name: "scrape interval without unit", args: []string{"--set", "serviceMonitor.interval=30"}, want: "/serviceMonitor/interval"},
		{name: "scrape timeout misspelt", args: []string{"--set", "serviceMonitor.scrapeTimeout=10sec"}, want: "/serviceMonitor/scrapeTimeout"},
		{name: "state size not a quantity", args: []string{"--set", "stateSizeLimit=lots"}, want: "/stateSizeLimit"},
		{name: "PDB minAvailable not a number or percentage", args: []string{"--set", "podDisruptionBudget.minAvailable=half"}, want: "/podDisruptionBudget/minAvailable"},
		{name: "config a list", file: "config: [webhooks]\n", want: "/config"},
		{name: "network policy peers not a list", args: []string{"--set", "networkPolicy.metricsFrom=monitoring"}, want: "/networkPolicy/metricsFrom"},
		{name: "network policy key misspelt", args: []string{"--set", "networkPolicy.webhookFrom[0].podSelector.app=x"}, want: "'webhookFrom'"},
		{name: "webhook service type", args: []string{"--set", "webhookService.type=Loadbalancer"}, want: "/webhookService/type"},
		{name: "webhook service key misspelt", args: []string{"--set", "webhookService.sourceRanges[0]=203.0.113.0/24"}, want: "'sourceRanges'"},
		{name: "source range not a CIDR", args: []string{"--set", "webhookService.loadBalancerSourceRanges[0]=203.0.113.7"}, want: "/webhookService/loadBalancerSourceRanges/0"},
		{name: "traffic policy misspelt", args: []string{"--set", "webhookService.externalTrafficPolicy=local"}, want: "/webhookService/externalTrafficPolicy"},
		{name: "node port out of range", args: []string{"--set", "webhookService.nodePort=70000"}, want: "/webhookService/nodePort"},
		{name: "webhook service port 0", args: []string{"--set", "webhookService.port=0"}, want: "/webhookService/port"},
		{name: "metrics opt-in as a string", args: []string{"--set-string", "service.exposeMetricsPublicly=true"}, want: "/service/exposeMetricsPublicly"},
		{name: "runbook base not a URL", args: []string{"--set", "prometheusRule.runbookBaseURL=git example/RUNBOOK"}, want: "/prometheusRule/runbookBaseURL"},
	} {
		args := c.args
		if c.file != "" {
			args = append(args, "-f", valuesFile(t, c.file))
		}
		_, stderr, err := template(t, args...)
		if err == nil {
			t.Errorf("%s: helm template %s rendered, want a refusal naming %s", c.name, strings.Join(args, " "), c.want)
			continue
		}
		if !strings.Contains(stderr, "values don't meet the specifications of the schema") || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: helm template %s: want a schema error naming %s, got:\n%s", c.name, strings.Join(args, " "), c.want, stderr)
		}
	}
}

// Every override values.yaml and README document, and the ones .ci/image
// uses, passes the schema and renders.
func TestChartAcceptsDocumentedValues(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		file string
	}{
		{name: "README install", args: []string{
			"--set", "image.repository=registry.example.com/airudder_exporter", "--set", "image.tag=0.1.0",
			"--set", "credentials.airudder.existingSecret=airudder-credentials",
			"--set", "credentials.webhookToken.existingSecret=airudder-webhook-token",
			"--set", "serviceMonitor.enabled=true", "--set", "prometheusRule.enabled=true",
			"--set", "ingress.enabled=true", "--set", "ingress.hosts[0]=hooks.example.com"}},
		{name: ".ci/image pod", args: []string{
			"--set", "image.repository=localhost/airudder_exporter", "--set", "image.tag=ci-123-456",
			"--set", "port=18080", "--set", "service.port=18080", "--set", "webhookPort=18081", "--set", "service.webhookPort=18081",
			"--set", "credentials.webhookToken.existingSecret=ci-123-456-token",
			"--set", "podDisruptionBudget.enabled=false", "--set", "serviceAccount.create=false"}},
		{name: "all features", file: allFeatures},
		{name: "registry with a port and a numeric tag", args: []string{"--set", "image.repository=registry.example.com:5000/ops/airudder_exporter", "--set", "image.tag=20240101", "--set", "image.pullPolicy=Always"}},
		{name: "pull secrets", args: []string{"--set", "imagePullSecrets[0].name=regcred"}},
		{name: "scaled to zero", args: []string{"--set", "replicaCount=0"}},
		{name: "names", args: []string{"--set", "nameOverride=exporter", "--set", "fullnameOverride=airudder"}},
		{name: "second account from extraEnv", file: `
extraEnv:
  - {name: AIRUDDER_APP_KEY_SALES, valueFrom: {secretKeyRef: {name: airudder-sales, key: app_key}}}
  - {name: TZ, value: Asia/Jakarta}
extraArgs: [--log.format=json]
`},
		{name: "config with proxies and redis", file: `
replicaCount: 2
config:
  webhooks:
    trusted_proxies: [10.0.0.0/8]
    allowed_cidrs: [203.0.113.0/24]
    redis: {address: 'redis-master.redis.svc:6379', password: '${REDIS_PASSWORD}', key_prefix: airudder_exporter/}
credentials:
  redis: {existingSecret: redis-auth, passwordKey: redis-password}
podDisruptionBudget: {minAvailable: 1}
topologySpreadConstraints:
  - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app.kubernetes.io/name: airudder-exporter}}}
`},
		{name: "config as a string", file: "config: |\n  webhooks:\n    token: '${WEBHOOK_TOKEN}'\n"},
		{name: "webhooks on the main port", args: []string{"--set", "webhookPort=0", "--set", "ingress.enabled=true"}},
		{name: "ingress with TLS and a wildcard host", file: `
ingress:
  enabled: true
  className: nginx
  annotations: {cert-manager.io/cluster-issuer: letsencrypt, nginx.ingress.kubernetes.io/proxy-body-size: 8m}
  hosts: [webhooks.example.com, '*.hooks.example.com']
  tls: [{secretName: webhooks-tls, hosts: [webhooks.example.com]}]
`},
		{name: "persistence on a created claim", args: []string{"--set", "persistence.enabled=true", "--set", "persistence.storageClass=fast", "--set", "persistence.size=1Gi", "--set", "persistence.accessModes[0]=ReadWriteOncePod"}},
		{name: "persistence on an existing claim", args: []string{"--set", "persistence.enabled=true", "--set", "persistence.existingClaim=airudder-state"}},
		{name: "state size in bytes", args: []string{"--set", "stateSizeLimit=536870912"}},
		{name: "own strategy", file: "strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}\n"},
		{name: "resources and scheduling", file: `
resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 1, memory: 1Gi}}
nodeSelector: {kubernetes.io/os: linux}
tolerations: [{key: dedicated, operator: Equal, value: monitoring, effect: NoSchedule}]
affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/arch, operator: In, values: [amd64]}]}]}}}
priorityClassName: system-cluster-critical
podAnnotations: {prometheus.io/scrape: "false"}
podLabels: {team: ops}
terminationGracePeriodSeconds: 60
`},
		{name: "probes and security contexts replaced", file: `
livenessProbe: {tcpSocket: {port: http}, periodSeconds: 20}
readinessProbe: {httpGet: {path: /-/ready, port: http}, initialDelaySeconds: 2}
podSecurityContext: {runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001, fsGroupChangePolicy: OnRootMismatch}
securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
`},
		{name: "webhooks on an internal load balancer", file: "webhookService: {type: LoadBalancer, annotations: {service.beta.kubernetes.io/aws-load-balancer-internal: \"true\"}}\n"},
		{name: "webhooks on a node port", file: "webhookService: {type: NodePort, port: 8443, nodePort: 30134, externalTrafficPolicy: Local}\n"},
		{name: "metrics published on purpose", file: "service: {type: LoadBalancer, exposeMetricsPublicly: true, annotations: {service.beta.kubernetes.io/aws-load-balancer-internal: \"true\"}}\n"},
		{name: "own service account", args: []string{"--set", "serviceAccount.create=false", "--set", "serviceAccount.name=monitoring"}},
		{name: "PDB as a percentage", args: []string{"--set", "podDisruptionBudget.maxUnavailable=50%"}},
		{name: "ServiceMonitor tuned", file: `
serviceMonitor:
  enabled: true
  additionalLabels: {release: kube-prometheus-stack}
  interval: 1m
  scrapeTimeout: 15s
  relabelings: [{action: replace, targetLabel: cluster, replacement: prod}]
  metricRelabelings: [{action: drop, sourceLabels: [__name__], regex: go_.*}]
`},
		{name: "dashboards with their own label", args: []string{"--set", "grafanaDashboards.enabled=true", "--set", "grafanaDashboards.label=dash", "--set", "grafanaDashboards.labelValue=1",
			"--set", "grafanaDashboards.namespace=grafana", "--set", "grafanaDashboards.folder=Voice robots",
			"--set", "grafanaDashboards.annotations.k8s-sidecar-target-directory=/tmp/dashboards/airudder"}},
		{name: "rules with runbook links", args: []string{"--set", "prometheusRule.enabled=true", "--set", "prometheusRule.runbookBaseURL=https://git.example.com/airudder_exporter/blob/main/",
			"--set", "prometheusRule.additionalLabels.release=kube-prometheus-stack"}},
		{name: "optional lists and maps dropped", args: []string{"--set-json", "extraEnv=null", "--set-json", "nodeSelector=null", "--set-json", "strategy=null", "--set-json", "tolerations=null"}},
		{name: "as a dependency, with globals", args: []string{"--set", "global.imageRegistry=registry.example.com"}},
	} {
		args := c.args
		if c.file != "" {
			args = append(args, "-f", valuesFile(t, c.file))
		}
		out, stderr, err := template(t, args...)
		if err != nil {
			t.Errorf("%s: helm template %s: %v\n%s", c.name, strings.Join(args, " "), err, stderr)
			continue
		}
		if !strings.Contains(out, "kind: Deployment") {
			t.Errorf("%s: helm template %s rendered no Deployment", c.name, strings.Join(args, " "))
		}
	}
}
