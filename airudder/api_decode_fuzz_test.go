package airudder

import (
	"math"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"airudder_exporter/airudder/airuddertest"
)

// statBoundedError: decode errors are a few fixed texts and never echo input.
func statBoundedError(err error) bool {
	s := err.Error()
	return s == errStatDecode.Error() || s == errStatNoData.Error() || strings.HasPrefix(s, "API answered code ")
}

func FuzzDecodeStatistics(f *testing.F) {
	fixture := airuddertest.Fixture()
	f.Add(fixture)
	f.Add(fixture[:len(fixture)/3])
	f.Add([]byte(strings.ReplaceAll(string(fixture), ": 892", `: "892"`)))
	f.Add([]byte(strings.ReplaceAll(string(fixture), `"2025-11-12"`, `"2025-13-45"`)))
	f.Add([]byte(`{"code":200,"data":{"realtime":{"total":{"story_distribution":{"other":1,"":2,"a":"3"}}}}}`))
	f.Add([]byte(`{"code":"401"}`))
	f.Add([]byte(`<html>502</html>`))
	loc := pollLocation("Asia/Jakarta")
	folded := newStatMetrics(nil).folded
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := decodeStatistics(b, loc)
		if err != nil {
			if !statBoundedError(err) {
				t.Fatalf("unbounded error text %q", err)
			}
			return
		}
		if st == nil {
			t.Fatal("nil statistics without error")
		}
		if st.RealtimeTotal == nil && st.OfflineTotal == nil && st.RealtimeToday == nil &&
			st.OfflineToday == nil && st.CurrentHour == nil {
			t.Fatal("success without any section")
		}
		if len(st.MissingPaths) > statMaxPaths || len(st.BadPaths) > statMaxPaths {
			t.Fatal("unbounded path lists")
		}
		// The metrics built from it must be valid: no duplicate series,
		// finite numbers, bounded series per family. (Checked by hand, not
		// through a registry, to keep each execution cheap.)
		const max = 5
		metrics := convertStatistics("fuzz", st, newStatCaps("fuzz", max, folded))
		seen := make(map[string]bool, len(metrics))
		perDesc := map[*prometheus.Desc]int{}
		for _, m := range metrics {
			var pb dto.Metric
			if err := m.Write(&pb); err != nil {
				t.Fatalf("write: %v", err)
			}
			key := m.Desc().String()
			for _, l := range pb.GetLabel() {
				if !utf8.ValidString(l.GetValue()) || l.GetValue() == "" {
					t.Fatalf("bad label value %q", l.GetValue())
				}
				key += "\xff" + l.GetValue()
			}
			if seen[key] {
				t.Fatalf("duplicate series %s", key)
			}
			seen[key] = true
			if v := pb.GetGauge().GetValue(); math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s: non-finite value", key)
			}
			if perDesc[m.Desc()]++; perDesc[m.Desc()] > max+1 && m.Desc() != statUsersDesc && m.Desc() != statTodayOfflineUsersDesc {
				t.Fatalf("%s: more than %d series", m.Desc(), max+1)
			}
		}
	})
}

func FuzzDecodeToken(f *testing.F) {
	fixture, err := os.ReadFile("testdata/statistics-auth-response.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(fixture)
	f.Add([]byte(`{"code":200,"data":{"token":"a+b/c=="}}`))
	f.Add([]byte(`{"code":"200","data":{"token":"a\u0000b"}}`))
	f.Add([]byte(`{"code":401,"status":"Unauthorized"}`))
	f.Add([]byte(`{"data":{"token":"x"}} {}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tok, err := decodeAPIToken(b)
		if err != nil {
			if tok != "" || !statBoundedError(err) {
				t.Fatalf("error %q with token %q", err, tok)
			}
			return
		}
		if tok == "" || len(tok) > apiMaxTokenLen {
			t.Fatalf("token length %d", len(tok))
		}
		for i := 0; i < len(tok); i++ {
			if tok[i] < 0x21 || tok[i] > 0x7e {
				t.Fatalf("token byte %#x cannot go into a header as is", tok[i])
			}
		}
	})
}

// BenchmarkConvertStatistics: decode the vendor example and build its
// const metrics (what one upstream fetch costs beyond the network).
func BenchmarkConvertStatistics(b *testing.B) {
	fixture := airuddertest.Fixture()
	c := newStatCaps("bench", 50, newStatMetrics(nil).folded)
	b.ReportAllocs()
	b.SetBytes(int64(len(fixture)))
	var n int
	for i := 0; i < b.N; i++ {
		st, err := decodeStatistics(fixture, time.UTC)
		if err != nil {
			b.Fatal(err)
		}
		n = len(convertStatistics("bench", st, c))
	}
	b.ReportMetric(float64(n), "metrics/op")
}
