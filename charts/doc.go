// Package charts holds the Helm chart of the exporter (airudder-exporter/)
// and its tests: the chart is linted and rendered with a real Helm and the
// rendered objects are checked (kinds, security context, probes, secret
// references, the webhook-only Ingress, every alert of alerts/*.rules.yml in
// the PrometheusRule, and the refusal of replicas without shared Redis state),
// and values.schema.json is held to refusing bad values by name while
// accepting every documented override.
//
// Helm is found as $HELM, else `helm` on PATH, else built once from the Go
// module proxy (helm.sh/helm/v3/cmd/helm@v3.22.0) when CI=true or when that
// module is already in the module cache. Otherwise the tests skip and say so;
// with CI=true a missing Helm is a failure.
package charts
