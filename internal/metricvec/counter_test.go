package metricvec

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/proto"
)

var textFormats = []struct {
	name        string
	format      expfmt.Format
	openMetrics bool
}{
	{"text-0.0.4", expfmt.FmtText, false},
	{"openmetrics-1.0.0", expfmt.FmtOpenMetrics_1_0_0, true},
	{"openmetrics-0.0.1", expfmt.FmtOpenMetrics_0_0_1, true},
}

// expfmtText is what expfmt writes for the family v after a registry
// gathered it.
func expfmtText(t testing.TB, v prometheus.Collector, format expfmt.Format) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, format)
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(v); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	for _, mf := range mfs {
		err = errors.Join(err, enc.Encode(mf))
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// checkSameText fails unless AppendText writes, for every text format,
// what expfmt writes for the gathered family.
func checkSameText(t testing.TB, v *CounterVec) {
	t.Helper()
	for _, f := range textFormats {
		want := expfmtText(t, v, f.format)
		got := v.AppendText([]byte("prefix"), f.openMetrics)
		if !bytes.HasPrefix(got, []byte("prefix")) {
			t.Fatalf("%s: AppendText dropped what the buffer held", f.name)
		}
		if got = got[len("prefix"):]; !bytes.Equal(got, want) {
			t.Fatalf("%s: AppendText differs from expfmt\n got: %q\nwant: %q", f.name, got, want)
		}
	}
}

var labelValuePool = []string{
	"", "a", "b", "acct1", "acct10", "acct2", `quo"te`, `back\slash`, "new\nline", "tab\there",
	"ünïcödé", "日本語", "emoji 🎉", "{brace}", "a,b", `x="y"`, "\\n", "Z", "z", " lead", "trail ",
}

// randomVec fills a vector with children of random label values and
// values: integers small and large, fractions, and their sums.
func randomVec(r *rand.Rand, labels []string, help string, n int) *CounterVec {
	v := NewCounterVec(prometheus.CounterOpts{Name: "test_family_total", Help: help}, labels)
	for range n {
		lvs := make([]string, len(labels))
		for i := range lvs {
			lvs[i] = labelValuePool[r.IntN(len(labelValuePool))]
			if r.IntN(4) == 0 {
				lvs[i] += fmt.Sprint(r.IntN(100))
			}
		}
		c := v.WithLabelValues(lvs...)
		switch r.IntN(6) {
		case 0:
			c.Inc()
		case 1:
			c.Add(float64(r.IntN(2_000_000)))
		case 2:
			c.Add(r.Float64() * math.Pow(10, float64(r.IntN(40)-20)))
		case 3:
			c.Add(float64(r.Uint64()))
		case 4:
			c.Add(0.5)
			c.Add(1e6)
		case 5:
			// left at zero
		}
	}
	return v
}

func TestAppendTextEqualsExpfmt(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	helps := []string{"Plain help.", `Help with "quotes", a \backslash and a` + "\nnewline.", ""}
	labelSets := [][]string{nil, {"account"}, {"account", "result"}, {"zeta", "alpha", "mid"}}
	for round := range 40 {
		labels := labelSets[round%len(labelSets)]
		v := randomVec(r, labels, helps[round%len(helps)], r.IntN(200))
		checkSameText(t, v)
		// Children added after a rendering are merged into the order.
		for range r.IntN(50) + 1 {
			lvs := make([]string, len(labels))
			for i := range lvs {
				lvs[i] = labelValuePool[r.IntN(len(labelValuePool))] + fmt.Sprint(r.IntN(1000))
			}
			v.WithLabelValues(lvs...).Add(float64(r.IntN(10)))
		}
		checkSameText(t, v)
	}
}

func TestAppendTextSpecialValues(t *testing.T) {
	v := NewCounterVec(prometheus.CounterOpts{Name: "special_total", Help: "h"}, []string{"v"})
	for _, f := range []float64{0, 1, 2, 999_999, 1e6, 1_000_001, 123456789, 1e21, 1e22, 0.1, 1.5, 1e-5, 1e-300,
		math.MaxFloat64, math.Inf(+1), math.NaN(), float64(1 << 53), float64(1<<53) + 2, math.SmallestNonzeroFloat64} {
		v.WithLabelValues(fmt.Sprint(f)).Add(f)
	}
	v.WithLabelValues("neg-zero").Add(math.Copysign(0, -1))
	v.WithLabelValues("int-and-fraction").Add(3)
	v.WithLabelValues("int-and-fraction").Add(0.25)
	checkSameText(t, v)

	// A family without the _total suffix is "unknown" in OpenMetrics.
	u := NewCounterVec(prometheus.CounterOpts{Name: "no_suffix", Help: "h"}, nil)
	u.WithLabelValues().Inc()
	checkSameText(t, u)
}

func TestAppendFloat(t *testing.T) {
	for _, f := range []float64{0, -1, 1, -2.5, 1e6, -1e6, 999999, -999999, 12.0, 1e100, -0.001} {
		for _, om := range []bool{false, true} {
			mf := &dto.MetricFamily{Name: proto.String("g"), Type: dto.MetricType_GAUGE.Enum(),
				Metric: []*dto.Metric{{Gauge: &dto.Gauge{Value: proto.Float64(f)}}}}
			var buf bytes.Buffer
			var err error
			if om {
				_, err = expfmt.MetricFamilyToOpenMetrics(&buf, mf)
			} else {
				_, err = expfmt.MetricFamilyToText(&buf, mf)
			}
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			want := strings.TrimPrefix(lines[len(lines)-1], "g ")
			if got := string(AppendFloat(nil, f, om)); got != want {
				t.Errorf("AppendFloat(%v, openMetrics=%v) = %q, expfmt writes %q", f, om, got, want)
			}
		}
	}
}

func TestEmptyFamilyWritesNothing(t *testing.T) {
	v := NewCounterVec(prometheus.CounterOpts{Name: "empty_total", Help: "h"}, []string{"a"})
	for _, om := range []bool{false, true} {
		if got := v.AppendText(nil, om); len(got) != 0 {
			t.Errorf("empty family rendered %q", got)
		}
	}
	checkSameText(t, v)
}

// The children are what client_golang's would be, seen through the
// registry, testutil and the protobuf format.
func TestChildrenAreClientGolangCounters(t *testing.T) {
	opts := prometheus.CounterOpts{Name: "calls_total", Help: "Calls."}
	labels := []string{"result", "account"}
	ours := NewCounterVec(opts, labels)
	theirs := prometheus.NewCounterVec(opts, labels)
	for i, lvs := range [][]string{{"ok", "a"}, {"fail", "b"}, {"ok", "b"}, {"fail", "a"}} {
		ours.WithLabelValues(lvs...).Add(float64(i) + 0.5)
		theirs.WithLabelValues(lvs...).Add(float64(i) + 0.5)
		ours.WithLabelValues(lvs...).Inc()
		theirs.WithLabelValues(lvs...).Inc()
	}
	if got, want := testutil.ToFloat64(ours.WithLabelValues("fail", "a")), 4.5; got != want {
		t.Errorf("ToFloat64 = %v, want %v", got, want)
	}
	gather := func(c prometheus.Collector) []*dto.MetricFamily {
		reg := prometheus.NewPedanticRegistry()
		reg.MustRegister(c)
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			for _, m := range mf.Metric {
				if m.Counter.CreatedTimestamp == nil {
					t.Errorf("%v has no created timestamp", m)
				}
				m.Counter.CreatedTimestamp = nil // differs by the creation's instant
			}
		}
		return mfs
	}
	a, b := gather(ours), gather(theirs)
	if len(a) != 1 || len(b) != 1 || !proto.Equal(a[0], b[0]) {
		t.Errorf("gathered families differ:\n ours: %v\ntheirs: %v", a, b)
	}
	if err := testutil.CollectAndCompare(ours, strings.NewReader(`# HELP calls_total Calls.
# TYPE calls_total counter
calls_total{account="a",result="fail"} 4.5
calls_total{account="a",result="ok"} 1.5
calls_total{account="b",result="fail"} 2.5
calls_total{account="b",result="ok"} 3.5
`)); err != nil {
		t.Error(err)
	}
	if d := ours.WithLabelValues("ok", "a").Desc().String(); d != theirs.WithLabelValues("ok", "a").Desc().String() {
		t.Errorf("Desc %s, client_golang's %s", d, theirs.WithLabelValues("ok", "a").Desc())
	}
}

// WithLabelValues refuses what client_golang's refuses, with its error.
func TestWithLabelValuesPanicsAsClientGolang(t *testing.T) {
	opts := prometheus.CounterOpts{Name: "x_total", Help: "h"}
	ours := NewCounterVec(opts, []string{"a", "b"})
	theirs := prometheus.NewCounterVec(opts, []string{"a", "b"})
	for _, lvs := range [][]string{{"one"}, {"1", "2", "3"}, {"ok", "bad\xff"}, {"\xc3", "x"}, nil} {
		got, want := panicOf(func() { ours.WithLabelValues(lvs...) }), panicOf(func() { theirs.WithLabelValues(lvs...) })
		if want == nil {
			t.Fatalf("%q: client_golang did not panic", lvs)
		}
		if got == nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%q: panic %v, client_golang's %v", lvs, got, want)
		}
		_, err := ours.GetMetricWithLabelValues(lvs...)
		_, werr := theirs.GetMetricWithLabelValues(lvs...)
		if err == nil || err.Error() != werr.Error() || errors.Unwrap(err) != errors.Unwrap(werr) {
			t.Errorf("%q: error %v, client_golang's %v", lvs, err, werr)
		}
	}
	if got := panicOf(func() { ours.WithLabelValues("x", "y").Add(-1) }); got == nil {
		t.Error("Add(-1) did not panic")
	}
	if got := panicOf(func() {
		NewCounterVec(prometheus.CounterOpts{Name: "c", ConstLabels: prometheus.Labels{"k": "v"}}, nil)
	}); got == nil {
		t.Error("constant labels accepted")
	}
}

func panicOf(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}

func TestLegacyNames(t *testing.T) {
	for _, c := range []struct {
		name   string
		labels []string
		want   bool
	}{
		{"ok_total", []string{"a", "b_c"}, true},
		{"dotted.name_total", nil, false},
		{"ok_total", []string{"dotted.label"}, false},
	} {
		if got := NewCounterVec(prometheus.CounterOpts{Name: c.name, Help: "h"}, c.labels).LegacyNames(); got != c.want {
			t.Errorf("%s %v: LegacyNames %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

// Children added while the family is rendered and gathered: every
// rendering is a sorted, complete answer (run with -race).
func TestConcurrentAddAndRender(t *testing.T) {
	v := NewCounterVec(prometheus.CounterOpts{Name: "c_total", Help: "h"}, []string{"a", "b"})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				v.WithLabelValues(fmt.Sprint(w), fmt.Sprint(i%500)).Inc()
			}
		})
	}
	wg.Go(func() {
		reg := prometheus.NewRegistry()
		reg.MustRegister(v)
		for range 50 {
			checkSorted(t, v.AppendText(nil, true))
			if _, err := reg.Gather(); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	checkSameText(t, v)
	if got := strings.Count(string(v.AppendText(nil, false)), "\nc_total{"); got != 2000 {
		t.Errorf("%d series rendered, want 2000", got)
	}
	if got := testutil.ToFloat64(v.WithLabelValues("3", "7")); got != 4 {
		t.Errorf("child counted %v, want 4", got)
	}
}

func checkSorted(t *testing.T, text []byte) {
	t.Helper()
	var prev string
	for _, line := range strings.Split(string(text), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		series := line[:strings.LastIndexByte(line, ' ')]
		if series <= prev {
			t.Errorf("%q after %q", series, prev)
		}
		prev = series
	}
}

func FuzzAppendText(f *testing.F) {
	f.Add("acct\x00result", uint64(3), 0.5)
	f.Add("q\"uo\\te\nx\x00", uint64(1<<60), 1e300)
	f.Add("ü\x00", uint64(0), math.Inf(1))
	f.Fuzz(func(t *testing.T, values string, n uint64, x float64) {
		v := NewCounterVec(prometheus.CounterOpts{Name: "fuzz_total", Help: "Fuzz \"help\" \\ \n."}, []string{"b", "a"})
		parts := strings.Split(values, "\x00")
		for i, p := range parts {
			lvs := []string{p, parts[(i+1)%len(parts)]}
			if _, err := v.GetMetricWithLabelValues(lvs...); err != nil {
				continue // invalid UTF-8, refused as client_golang refuses it
			}
			c := v.WithLabelValues(lvs...)
			c.Add(float64(n))
			if x >= 0 || math.IsNaN(x) {
				c.Add(x)
			}
		}
		checkSameText(t, v)
	})
}

// BenchmarkWithLabelValues: resolving an existing child and counting into
// it, against client_golang's CounterVec.
func BenchmarkWithLabelValues(b *testing.B) {
	opts := prometheus.CounterOpts{Name: "calls_total", Help: "h"}
	labels := []string{"account", "product", "status"}
	ours, theirs := NewCounterVec(opts, labels), prometheus.NewCounterVec(opts, labels)
	for i := range 100 {
		ours.WithLabelValues("acct", fmt.Sprint("p", i%10), fmt.Sprint("s", i/10))
		theirs.WithLabelValues("acct", fmt.Sprint("p", i%10), fmt.Sprint("s", i/10))
	}
	b.Run("metricvec", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			ours.WithLabelValues("acct", "p3", "s7").Inc()
		}
	})
	b.Run("client_golang", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			theirs.WithLabelValues("acct", "p3", "s7").Inc()
		}
	})
}
