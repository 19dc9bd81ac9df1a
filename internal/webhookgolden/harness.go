package webhookgolden

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"airudder_exporter/config"
	"airudder_exporter/internal/jsonscan"
	"airudder_exporter/internal/jsonscan/jsonscantest"
	"airudder_exporter/internal/labelcap"
	"airudder_exporter/internal/testkit"
	"airudder_exporter/receiver"
)

// Receiver is a real receiver.Receiver serving vendors, with its own
// registry and clock; it is closed when the test ends.
type Receiver struct {
	*receiver.Receiver
	Reg     *prometheus.Registry
	Clock   *testkit.Clock
	Handler http.Handler
}

// NewReceiver builds a Receiver for cfg serving vendors, without dedup
// persistence.
func NewReceiver(tb testing.TB, cfg config.Webhooks, vendors ...receiver.Vendor) *Receiver {
	tb.Helper()
	reg := prometheus.NewPedanticRegistry()
	// A fixed first instant, so exemplar and lag figures repeat.
	clock := testkit.NewClock(time.Date(2025, 12, 11, 10, 0, 0, 0, time.UTC))
	r, err := receiver.New(cfg, receiver.Options{Registerer: reg, Now: clock.Now}, vendors...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = r.Close() })
	return &Receiver{Receiver: r, Reg: reg, Clock: clock, Handler: r.Handler()}
}

// Post sends body to path through the handler, from a loopback address,
// with header name/value pairs hdr.
func (r *Receiver) Post(path string, body []byte, hdr ...string) *httptest.ResponseRecorder {
	return testkit.PostJSON(r.Handler, path, body, hdr...)
}

// PostOK posts like Post and fails tb unless the answer is 200.
func (r *Receiver) PostOK(tb testing.TB, path string, body []byte, hdr ...string) {
	tb.Helper()
	if rec := r.Post(path, body, hdr...); rec.Code != http.StatusOK {
		tb.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body)
	}
}

// Gather is every family of the receiver's registry.
func (r *Receiver) Gather(tb testing.TB) []*dto.MetricFamily {
	tb.Helper()
	mfs, err := r.Reg.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	return mfs
}

// CheckNoPersonalLabels fails tb if any label value of the registry looks
// like a phone number or an IP address (labelcap.Personal), and returns
// how many values of folded labels were counted
// (airudder_exporter_label_values_folded_total, all metrics).
func (r *Receiver) CheckNoPersonalLabels(tb testing.TB) (folded float64) {
	tb.Helper()
	for _, mf := range r.Gather(tb) {
		for label, vals := range LabelValues(mf) {
			for v := range vals {
				if labelcap.Personal(v) {
					tb.Errorf("%s{%s=%q}: a phone number or an IP address as a label value", mf.GetName(), label, v)
				}
			}
		}
		if mf.GetName() == "airudder_exporter_label_values_folded_total" {
			for _, m := range mf.GetMetric() {
				folded += m.GetCounter().GetValue()
			}
		}
	}
	return folded
}

// Records is airudder_exporter_webhook_records_total{source, outcome}.
func (r *Receiver) Records(tb testing.TB, source, outcome string) float64 {
	tb.Helper()
	return testkit.Value(tb, r.Reg, "airudder_exporter_webhook_records_total", "source", source, "outcome", outcome)
}

// IDStamper rewrites fixed-width placeholders (IDPlaceholder) in a body in
// place, so each benchmark iteration posts new ids without building a new
// body.
type IDStamper struct {
	Body []byte
	offs []int
	n    uint64
}

// IDPlaceholder is where an IDStamper writes an id; 20 bytes.
const IDPlaceholder = "ID000000000000000000"

func NewIDStamper(body string) *IDStamper {
	s := &IDStamper{Body: []byte(body)}
	for i := 0; ; {
		j := bytes.Index(s.Body[i:], []byte(IDPlaceholder))
		if j < 0 {
			break
		}
		s.offs = append(s.offs, i+j)
		i += j + len(IDPlaceholder)
	}
	return s
}

// Start makes the next ids count up from n, so stampers of parallel
// goroutines can use disjoint ranges.
func (s *IDStamper) Start(n uint64) { s.n = n }

// Next stamps fresh ids into every placeholder and returns the body.
func (s *IDStamper) Next() []byte {
	for _, off := range s.offs {
		s.n++
		v := s.n
		for i := off + len(IDPlaceholder) - 1; i >= off+2; i-- {
			s.Body[i] = byte('0' + v%10)
			v /= 10
		}
	}
	return s.Body
}

// AiRudderCalls is an AiRudder task webhook with n calls shaped like the
// fixture, each with an id placeholder.
func AiRudderCalls(n int) string {
	var b strings.Builder
	b.WriteString(`{"task_id":"ic1a7a8f2bxxx9f5e343a2ec25a9b2","task_name":"x_ic_task","status":"finished",` +
		`"created_at":"2022-12-19 15:14:52","repeat_interval":0,"repeat_number":0,"robot_hash":"f3298554xxxxxxx88aa595674",` +
		`"robot_method":"single","sip_line":"TEST_LINE","schedule_start_time":"2022-12-19 15:14:52",` +
		`"schedule_end_time":"2022-12-19 15:24:52","details":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"id":931888898,"callee":"+8612345678","result":"finished","result_label":"` +
			string(rune('A'+i%10)) + `","intention_description":"xxxx","duration":` + strconv.Itoa(i*7%300) +
			`,"hangup_type":"ByCallee","ring_type":"normal","question_answer":[` +
			`{"question_name":"Q1","answer":"rba1","answer_text":"yes it is  rba1","status":"Completed","answer_text_slot":"rba1","var":"RBA1","verification_results":"Match","question_content":"ABCD Reverification","question_type":"open","whether_answer":"Answered"},` +
			`{"question_name":"Q2","answer":"Yes","answer_text":"yes i will","status":"Completed","answer_text_slot":"-","var":"-","verification_results":"-","question_content":" Willingness Check","question_type":"whether","whether_answer":"Answered"}],` +
			`"EventLabel":{"VerifyPass":"VerifyPass"},"NerSlots":{"PaymentMethod":"ATM","PaymentTime":"Time_0"},` +
			`"variables":{"birthday":"1224","var2":"03","creditnumber":"1234"},"robot_hash":"f3298554be9xxxxxxxxaa595674",` +
			`"call_id":"` + IDPlaceholder + `","call_times":1,"call_start_time":"2022-12-19 15:17:14",` +
			`"call_end_time":"2022-12-19 15:17:14","ring_time":3,"talk_round":4,"redail_call":[{"CallID":"7c5a79bd5c5ac93cbe6fa6b5a0b0412c",` +
			`"CallStartTime":"2023-03-29 14:24:28","RingType":"","RingTime":5,"HangupType":"ByCallee","ResultLabel":"F",` +
			`"caller_number":"+62777888888","callee_number":"+6212345678"}],"caller_number":"+62777888888"}`)
	}
	b.WriteString(`]}`)
	return b.String()
}

// LaafficRecord is one LAAFFIC IVR push record shaped like the fixture,
// with an id placeholder.
func LaafficRecord(i int) string {
	return `{"voiceId":"` + IDPlaceholder + `","type":1,"callee":"63123456788","displayNum":"6311012125",` +
		`"submitTime":1670939112097,"callTime":1670939568000,"ringingTime":1670939570000,"answerTime":1670939582000,` +
		`"hangupTime":1670939595000,"chargedDuration":20,"callDuration":` + strconv.Itoa(i%120) + `,"billPeriod":"20+20",` +
		`"code":"India(Karnataka)","voiceFileId":"12043042052c5b61378df42324286fe4a4ace40ve.mp3",` +
		`"recordingFileId":"260820135623125000328.wav","rate":"0.023625","baseCost":"0.0","cost":"0.007875",` +
		`"terminationCode":"0","terminationReason":"Called hang up","sipCode":"200","feedbackValue":"` + strconv.Itoa(i%10) + `",` +
		`"calledInfo":"calledInfo","ringDuration":1,"currency":"EUR","settleRate":"1.2793","quoteExchange":"0.938",` +
		`"settlePay":"1.2793","outRecallCount":0,"taskId":11,"sourceTaskId":12,"scriptId":123,"intent":"YES",` +
		`"dimensionId":123124,"callStatus":50}`
}

// LaafficBatch is a LAAFFIC {"array":[...]} push of n LaafficRecords.
func LaafficBatch(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = LaafficRecord(i)
	}
	return `{"array":[` + strings.Join(parts, ",") + `]}`
}

// AllocsPerRecord reports heap allocations per record around fn.
func AllocsPerRecord(b *testing.B, records int, fn func()) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	if b.N > 0 && records > 0 {
		b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*records), "allocs/record")
	}
}

// BenchHandler posts body (fresh ids each time) to path of a receiver
// serving vendor through its HTTP handler (httptest.NewRecorder), with the
// shared token.
func BenchHandler(b *testing.B, vendor receiver.Vendor, path, body string, records int) {
	r := NewReceiver(b, config.Webhooks{Token: "s3cret"}, vendor)
	st := NewIDStamper(body)
	rd := bytes.NewReader(nil)
	req := httptest.NewRequest(http.MethodPost, path+"?token=s3cret", nil)
	req.RemoteAddr = "127.0.0.1:40000"
	b.ReportAllocs()
	b.SetBytes(int64(len(st.Body)))
	AllocsPerRecord(b, records, func() {
		for b.Loop() {
			data := st.Next()
			rd.Reset(data)
			req.Body = io.NopCloser(rd)
			req.ContentLength = int64(len(data))
			rec := httptest.NewRecorder()
			r.Handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
}

// RequestOutcomes is how many outcomes airudder_exporter_webhook_requests_total
// has per source: a receiver creates the series of every outcome up front.
// (The one series of source "other", paths naming no vendor, is not the
// vendor's.)
func RequestOutcomes(tb testing.TB, vendor receiver.Vendor) int {
	tb.Helper()
	r := NewReceiver(tb, config.Webhooks{}, vendor)
	mfs, err := r.Reg.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "airudder_exporter_webhook_requests_total" {
			n := 0
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "source" && l.GetValue() == vendor.Name() {
						n++
					}
				}
			}
			return n
		}
	}
	tb.Fatal("no airudder_exporter_webhook_requests_total")
	return 0
}

// BenchBody decodes body (fresh ids each time) with a Body of vendor,
// served by a receiver, and records it as all fresh: the vendor's part of
// a request, without the handler and the dedup claims.
func BenchBody(b *testing.B, vendor receiver.Vendor, body string, records int) {
	r := NewReceiver(b, config.Webhooks{}, vendor)
	now := r.Clock.Now()
	vb := vendor.NewBody()
	st := NewIDStamper(body)
	var keys []string
	var fresh []bool
	dups := 0
	b.ReportAllocs()
	b.SetBytes(int64(len(st.Body)))
	AllocsPerRecord(b, records, func() {
		for b.Loop() {
			if err := vb.Decode(st.Next()); err != nil {
				b.Fatal(err)
			}
			keys = vb.Keys(keys[:0])
			for len(fresh) < len(keys) {
				fresh = append(fresh, true)
			}
			_, d := vb.Record(config.DefaultWebhookAccount, now, fresh[:len(keys)])
			dups += d
			vb.Release()
		}
	})
	if dups != 0 {
		b.Fatalf("%d duplicates: ids not unique", dups)
	}
}

// Bounds gives, per family and label, how many distinct values the label
// may take.
type Bounds map[string]map[string]int

// CheckBounded reports every family of mfs with a label past its bound
// or more series than the product of its bounds. A family without bounds
// may have a handful of series at most, unless unbounded(name) says its
// size is checked elsewhere (histograms by bucket count).
func CheckBounded(t *testing.T, mfs []*dto.MetricFamily, bounds Bounds, unbounded func(name string) bool) {
	t.Helper()
	for _, mf := range mfs {
		name := mf.GetName()
		b, ok := bounds[name]
		if !ok {
			if n := len(mf.GetMetric()); n > 24 && !unbounded(name) {
				t.Errorf("%s: %d series", name, n)
			}
			continue
		}
		product := 1
		for _, max := range b {
			product *= max
		}
		for label, vals := range LabelValues(mf) {
			if max, ok := b[label]; !ok {
				t.Errorf("%s: unexpected label %s", name, label)
			} else if len(vals) > max {
				t.Errorf("%s{%s}: %d distinct values, bound %d", name, label, len(vals), max)
			}
		}
		if n := len(mf.GetMetric()); n > product {
			t.Errorf("%s: %d series, bound %d", name, n, product)
		}
	}
}

// LabelValues is the set of values of each label of mf.
func LabelValues(mf *dto.MetricFamily) map[string]map[string]bool {
	distinct := map[string]map[string]bool{}
	for _, m := range mf.GetMetric() {
		for _, lp := range m.GetLabel() {
			if distinct[lp.GetName()] == nil {
				distinct[lp.GetName()] = map[string]bool{}
			}
			distinct[lp.GetName()][lp.GetValue()] = true
		}
	}
	return distinct
}

// Folded is the sum of airudder_exporter_label_values_folded_total.
func Folded(mfs []*dto.MetricFamily) float64 {
	folded := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "airudder_exporter_label_values_folded_total" {
			for _, m := range mf.GetMetric() {
				folded += m.GetCounter().GetValue()
			}
		}
	}
	return folded
}

// BeyondEncodingJSON reports whether body nests deeper than encoding/json
// reads, which a decoder reads all the same: encoding/json cannot count
// its records (JSONRecords).
func BeyondEncodingJSON(body []byte) bool {
	return jsonscantest.Depth(body) > jsonscantest.EncodingJSONMaxDepth
}

// JSONRecords counts the records of body the way encoding/json reads it:
// the elements of the top-level listKey array, of a bare top-level array
// when bareList, else one for an object; ok is false when encoding/json
// refuses the body.
func JSONRecords(body []byte, listKey string, bareList bool) (n int, ok bool) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // 1e400 is a valid number, just not a float64
	if err := dec.Decode(&v); err != nil || dec.InputOffset() != int64(len(bytes.TrimRight(body, " \t\r\n"))) {
		return 0, false
	}
	switch top := v.(type) {
	case []any:
		if bareList {
			return len(top), true
		}
	case map[string]any:
		if l, ok := top[listKey].([]any); ok {
			return len(l), true
		}
		return 1, true
	}
	return 0, false
}

// FuzzCap is the max_label_values of a FuzzReceiver.
const FuzzCap = 5

// FuzzReceiver is one receiver shared by all iterations of a fuzz worker,
// so label values accumulate as they would in a long-running exporter.
type FuzzReceiver struct {
	once   sync.Once
	vendor receiver.Vendor
	reg    *prometheus.Registry
	mu     sync.Mutex
	runs   int
}

// Vendor returns the vendor the receiver serves, built by newVendor on
// first use.
func (f *FuzzReceiver) Vendor(t *testing.T, newVendor func() receiver.Vendor) receiver.Vendor {
	f.once.Do(func() {
		f.reg = prometheus.NewRegistry()
		f.vendor = newVendor()
		if _, err := receiver.New(config.Webhooks{MaxLabelValues: FuzzCap}, receiver.Options{Registerer: f.reg}, f.vendor); err != nil {
			t.Fatal(err)
		}
	})
	return f.vendor
}

// CheckLabels, every 200th call, fails unless every label stays within
// the bounds returned by bounds and every label value a record can set is
// printable.
func (f *FuzzReceiver) CheckLabels(t *testing.T, bounds func() Bounds) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.runs++
	if f.runs%200 != 0 {
		return
	}
	mfs, err := f.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	all := bounds()
	for _, mf := range mfs {
		b := all[mf.GetName()]
		for label, vals := range LabelValues(mf) {
			if max, ok := b[label]; ok && len(vals) > max {
				t.Fatalf("%s{%s}: %d values > %d", mf.GetName(), label, len(vals), max)
			}
			for v := range vals {
				if label != "metric" && label != "source" && label != "reason" && label != "outcome" &&
					!labelcap.Printable(v) && (label != "campaign" || v != "") { // no campaign rules: empty by design
					t.Fatalf("%s: unprintable label value %q", mf.GetName(), v)
				}
				if labelcap.Personal(v) {
					t.Fatalf("%s: label %s holds a phone number or an IP address: %q", mf.GetName(), label, v)
				}
			}
		}
	}
}

// RecordAll counts body's decoded records for the default account as if
// every key were fresh (no dedup: a fuzz input may repeat an id).
func RecordAll(body receiver.Body) {
	keys := body.Keys(nil)
	fresh := make([]bool, len(keys))
	for i := range fresh {
		fresh[i] = true
	}
	body.Record(config.DefaultWebhookAccount, time.Now(), fresh)
}

// Refused checks a vendor's Decode of body that returned err (with records
// records decoded): a refused body yields no records, a not-JSON refusal
// is for a body encoding/json refuses too, whatever its nesting (the
// values a decoder skips may nest to any depth), and a too-deep one for a
// body nested deeper than jsonscan.MaxDepth. It reports whether the body
// was refused.
func Refused(t *testing.T, body []byte, err error, records int) bool {
	t.Helper()
	if err == nil {
		return false
	}
	if records != 0 {
		t.Fatalf("error %v with %d records", err, records)
	}
	if errors.Is(err, receiver.ErrNotJSON) && json.Valid(body) {
		t.Fatalf("valid JSON refused: %q", body)
	}
	if errors.Is(err, receiver.ErrTooDeep) && jsonscantest.Depth(body) <= jsonscan.MaxDepth {
		t.Fatalf("refused as too deep: %q", body)
	}
	return true
}
