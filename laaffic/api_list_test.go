package laaffic

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/collector"
	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
)

// apiListScrape runs one scrape of the numbers poller against a list API
// that answers the request for page `current` with page(current), and
// returns the numbers in use it reports, its truncated errors and its
// records_cut gauge.
func apiListScrape(t *testing.T, page func(current int) string) (inUse, truncated, cut float64) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Current int }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("list request: %v", err)
		}
		_, _ = w.Write([]byte(page(req.Current)))
	}))
	defer srv.Close()
	reg := prometheus.NewPedanticRegistry()
	p := NewNumbersPoller(collector.Options{Registerer: reg, HTTPClient: &http.Client{}, Now: testkit.NewClock(balanceStart).Now})
	p.ApplyConfig(&config.Config{Laaffic: config.Laaffic{Accounts: []config.LaafficAccount{
		{Name: balanceAccount, BaseURL: srv.URL, APIKey: balanceKey, APISecret: balanceSecret, Collect: []string{config.LaafficNumbers},
			MinInterval: config.Duration(60e9), Timeout: config.Duration(5e9)},
	}}})
	defer p.ApplyConfig(&config.Config{})
	mfs := testkit.GatherScrape(t, p.ScrapeCollector(t.Context()), reg)
	return testkit.FamilyValue(mfs, "laaffic_numbers", "account", balanceAccount, "state", "in_use", "type", "mobile"),
		testkit.FamilyValue(mfs, "laaffic_operations_scrape_errors_total", "account", balanceAccount, "endpoint", "numbers", "reason", apiReasonTruncated),
		testkit.FamilyValue(mfs, "laaffic_operations_records_cut", "account", balanceAccount, "endpoint", "numbers")
}

// apiNumbersPage is a numbers list page holding n numbers in use; data
// members are given as JSON text ("" leaves one out).
func apiNumbersPage(current, total, pages string, n int) string {
	recs := strings.TrimSuffix(strings.Repeat(`{"type":"MOBILE","state":3,"dueDate":"2026-01-01"},`, n), ",")
	data := `"records":[` + recs + `]`
	for k, v := range map[string]string{"current": current, "total": total, "pages": pages} {
		if v != "" {
			data += `,"` + k + `":` + v
		}
	}
	return `{"status":"0","data":{` + data + `}}`
}

// A list API that ignores the page asked for and answers its first page
// every time must not have those records counted once per page: the walk
// stops at the first page that does not follow the one before, and what
// was not read is counted as cut.
func TestAPIListStopsAtAPageThatDoesNotFollow(t *testing.T) {
	inUse, truncated, cut := apiListScrape(t, func(int) string { return apiNumbersPage("1", "300", "3", 100) })
	if inUse != 100 || truncated != 1 || cut != 200 {
		t.Errorf("numbers in use %v, truncated %v, cut %v; want 100, 1, 200", inUse, truncated, cut)
	}
	// An API numbering its pages from 0 in its answers still advances.
	inUse, truncated, cut = apiListScrape(t, func(c int) string { return apiNumbersPage(strconv.Itoa(c-1), "300", "3", 100) })
	if inUse != 300 || truncated != 0 || cut != 0 {
		t.Errorf("0-based pages: numbers in use %v, truncated %v, cut %v; want 300, 0, 0", inUse, truncated, cut)
	}
}

// A list whose pages end before the total it announces (an empty page
// before the last, fewer pages than the total needs, no records at all) is
// served with what was read, and the records it lacks are counted as cut,
// not taken for a complete list.
func TestAPIListCountsRecordsShortOfItsTotal(t *testing.T) {
	for _, c := range []struct {
		name         string
		page         func(current int) string
		inUse, cut   float64
		wantTruncate bool
	}{
		{"empty second page", func(c int) string {
			if c == 1 {
				return apiNumbersPage("1", "300", "3", 100)
			}
			return apiNumbersPage(strconv.Itoa(c), "300", "3", 0)
		}, 100, 200, true},
		{"pages fewer than the total needs", func(c int) string { return apiNumbersPage(strconv.Itoa(c), "500", "1", 100) }, 100, 400, true},
		{"null records", func(int) string { return `{"status":"0","data":{"total":50,"pages":1,"records":null}}` }, 0, 50, true},
		{"complete list", func(c int) string { return apiNumbersPage(strconv.Itoa(c), `"150"`, "2", 100-50*(c-1)) }, 150, 0, false},
		{"no total", func(c int) string { return apiNumbersPage("", "", "1", 7) }, 7, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			inUse, truncated, cut := apiListScrape(t, c.page)
			want := 0.0
			if c.wantTruncate {
				want = 1
			}
			if inUse != c.inUse || truncated != want || cut != c.cut {
				t.Errorf("numbers in use %v, truncated %v, cut %v; want %v, %v, %v", inUse, truncated, cut, c.inUse, want, c.cut)
			}
		})
	}
}
