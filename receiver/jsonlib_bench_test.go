package receiver

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"runtime"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/go-json-experiment/json/jsontext"
)

// JSON reader evaluation (BENCHMARKS.md, "JSON reader: hand-written vs
// library"): the same bodies decoded by the production decoders (jreader)
// and by equivalent decoders on github.com/go-json-experiment/json/jsontext,
// the tokenizer behind encoding/json/v2. The library decoders below read
// the same fields into the same raw structs (arCallRaw, laRaw) with the
// same flexible-type rules and call the same emit functions, so the only
// difference measured is the tokenizer. TestJSONLibDecodersAgree checks
// that both produce identical events for every benchmarked body.
//
// The library decoders cover the shapes of the benchmark bodies (AiRudder
// task with details[], LAAFFIC record, {"array"} and bare list); they are
// an evaluation, not a replacement: the production decoders stay.

// libOpts matches jreader's rules: a repeated key replaces the earlier one
// (encoding/json's behaviour), and strings are not UTF-8-validated here
// (label values are validated where used). Both checks cost time in
// jsontext and would make the comparison unfair to it.
var libOpts = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// libReader wraps a reusable jsontext.Decoder reading straight from the
// body: given a *bytes.Buffer, jsontext parses in place, so the values it
// returns alias the body (as jreader's do) and stay valid for the decode.
type libReader struct {
	buf     bytes.Buffer
	dec     *jsontext.Decoder
	scratch []byte
	err     error
}

func (r *libReader) reset(data []byte) {
	r.buf = *bytes.NewBuffer(data)
	if r.dec == nil {
		r.dec = jsontext.NewDecoder(&r.buf, libOpts...)
	} else {
		r.dec.Reset(&r.buf, libOpts...)
	}
	r.scratch, r.err = r.scratch[:0], nil
}

func (r *libReader) fail(err error) {
	if r.err == nil && err != nil {
		r.err = err
	}
}

// delim reads a '{', '}', '[' or ']'.
func (r *libReader) delim() {
	if r.err != nil {
		return
	}
	_, err := r.dec.ReadToken()
	r.fail(err)
}

func (r *libReader) kind() jsontext.Kind {
	if r.err != nil {
		return 0
	}
	return r.dec.PeekKind()
}

func (r *libReader) skip() {
	if r.err == nil {
		r.fail(r.dec.SkipValue())
	}
}

// value reads a scalar (or a name) as raw bytes aliasing the body.
func (r *libReader) value() jsontext.Value {
	if r.err != nil {
		return nil
	}
	v, err := r.dec.ReadValue()
	r.fail(err)
	return v
}

// unquote returns a string value's content: a sub-slice when it has no
// escapes, else unescaped into scratch.
func (r *libReader) unquote(v jsontext.Value) []byte {
	if len(v) < 2 {
		return nil
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return v[1 : len(v)-1]
	}
	mark := len(r.scratch)
	var err error
	r.scratch, err = jsontext.AppendUnquote(r.scratch, v)
	r.fail(err)
	return r.scratch[mark:len(r.scratch):len(r.scratch)]
}

func (r *libReader) name() []byte { return r.unquote(r.value()) }

// readString and readNum: the rules of jreader.readString / readNum.
func (r *libReader) readString(f *flexString) {
	switch r.kind() {
	case '"':
		f.b, f.st = r.unquote(r.value()), fOK
	case '0':
		f.b, f.st = r.value(), fOK
	case 'n':
		r.value()
		f.b, f.st = nil, fNull
	default:
		r.skip()
		f.b, f.st = nil, fBadType
	}
}

func (r *libReader) readNum(n *flexNum) {
	switch r.kind() {
	case '"':
		s := bytes.TrimSpace(r.unquote(r.value()))
		switch v, ok := parseNumber(s); {
		case len(s) == 0:
			n.st = fNull
		case ok:
			n.v, n.st = v, fOK
		default:
			n.st = fBadNumber
		}
	case '0':
		if v, ok := parseNumber(r.value()); ok {
			n.v, n.st = v, fOK
		} else {
			n.st = fBadNumber
		}
	case 'n':
		r.value()
		n.st = fNull
	default:
		r.skip()
		n.st = fBadType
	}
}

// end checks that the body holds nothing after the top-level value.
func (r *libReader) end() {
	if r.err != nil {
		return
	}
	if _, err := r.dec.ReadToken(); !errors.Is(err, io.EOF) {
		r.fail(errors.New("data after the top-level value"))
	}
}

type libARDecoder struct {
	r    libReader
	top  arBodyRaw
	call arCallRaw
}

func (d *libARDecoder) decode(data []byte, out *AiRudderBatch) error {
	out.reset()
	r := &d.r
	r.reset(data)
	if r.kind() != '{' {
		return errNotObject
	}
	d.top.arCallRaw.reset()
	d.top = arBodyRaw{arCallRaw: d.top.arCallRaw}
	details := false
	r.delim()
	for r.kind() != '}' && r.err == nil {
		k := r.name()
		switch string(k) {
		case "details":
			out.reset()
			details = r.kind() == '['
			if details {
				d.details(out)
			} else {
				r.skip()
			}
		case "task_id":
			r.readString(&d.top.TaskID)
		case "status":
			r.readString(&d.top.Status)
		case "workflow_id":
			r.readString(&d.top.WorkflowID)
		case "workflow_name":
			r.readString(&d.top.WorkflowName)
		case "nodetask_id":
			r.readString(&d.top.NodetaskID)
		case "case_id":
			r.readString(&d.top.CaseID)
		default:
			if !d.callField(k, &d.top.arCallRaw) {
				r.skip()
			}
		}
	}
	r.delim()
	r.end()
	switch {
	case r.err != nil:
		out.reset()
		return errNotJSON
	case details:
	case isTopLevelCall(&d.top):
		emitAiRudderCall(&d.top.arCallRaw, isWorkflow(&d.top), out)
	default:
		emitTaskStatus(&d.top, out)
	}
	return nil
}

func (d *libARDecoder) details(out *AiRudderBatch) {
	r := &d.r
	r.delim()
	for r.kind() != ']' && r.err == nil {
		if r.kind() != '{' {
			r.skip()
			out.Invalid = append(out.Invalid, ReasonNotObject)
			continue
		}
		d.call.reset()
		r.delim()
		for r.kind() != '}' && r.err == nil {
			if k := r.name(); !d.callField(k, &d.call) {
				r.skip()
			}
		}
		r.delim()
		if r.err != nil {
			return
		}
		emitAiRudderCall(&d.call, false, out)
	}
	r.delim()
}

func (d *libARDecoder) callField(k []byte, c *arCallRaw) bool {
	r := &d.r
	switch string(k) {
	case "id":
		r.readString(&c.ID)
	case "call_id":
		r.readString(&c.CallID)
	case "result":
		r.readString(&c.Result)
	case "result_label":
		r.readString(&c.ResultLabel)
	case "hangup_type":
		r.readString(&c.HangupType)
	case "ring_type":
		r.readString(&c.RingType)
	case "duration":
		r.readNum(&c.Duration)
	case "ring_time":
		r.readNum(&c.RingTime)
	case "talk_round":
		r.readNum(&c.TalkRound)
	case "call_times":
		r.readNum(&c.CallTimes)
	case "question_answer":
		c.QuestionAnswer = c.QuestionAnswer[:0]
		d.objects(c, func(k []byte) bool {
			a := &c.QuestionAnswer[len(c.QuestionAnswer)-1]
			switch string(k) {
			case "question_name":
				r.readString(&a.QuestionName)
			case "verification_results":
				r.readString(&a.Verification)
			case "whether_answer":
				r.readString(&a.WhetherAnswer)
			default:
				return false
			}
			return true
		}, func() { c.QuestionAnswer = append(c.QuestionAnswer, arAnswerRaw{}) })
	case "redail_call":
		c.RedailCall = c.RedailCall[:0]
		d.objects(c, func(k []byte) bool {
			rd := &c.RedailCall[len(c.RedailCall)-1]
			switch string(k) {
			case "RingType":
				r.readString(&rd.RingType)
			case "HangupType":
				r.readString(&rd.HangupType)
			default:
				return false
			}
			return true
		}, func() { c.RedailCall = append(c.RedailCall, arRedialRaw{}) })
	case "EventLabel":
		c.EventLabel = c.EventLabel[:0]
		switch r.kind() {
		case '{':
			r.delim()
			for r.kind() != '}' && r.err == nil {
				c.EventLabel = append(c.EventLabel, r.name())
				r.skip()
			}
			r.delim()
		case 'n':
			r.value()
		default:
			r.skip()
			c.nestedBad = true
		}
	default:
		return false
	}
	return true
}

func (d *libARDecoder) objects(c *arCallRaw, field func(k []byte) bool, add func()) {
	r := &d.r
	switch r.kind() {
	case '[':
	case 'n':
		r.value()
		return
	default:
		r.skip()
		c.nestedBad = true
		return
	}
	r.delim()
	for r.kind() != ']' && r.err == nil {
		if r.kind() != '{' {
			r.skip()
			c.nestedBad = true
			continue
		}
		add()
		r.delim()
		for r.kind() != '}' && r.err == nil {
			if !field(r.name()) {
				r.skip()
			}
		}
		r.delim()
	}
	r.delim()
}

type libLADecoder struct {
	r   libReader
	top laRaw
	rec laRaw
}

func (d *libLADecoder) decode(data []byte, out *LaafficBatch) error {
	out.reset()
	r := &d.r
	r.reset(data)
	isBatch := false
	switch r.kind() {
	case '[':
		isBatch = true
		d.list(out)
	case '{':
		d.top = laRaw{}
		r.delim()
		for r.kind() != '}' && r.err == nil {
			k := r.name()
			if string(k) != "array" {
				if !d.field(k, &d.top) {
					r.skip()
				}
				continue
			}
			out.reset()
			isBatch = r.kind() == '['
			if isBatch {
				d.list(out)
			} else {
				r.skip()
			}
		}
		r.delim()
	default:
		return errNotObjectOrList
	}
	r.end()
	if r.err != nil {
		out.reset()
		return errNotJSON
	}
	if !isBatch {
		emitLaafficCall(&d.top, out)
	}
	return nil
}

func (d *libLADecoder) list(out *LaafficBatch) {
	r := &d.r
	r.delim()
	for r.kind() != ']' && r.err == nil {
		if r.kind() != '{' {
			r.skip()
			out.Invalid = append(out.Invalid, ReasonNotObject)
			continue
		}
		d.rec = laRaw{}
		r.delim()
		for r.kind() != '}' && r.err == nil {
			if k := r.name(); !d.field(k, &d.rec) {
				r.skip()
			}
		}
		r.delim()
		if r.err != nil {
			return
		}
		emitLaafficCall(&d.rec, out)
	}
	r.delim()
}

func (d *libLADecoder) field(k []byte, rec *laRaw) bool {
	r := &d.r
	switch string(k) {
	case "voiceId":
		r.readString(&rec.VoiceID)
	case "type":
		r.readNum(&rec.Type)
	case "submitTime":
		r.readNum(&rec.SubmitTime)
	case "callTime":
		r.readNum(&rec.CallTime)
	case "ringingTime":
		r.readNum(&rec.RingingTime)
	case "answerTime":
		r.readNum(&rec.AnswerTime)
	case "hangupTime":
		r.readNum(&rec.HangupTime)
	case "callDuration":
		r.readNum(&rec.CallDuration)
	case "chargedDuration":
		r.readNum(&rec.ChargedDuration)
	case "ringDuration":
		r.readNum(&rec.RingDuration)
	case "billPeriod":
		r.readString(&rec.BillPeriod)
	case "code":
		r.readString(&rec.Code)
	case "baseCost":
		r.readNum(&rec.BaseCost)
	case "cost":
		r.readNum(&rec.Cost)
	case "costEur":
		r.readNum(&rec.CostEur)
	case "currency":
		r.readString(&rec.Currency)
	case "settlePay":
		r.readNum(&rec.SettlePay)
	case "terminationCode":
		r.readString(&rec.TerminationCode)
	case "sipCode":
		r.readString(&rec.SipCode)
	case "feedbackValue":
		r.readString(&rec.FeedbackValue)
	case "intent":
		r.readString(&rec.Intent)
	case "callStatus":
		r.readNum(&rec.CallStatus)
	case "recallByVoiceId":
		r.readString(&rec.RecallByVoiceID)
	default:
		return false
	}
	return true
}

// jsonLibBodies are the benchmarked bodies: the vendor fixtures (also the
// templates of cmd/loadgen's payloads) and the loadgen shapes.
func jsonLibBodies(t testing.TB) (ar, la map[string][]byte) {
	return map[string][]byte{
			"fixture":     readFixture(t, "airudder-call-webhook.json"),
			"single":      newIDStamper(airudderBody(1)).next(),
			"batch10":     newIDStamper(airudderBody(10)).next(),
			"escaped-ids": []byte(`{"task_id":"t","details":[{"call_id":"a\u00e9\"b","result":"finished","result_label":"L\n","duration":"12","EventLabel":{"K\u0031":1}}]}`),
		}, map[string][]byte{
			"fixture":  readFixture(t, "laaffic-ivr-push.json"),
			"single":   newIDStamper(laafficRecord(0)).next(),
			"batch100": newIDStamper(laafficBatchBody(100)).next(),
			"bare":     []byte(`[{"voiceId":12,"callDuration":"7","cost":"0.5","currency":"USD"},3]`),
		}
}

// Both readers must turn each benchmarked body into the same events, or
// the benchmark compares different work.
func TestJSONLibDecodersAgree(t *testing.T) {
	ars, las := jsonLibBodies(t)
	for name, body := range ars {
		var hw arDecoder
		var lib libARDecoder
		var fj fjARDecoder
		var a, b, c AiRudderBatch
		errA, errB, errC := hw.decode(body, &a), lib.decode(body, &b), fj.decode(body, &c)
		if errA != nil || errB != nil || errC != nil || a.Records() == 0 {
			t.Fatalf("airudder %s: errors %v / %v / %v, %d records", name, errA, errB, errC, a.Records())
		}
		for lname, x := range map[string]*AiRudderBatch{"jsontext": &b, "fastjson": &c} {
			if !reflect.DeepEqual(a.Calls, x.Calls) || !reflect.DeepEqual(a.Tasks, x.Tasks) || !reflect.DeepEqual(a.Invalid, x.Invalid) {
				t.Errorf("airudder %s: events differ\njreader: %+v\n%s: %+v", name, a, lname, *x)
			}
		}
	}
	for name, body := range las {
		var hw laDecoder
		var lib libLADecoder
		var fj fjLADecoder
		var a, b, c LaafficBatch
		errA, errB, errC := hw.decode(body, &a), lib.decode(body, &b), fj.decode(body, &c)
		if errA != nil || errB != nil || errC != nil || a.Records() == 0 {
			t.Fatalf("laaffic %s: errors %v / %v / %v, %d records", name, errA, errB, errC, a.Records())
		}
		for lname, x := range map[string]*LaafficBatch{"jsontext": &b, "fastjson": &c} {
			if !reflect.DeepEqual(a.Calls, x.Calls) || !reflect.DeepEqual(a.Invalid, x.Invalid) {
				t.Errorf("laaffic %s: events differ\njreader: %+v\n%s: %+v", name, a, lname, *x)
			}
		}
	}
	// All refuse broken JSON as a whole body.
	for _, bad := range []string{`{"details":[{"id":1}`, `{"task_id":"t"} x`, `{"task_id":tru}`, `{"a":"\q"}`, `{"a":01}`} {
		var hw arDecoder
		var lib libARDecoder
		var fj fjARDecoder
		var b AiRudderBatch
		if err := hw.decode([]byte(bad), &b); err == nil {
			t.Errorf("jreader accepted %q", bad)
		}
		if err := lib.decode([]byte(bad), &b); err == nil {
			t.Errorf("jsontext decoder accepted %q", bad)
		}
		if err := fj.decode([]byte(bad), &b); err == nil {
			t.Logf("fastjson decoder accepted %q (its parser is not a full validator)", bad)
		}
	}
}

// BenchmarkJSONReader: decode only (no dedup, no metrics), fresh ids each
// iteration for the loadgen shapes, as BenchmarkDecode*.
func BenchmarkJSONReader(b *testing.B) {
	ar := map[string]string{"AiRudderSingle": airudderBody(1), "AiRudderBatch10": airudderBody(10)}
	la := map[string]string{"LaafficSingle": laafficRecord(0), "LaafficBatch100": laafficBatchBody(100)}
	for _, name := range []string{"AiRudderSingle", "AiRudderBatch10"} {
		st := newIDStamper(ar[name])
		b.Run(name+"/jreader", func(b *testing.B) {
			var d arDecoder
			var out AiRudderBatch
			benchReader(b, len(st.body), func() error { return d.decode(st.next(), &out) })
		})
		b.Run(name+"/jsontext", func(b *testing.B) {
			var d libARDecoder
			var out AiRudderBatch
			benchReader(b, len(st.body), func() error { return d.decode(st.next(), &out) })
		})
		b.Run(name+"/fastjson", func(b *testing.B) {
			var d fjARDecoder
			var out AiRudderBatch
			benchReader(b, len(st.body), func() error { return d.decode(st.next(), &out) })
		})
	}
	for _, name := range []string{"LaafficSingle", "LaafficBatch100"} {
		st := newIDStamper(la[name])
		b.Run(name+"/jreader", func(b *testing.B) {
			var d laDecoder
			var out LaafficBatch
			benchReader(b, len(st.body), func() error { return d.decode(st.next(), &out) })
		})
		b.Run(name+"/jsontext", func(b *testing.B) {
			var d libLADecoder
			var out LaafficBatch
			benchReader(b, len(st.body), func() error { return d.decode(st.next(), &out) })
		})
		b.Run(name+"/fastjson", func(b *testing.B) {
			var d fjLADecoder
			var out LaafficBatch
			benchReader(b, len(st.body), func() error { return d.decode(st.next(), &out) })
		})
	}
}

func benchReader(b *testing.B, n int, decode func() error) {
	b.ReportAllocs()
	b.SetBytes(int64(n))
	for b.Loop() {
		if err := decode(); err != nil {
			b.Fatal(err)
		}
	}
}

// threadCPU is the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID):
// time the thread was descheduled does not count, so on a shared, busy
// machine it measures the work, not the wait.
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}

// BenchmarkJSONReaderPaired runs the readers on the same body in
// alternating chunks on one locked OS thread and reports each one's thread
// CPU time per body: a paired comparison that other processes on the
// machine cannot skew towards one side (each b.N iteration is one chunk
// of each reader, in a rotating order).
func BenchmarkJSONReaderPaired(b *testing.B) {
	const chunk = 200
	type reader struct {
		name string
		f    func() error
	}
	arSt, ar10 := newIDStamper(airudderBody(1)), newIDStamper(airudderBody(10))
	la1, laSt := newIDStamper(laafficRecord(0)), newIDStamper(laafficBatchBody(100))
	var (
		hwAR  arDecoder
		libAR libARDecoder
		fjAR  fjARDecoder
		hwLA  laDecoder
		libLA libLADecoder
		fjLA  fjLADecoder
		arOut AiRudderBatch
		laOut LaafficBatch
	)
	ar := func(st *idStamper) []reader {
		return []reader{
			{"jreader", func() error { return hwAR.decode(st.next(), &arOut) }},
			{"jsontext", func() error { return libAR.decode(st.next(), &arOut) }},
			{"fastjson", func() error { return fjAR.decode(st.next(), &arOut) }},
		}
	}
	la := func(st *idStamper) []reader {
		return []reader{
			{"jreader", func() error { return hwLA.decode(st.next(), &laOut) }},
			{"jsontext", func() error { return libLA.decode(st.next(), &laOut) }},
			{"fastjson", func() error { return fjLA.decode(st.next(), &laOut) }},
		}
	}
	for _, c := range []struct {
		name    string
		readers []reader
	}{
		{"AiRudderSingle", ar(arSt)}, {"AiRudderBatch10", ar(ar10)},
		{"LaafficSingle", la(la1)}, {"LaafficBatch100", la(laSt)},
	} {
		b.Run(c.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu := make([]time.Duration, len(c.readers))
			for i := 0; b.Loop(); i++ {
				// Rotate the order, so no reader always runs on a cache
				// another has just warmed.
				for j := range c.readers {
					k := (i + j) % len(c.readers)
					t0 := threadCPU()
					for range chunk {
						if err := c.readers[k].f(); err != nil {
							b.Fatal(err)
						}
					}
					cpu[k] += threadCPU() - t0
				}
			}
			n := float64(b.N * chunk)
			for k, r := range c.readers {
				b.ReportMetric(float64(cpu[k].Nanoseconds())/n, r.name+"-cpu-ns/body")
				if k > 0 {
					b.ReportMetric(float64(cpu[k])/float64(cpu[0]), r.name+"/jreader")
				}
			}
		})
	}
}
