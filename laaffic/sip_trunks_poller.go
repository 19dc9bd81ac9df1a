package laaffic

import (
	"net/http"

	"airudder_exporter/collector"
)

// SIP trunks (POST /v3/cc/sipTrunk/query): whether each trunk's gateway is
// up and whether it is enabled. When a trunk's gateway goes down every call
// through it fails.

var apiSIPTrunksPath = &apiPath{what: "sip_trunks", method: http.MethodPost, documented: "/v3/cc/sipTrunk/query", other: "/cc/sipTrunk/query"}

var (
	sipTrunkUpDesc      = pollDesc("sip_trunk_up", "1 if the SIP trunk's gateway is up (sipTrunkState true), 0 if down; no sample when LAAFFIC sends no state. Trunks folded into one label take the lowest.", "trunk", "direction")
	sipTrunkEnabledDesc = pollDesc("sip_trunk_enabled", "1 if the SIP trunk is enabled in its configuration (state), else 0; no sample when LAAFFIC sends no state. Trunks folded into one label take the highest.", "trunk", "direction")
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

func fetchSIPTrunks(run *pollRun) *collector.FetchError {
	trunks, ferr := pollList[sipTrunkRecord](run, apiSIPTrunksPath, map[string]any{})
	if ferr != nil {
		return ferr
	}
	type key struct{ trunk, direction string }
	up := map[key]float64{}
	enabled := map[key]float64{}
	var order []key
	seen := map[key]bool{}
	for _, r := range trunks {
		k := key{run.f.nameLabel(r.Name), pollLabel(sipTrunkDirections, r.Type)}
		if !seen[k] {
			seen[k] = true
			order = append(order, k)
		}
		// A trunk without a state is neither enabled nor disabled: it
		// adds nothing to its label's value, which has no sample when no
		// trunk of the label has one.
		if run.need(r.State, "state") {
			v := 0.0
			if r.State.V == 1 {
				v = 1
			}
			if old, ok := enabled[k]; !ok || v > old {
				enabled[k] = v
			}
		}
		if r.Up.Set {
			v := 0.0
			if r.Up.V {
				v = 1
			}
			if old, ok := up[k]; !ok || v < old {
				up[k] = v
			}
		} else {
			run.lack("sipTrunkState")
		}
	}
	for _, k := range order {
		if v, ok := enabled[k]; ok {
			run.gauge(sipTrunkEnabledDesc, v, k.trunk, k.direction)
		}
		if v, ok := up[k]; ok {
			run.gauge(sipTrunkUpDesc, v, k.trunk, k.direction)
		}
	}
	return nil
}
