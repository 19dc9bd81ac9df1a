// Package e2e proves the shipped Grafana dashboards and Prometheus alert
// rules against the real thing: the exporter binary built from this
// repository, run in --demo mode, scraped and evaluated by a real Prometheus.
//
// The package holds only tests. The static checks (dashboard schema and
// conventions, the metric contract in docs/METRICS.md, rule annotations and
// runbook anchors) always run; promtool-based checks run when promtool is
// installed, and the live end-to-end test when a Prometheus binary is found
// (/usr/bin/prometheus, or $E2E_PROMETHEUS), otherwise they skip and say why.
// `go test -short` skips the live test.
package e2e
