package laaffic

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/collector"
	"airudder_exporter/config"
)

// SIP trunks (POST /v3/cc/sipTrunk/query): whether each trunk's gateway is
// up and whether it is enabled. When a trunk's gateway goes down every call
// through it fails.

var apiSIPTrunksPath = &apiPath{what: "sip_trunks", method: http.MethodPost, documented: "/v3/cc/sipTrunk/query", other: "/cc/sipTrunk/query"}

var (
	sipTrunkUpDesc      = pollDesc("sip_trunk_up", "1 if the SIP trunk's gateway is up (sipTrunkState true), 0 if down; no sample when LAAFFIC sends no state. Trunks folded into one label take the lowest.", "trunk", "direction")
	sipTrunkEnabledDesc = pollDesc("sip_trunk_enabled", "1 if the SIP trunk is enabled in its configuration (state), else 0. Trunks folded into one label take the highest.", "trunk", "direction")
)

// sipTrunkRecord is what is kept of a trunk: no account, password, IPs or
// numbers.
type sipTrunkRecord struct {
	Name  string  `json:"sipTrunkName"`
	Type  apiInt  `json:"type"`
	State apiInt  `json:"state"`
	Up    apiBool `json:"sipTrunkState"`
}

var sipTrunkDirections = map[int64]string{1: "outbound", 2: "inbound"}

var sipTrunksEndpoint = &pollEndpoint{
	name:        config.LaafficSIPTrunks,
	foldMetric:  "laaffic_sip_trunk_enabled",
	minInterval: func(a *config.LaafficAccount) time.Duration { return a.MinInterval.D() },
	descs:       []*prometheus.Desc{sipTrunkUpDesc, sipTrunkEnabledDesc},
	fetch:       fetchSIPTrunks,
}

// NewSIPTrunksPoller returns the SIP trunks poller with no accounts; call
// ApplyConfig.
func NewSIPTrunksPoller(o collector.Options) *OperationsPoller {
	return newOperationsPoller(o, sipTrunksEndpoint)
}

func fetchSIPTrunks(ctx context.Context, f *pollFetcher, _ *config.LaafficAccount, start time.Time) ([]prometheus.Metric, int64, *collector.FetchError) {
	list, ferr := apiList[sipTrunkRecord](ctx, f.api, apiSIPTrunksPath, map[string]any{}, start)
	if ferr != nil {
		return nil, 0, ferr
	}
	type key struct{ trunk, direction string }
	up := map[key]float64{}
	enabled := map[key]float64{}
	var order []key
	for _, r := range list.records {
		k := key{f.nameLabel(r.Name), pollLabel(sipTrunkDirections, r.Type)}
		if _, seen := enabled[k]; !seen {
			order = append(order, k)
			enabled[k] = 0
		}
		if r.State.V == 1 {
			enabled[k] = 1
		}
		if r.Up.Set {
			v := 0.0
			if r.Up.V {
				v = 1
			}
			if old, ok := up[k]; !ok || v < old {
				up[k] = v
			}
		}
	}
	var ms []prometheus.Metric
	for _, k := range order {
		ms = append(ms, f.gauge(sipTrunkEnabledDesc, enabled[k], k.trunk, k.direction))
		if v, ok := up[k]; ok {
			ms = append(ms, f.gauge(sipTrunkUpDesc, v, k.trunk, k.direction))
		}
	}
	return ms, list.cut, nil
}
