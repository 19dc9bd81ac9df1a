package laaffic

import (
	"net/http"
	"strings"
	"time"

	"airudder_exporter/collector"
)

// Numbers (DIDs, POST /v3/number/queryPage) by state and type, and the
// earliest expiry of the numbers in use. When a number expires, inbound
// calls to it die and outbound calls lose their caller id.

var apiNumbersPath = &apiPath{what: "numbers", method: http.MethodPost, documented: "/v3/number/queryPage", other: "/number/queryPage"}

var (
	numbersDesc          = pollDesc("numbers", "Numbers (DIDs) of the account by state and type; every combination is sent, 0 when none.", "state", "type")
	numberNextExpiryDesc = pollDesc("number_next_expiry_timestamp_seconds", "End of the day (in the account's timezone) of the earliest dueDate among numbers in use, by auto-renewal (unknown when LAAFFIC does not say); no sample when none.", "auto_renew")
)

var numberStates = map[int64]string{3: "in_use", 4: "expired", 5: "disabled"}

// numberAutoRenew is the `auto_renew` label of autoRenew; a number whose
// autoRenew is absent or another value is "unknown", not "false".
var numberAutoRenew = map[int64]string{0: "false", 1: "true"}

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

func fetchNumbers(run *pollRun) *collector.FetchError {
	numbers, ferr := pollList[numberRecord](run, apiNumbersPath, map[string]any{})
	if ferr != nil {
		return ferr
	}
	counts := map[[2]string]float64{}
	next := map[string]time.Time{}
	for _, r := range numbers {
		typ := strings.ToLower(r.Type)
		if typ != "mobile" && typ != "fixed" {
			typ = "unknown"
		}
		state := pollLabel(numberStates, r.State)
		counts[[2]string{state, typ}]++
		if state != "in_use" {
			continue
		}
		// A number in use without a usable due date cannot take part in
		// the earliest one: it is counted as missing data.
		day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(r.DueDate), run.a.Location)
		if err != nil {
			run.lack("dueDate")
			continue
		}
		renew := pollLabel(numberAutoRenew, r.AutoRenew)
		end := day.AddDate(0, 0, 1)
		if old, ok := next[renew]; !ok || end.Before(old) {
			next[renew] = end
		}
	}
	for _, s := range numberStateOrder {
		for _, t := range numberTypeOrder {
			run.gauge(numbersDesc, counts[[2]string{s, t}], s, t)
		}
	}
	for _, renew := range []string{"false", "true", "unknown"} {
		if end, ok := next[renew]; ok {
			run.gauge(numberNextExpiryDesc, float64(end.Unix()), renew)
		}
	}
	return nil
}
