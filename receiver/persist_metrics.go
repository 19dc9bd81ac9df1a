package receiver

import "github.com/prometheus/client_golang/prometheus"

// Outcomes of the dedup state's saves and of its load at start.
const (
	stateOK    = "ok"
	stateError = "error"
	// Load only: no state file yet, a first start (or a new --storage.path).
	stateMissing = "missing"
)

// stateMetrics tell Prometheus whether the dedup memory survives a restart:
// a save that fails is otherwise a log line, found out after the restart
// when re-deliveries count twice. They exist only while the state is
// persisted (a --storage.path, no webhooks.redis): without persistence
// there is nothing to save, and Redis keeps the memory itself.
type stateMetrics struct {
	saves    *CounterVec
	lastSave *prometheus.GaugeVec
	loads    *CounterVec
}

func newStateMetrics(sources []string) *stateMetrics {
	m := &stateMetrics{
		saves: webhookCounter("airudder_exporter_dedup_state_saves_total",
			"Writes of the dedup state file under --storage.path, by outcome (ok, error).", "source", "outcome"),
		lastSave: gaugeVec("airudder_exporter_dedup_state_last_save_timestamp_seconds",
			"Unix time of the last successful write of the dedup state file (at start: when the state was loaded, memory and file then agreeing).", "source"),
		loads: webhookCounter("airudder_exporter_dedup_state_loads_total",
			"Loads of the dedup state file at start, by outcome (ok; missing: no file, a first start; error: corrupt or unreadable, started without the saved ids).", "source", "outcome"),
	}
	for _, s := range sources {
		for _, o := range []string{stateOK, stateError} {
			m.saves.WithLabelValues(s, o)
		}
		for _, o := range []string{stateOK, stateError, stateMissing} {
			m.loads.WithLabelValues(s, o)
		}
		m.lastSave.WithLabelValues(s)
	}
	return m
}

func (m *stateMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.saves, m.lastSave, m.loads}
}
