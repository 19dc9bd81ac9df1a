package receiver

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 12, 11, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testReceiver bundles a receiver with its registry and clock.
type testReceiver struct {
	*Receiver
	reg   *prometheus.Registry
	clock *fakeClock
	h     http.Handler
}

func newTestReceiver(t testing.TB, cfg config.Webhooks, storage string) *testReceiver {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	clock := newFakeClock()
	r, err := New(cfg, Options{Registerer: reg, StoragePath: storage, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return &testReceiver{Receiver: r, reg: reg, clock: clock, h: r.Handler()}
}

// post sends body to path through the handler and returns the recorder.
func (tr *testReceiver) post(path string, body []byte, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.RemoteAddr = "127.0.0.1:40000"
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	tr.h.ServeHTTP(rec, req)
	return rec
}

// counterValue reads one series of a family from the registry (0 if absent).
func counterValue(t testing.TB, g prometheus.Gatherer, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			want := map[string]string{}
			for i := 0; i+1 < len(labels); i += 2 {
				want[labels[i]] = labels[i+1]
			}
			if len(want) != len(m.GetLabel()) {
				continue
			}
			for _, lp := range m.GetLabel() {
				if want[lp.GetName()] != lp.GetValue() {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return 0
}

// idStamper rewrites fixed-width placeholders in a body in place, so each
// benchmark iteration posts new ids without building a new body.
type idStamper struct {
	body []byte
	offs []int
	n    uint64
}

const idPlaceholder = "ID000000000000000000" // 20 bytes

func newIDStamper(body string) *idStamper {
	s := &idStamper{body: []byte(body)}
	for i := 0; ; {
		j := bytes.Index(s.body[i:], []byte(idPlaceholder))
		if j < 0 {
			break
		}
		s.offs = append(s.offs, i+j)
		i += j + len(idPlaceholder)
	}
	return s
}

// next stamps fresh ids into every placeholder and returns the body.
func (s *idStamper) next() []byte {
	for _, off := range s.offs {
		s.n++
		v := s.n
		for i := off + len(idPlaceholder) - 1; i >= off+2; i-- {
			s.body[i] = byte('0' + v%10)
			v /= 10
		}
	}
	return s.body
}

// airudderBody builds a task body with n calls shaped like the fixture,
// each with an id placeholder.
func airudderBody(n int) string {
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
			`"call_id":"` + idPlaceholder + `","call_times":1,"call_start_time":"2022-12-19 15:17:14",` +
			`"call_end_time":"2022-12-19 15:17:14","ring_time":3,"talk_round":4,"redail_call":[{"CallID":"7c5a79bd5c5ac93cbe6fa6b5a0b0412c",` +
			`"CallStartTime":"2023-03-29 14:24:28","RingType":"","RingTime":5,"HangupType":"ByCallee","ResultLabel":"F",` +
			`"caller_number":"+62777888888","callee_number":"+6212345678"}],"caller_number":"+62777888888"}`)
	}
	b.WriteString(`]}`)
	return b.String()
}

// laafficRecord is one record shaped like the fixture with an id placeholder.
func laafficRecord(i int) string {
	return `{"voiceId":"` + idPlaceholder + `","type":1,"callee":"63123456788","displayNum":"6311012125",` +
		`"submitTime":1670939112097,"callTime":1670939568000,"ringingTime":1670939570000,"answerTime":1670939582000,` +
		`"hangupTime":1670939595000,"chargedDuration":20,"callDuration":` + strconv.Itoa(i%120) + `,"billPeriod":"20+20",` +
		`"code":"India(Karnataka)","voiceFileId":"12043042052c5b61378df42324286fe4a4ace40ve.mp3",` +
		`"recordingFileId":"260820135623125000328.wav","rate":"0.023625","baseCost":"0.0","cost":"0.007875",` +
		`"terminationCode":"0","terminationReason":"Called hang up","sipCode":"200","feedbackValue":"` + strconv.Itoa(i%10) + `",` +
		`"calledInfo":"calledInfo","ringDuration":1,"currency":"EUR","settleRate":"1.2793","quoteExchange":"0.938",` +
		`"settlePay":"1.2793","outRecallCount":0,"taskId":11,"sourceTaskId":12,"scriptId":123,"intent":"YES",` +
		`"dimensionId":123124,"callStatus":50}`
}

func laafficBatchBody(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = laafficRecord(i)
	}
	return `{"array":[` + strings.Join(parts, ",") + `]}`
}
