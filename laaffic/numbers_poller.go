package laaffic

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/collector"
	"airudder_exporter/config"
)

// Numbers (DIDs, POST /v3/number/queryPage) by state and type, and the
// earliest expiry of the numbers in use. When a number expires, inbound
// calls to it die and outbound calls lose their caller id.

var apiNumbersPath = &apiPath{what: "numbers", method: http.MethodPost, documented: "/v3/number/queryPage", other: "/number/queryPage"}

var (
	numbersDesc          = pollDesc("numbers", "Numbers (DIDs) of the account by state and type; every combination is sent, 0 when none.", "state", "type")
	numberNextExpiryDesc = pollDesc("number_next_expiry_timestamp_seconds", "End of the day (in the account's timezone) of the earliest dueDate among numbers in use, by auto-renewal; no sample when none.", "auto_renew")
)

var numberStates = map[int64]string{3: "in_use", 4: "expired", 5: "disabled"}

var (
	numberStateOrder = []string{"in_use", "expired", "disabled", "unknown"}
	numberTypeOrder  = []string{"mobile", "fixed", "unknown"}
)

// numberRecord is what is kept of a number: not the number itself, nor its
// IPs or prefixes.
type numberRecord struct {
	Type      string `json:"type"`
	State     apiInt `json:"state"`
	DueDate   string `json:"dueDate"`
	AutoRenew apiInt `json:"autoRenew"`
}

var numbersEndpoint = &pollEndpoint{
	name:        config.LaafficNumbers,
	minInterval: func(a *config.LaafficAccount) time.Duration { return a.NumbersMinInterval() },
	descs:       []*prometheus.Desc{numbersDesc, numberNextExpiryDesc},
	fetch:       fetchNumbers,
}

// NewNumbersPoller returns the numbers poller with no accounts; call
// ApplyConfig.
func NewNumbersPoller(o collector.Options) *OperationsPoller {
	return newOperationsPoller(o, numbersEndpoint)
}

func fetchNumbers(ctx context.Context, f *pollFetcher, a *config.LaafficAccount, start time.Time) ([]prometheus.Metric, int64, *collector.FetchError) {
	list, ferr := apiList[numberRecord](ctx, f.api, apiNumbersPath, map[string]any{}, start)
	if ferr != nil {
		return nil, 0, ferr
	}
	counts := map[[2]string]float64{}
	next := map[string]time.Time{}
	for _, r := range list.records {
		typ := strings.ToLower(r.Type)
		if typ != "mobile" && typ != "fixed" {
			typ = "unknown"
		}
		state := pollLabel(numberStates, r.State)
		counts[[2]string{state, typ}]++
		if state != "in_use" {
			continue
		}
		day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(r.DueDate), a.Location)
		if err != nil {
			continue
		}
		renew := "false"
		if r.AutoRenew.V == 1 {
			renew = "true"
		}
		end := day.AddDate(0, 0, 1)
		if old, ok := next[renew]; !ok || end.Before(old) {
			next[renew] = end
		}
	}
	var ms []prometheus.Metric
	for _, s := range numberStateOrder {
		for _, t := range numberTypeOrder {
			ms = append(ms, f.gauge(numbersDesc, counts[[2]string{s, t}], s, t))
		}
	}
	for _, renew := range []string{"false", "true"} {
		if end, ok := next[renew]; ok {
			ms = append(ms, f.gauge(numberNextExpiryDesc, float64(end.Unix()), renew))
		}
	}
	return ms, list.cut, nil
}
