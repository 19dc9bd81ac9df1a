package airudder

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"airudder_exporter/internal/jsonscan"
)

// Decoding is tolerant on purpose: the vendor documents its payloads by
// example only, so numbers may arrive as ints, floats or numeric strings,
// any field or section may be missing, and a value of the wrong type skips
// that value (counted in inboundStatistics.Bad) instead of failing the whole
// response. Only a body that is not a JSON object, a body code other than
// 200, or a response without any usable data fails.

var (
	// errDecode: the body is not a JSON object (HTML error page, truncated
	// JSON, wrong envelope) or carries no usable token.
	errStatDecode = errors.New("response body is not the expected JSON")
	// errNoData: the envelope is fine but holds no usable statistics.
	errStatNoData = errors.New("response holds no usable statistics")
)

// apiCodeError is a body "code" other than 200.
type apiCodeError struct{ code int }

// Error quotes the code only in the range of the documented ones (HTTP
// statuses): any other number is the upstream's text (it may be a phone
// number) and is never logged.
func (e *apiCodeError) Error() string {
	if e.code < 0 || e.code > 999 {
		return "API answered code out of range"
	}
	return "API answered code " + strconv.Itoa(e.code)
}

const (
	statDateLayout = "2006-01-02"
	statTimeLayout = "2006-01-02 15:04:05"
	// maxTokenLen bounds what we accept as a token (and later send).
	apiMaxTokenLen = 4096
)

// decodeEnvelope parses b as one JSON object and checks its "code". A
// missing code is accepted (HTTP 200 already said OK); an unreadable one
// is a decode error.
func decodeAPIEnvelope(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errStatDecode
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errStatDecode // trailing garbage after the object
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errStatDecode
	}
	if c, present := m["code"]; present && c != nil {
		f, ok, _ := statNumber(c)
		if !ok || f != math.Trunc(f) || math.Abs(f) > 1e9 {
			return nil, errStatDecode
		}
		if f != 200 {
			return nil, &apiCodeError{code: int(f)}
		}
	}
	return m, nil
}

// decodeAPIToken extracts data.token from a login response. The token must be
// 1..4096 visible ASCII characters so it can be sent in a header as is.
// Errors never contain the token.
func decodeAPIToken(b []byte) (string, error) {
	m, err := decodeAPIEnvelope(b)
	if err != nil {
		return "", err
	}
	data, _ := m["data"].(map[string]any)
	tok, _ := data["token"].(string)
	if tok == "" || len(tok) > apiMaxTokenLen {
		return "", errStatDecode
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] < 0x21 || tok[i] > 0x7e {
			return "", errStatDecode
		}
	}
	return tok, nil
}

// decodeStatistics turns a statistics response into inboundStatistics. Dates are
// read in loc (nil means UTC). It returns a *codeError for a body code
// other than 200, errDecode for a body that is not a JSON object and
// errNoData when nothing usable is in it; otherwise partial data is
// returned with Missing/Bad counting what was absent or skipped.
func decodeStatistics(b []byte, loc *time.Location) (*inboundStatistics, error) {
	if loc == nil {
		loc = time.UTC
	}
	m, err := decodeAPIEnvelope(b)
	if err != nil {
		return nil, err
	}
	st := &inboundStatistics{}
	w := statWalker{st: st, loc: loc}
	data, present := m["data"]
	if !present || data == nil {
		w.missing("data")
		return st, errStatNoData
	}
	dm, ok := data.(map[string]any)
	if !ok {
		w.bad("data")
		return st, errStatNoData
	}
	w.realtime(w.section(dm, "realtime", "data"))
	w.offline(w.section(dm, "offline", "data"))
	if st.RealtimeTotal == nil && st.OfflineTotal == nil && st.RealtimeToday == nil &&
		st.OfflineToday == nil && st.CurrentHour == nil {
		return st, errStatNoData
	}
	return st, nil
}

type statWalker struct {
	st  *inboundStatistics
	loc *time.Location
	// rtDay/offDay hold the newest entry of each daily list until both
	// lists are read, so "today" can be the newest date across both.
	rtDay, offDay   map[string]any
	rtDate, offDate time.Time
}

func (w *statWalker) missing(path string) {
	w.st.Missing++
	if len(w.st.MissingPaths) < statMaxPaths {
		w.st.MissingPaths = append(w.st.MissingPaths, path)
	}
}

func (w *statWalker) bad(path string) {
	w.st.Bad++
	if len(w.st.BadPaths) < statMaxPaths {
		w.st.BadPaths = append(w.st.BadPaths, path)
	}
}

// section returns m[key] as an object; absent or null counts as missing,
// another type as bad.
func (w *statWalker) section(m map[string]any, key, path string) map[string]any {
	if m == nil {
		return nil
	}
	v, present := m[key]
	if !present || v == nil {
		w.missing(path + "." + key)
		return nil
	}
	o, ok := v.(map[string]any)
	if !ok {
		w.bad(path + "." + key)
		return nil
	}
	return o
}

// list returns m[key].data_list as an array of objects (non-objects are
// counted as bad and dropped).
func (w *statWalker) list(m map[string]any, key, path string) []map[string]any {
	s := w.section(m, key, path)
	if s == nil {
		return nil
	}
	v, present := s["data_list"]
	if !present || v == nil {
		w.missing(path + "." + key + ".data_list")
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		w.bad(path + "." + key + ".data_list")
		return nil
	}
	out := make([]map[string]any, 0, len(arr))
	for _, e := range arr {
		if o, ok := e.(map[string]any); ok {
			out = append(out, o)
		} else {
			w.bad(path + "." + key + ".data_list[]")
		}
	}
	return out
}

// statNumber reads an int, float or numeric string. present is false for
// null and ""; ok is false for anything unusable, including NaN, ±Inf and
// numbers in Go-only syntax ("0x1p4", "1_0").
func statNumber(v any) (f float64, ok, present bool) {
	var s string
	switch t := v.(type) {
	case nil:
		return 0, false, false
	case json.Number:
		s = string(t)
	case string:
		s = strings.TrimSpace(t)
		if s == "" {
			return 0, false, false
		}
	case float64: // not produced with UseNumber, kept for safety
		return t, !math.IsNaN(t) && !math.IsInf(t, 0), true
	default:
		return 0, false, true
	}
	// A decimal in JSON number syntax only: Go's hex, underscores, NaN
	// and infinities are not statistics.
	f, ok = jsonscan.ParseNumber([]byte(s))
	return f, ok, true
}

// num reads m[key] as a Value; a wrong type is counted and skipped.
func (w *statWalker) num(m map[string]any, key, path string) statValue {
	f, ok, present := statNumber(m[key])
	if !ok {
		if present {
			w.bad(path + "." + key)
		}
		return statValue{}
	}
	return statValue{V: f, OK: true}
}

// outOfRange counts a number the vendor cannot mean (a negative count, a
// ratio outside 0..1, a score outside 1..5): it is skipped, not exposed.
func (w *statWalker) outOfRange(path string) {
	w.st.OutOfRange++
	if len(w.st.OutOfRangePaths) < statMaxPaths {
		w.st.OutOfRangePaths = append(w.st.OutOfRangePaths, path)
	}
}

// inRange is num limited to lo..hi.
func (w *statWalker) inRange(m map[string]any, key, path string, lo, hi float64) statValue {
	v := w.num(m, key, path)
	if v.OK && (v.V < lo || v.V > hi) {
		w.outOfRange(path + "." + key)
		return statValue{}
	}
	return v
}

// count: calls, users, tickets, durations, talk rounds (never negative).
func (w *statWalker) count(m map[string]any, key, path string) statValue {
	return w.inRange(m, key, path, 0, math.Inf(1))
}

// ratio: every *_rate field is a fraction 0..1.
func (w *statWalker) ratio(m map[string]any, key, path string) statValue {
	return w.inRange(m, key, path, 0, 1)
}

// score: the average 1..5 rating. 0 means "no rating yet" on quiet days
// and is skipped without counting an error.
func (w *statWalker) score(m map[string]any, key, path string) statValue {
	v := w.num(m, key, path)
	if v.OK && v.V == 0 {
		return statValue{}
	}
	if v.OK && (v.V < 1 || v.V > 5) {
		w.outOfRange(path + "." + key)
		return statValue{}
	}
	return v
}

// dist reads an object of key → number, sorted by key; unusable values are
// counted and skipped, and so are negative ones (counted as out of range).
func (w *statWalker) dist(m map[string]any, key, path string) []statPair {
	v, present := m[key]
	if !present || v == nil {
		return nil
	}
	o, ok := v.(map[string]any)
	if !ok {
		w.bad(path + "." + key)
		return nil
	}
	out := make([]statPair, 0, len(o))
	for k, e := range o {
		f, ok, present := statNumber(e)
		if !ok {
			if present {
				w.bad(path + "." + key + "{}")
			}
			continue
		}
		if f < 0 {
			w.outOfRange(path + "." + key + "{}")
			continue
		}
		out = append(out, statPair{Key: k, Value: f})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func (w *statWalker) calls(m map[string]any, path string) statCalls {
	return statCalls{
		TotalCalls:             w.count(m, "total_calls", path),
		ValidCalls:             w.count(m, "valid_calls", path),
		AttemptedTransferCalls: w.count(m, "attempted_transfer_calls", path),
		TransferSuccessCalls:   w.count(m, "transfer_success_calls", path),
		AttemptedTransferRate:  w.ratio(m, "attempted_transfer_rate", path),
		TransferSuccessRate:    w.ratio(m, "transfer_success_rate", path),
		AgentReceptionRate:     w.ratio(m, "agent_reception_rate", path),
		AvgAgentDuration:       w.count(m, "avg_agent_duration", path),
		AvgRobotDuration:       w.count(m, "avg_robot_duration", path),
		AvgTotalDuration:       w.count(m, "avg_total_duration", path),
	}
}

// newest returns the entry with the latest key time (the last one on a
// tie); entries whose key is absent or unparsable are counted as bad.
func (w *statWalker) newest(list []map[string]any, key, path string, layouts ...string) (map[string]any, time.Time) {
	var best map[string]any
	var bestT time.Time
	for _, e := range list {
		s, _ := e[key].(string)
		t, ok := w.parseTime(s, layouts)
		if !ok {
			w.bad(path + "." + key)
			continue
		}
		if best == nil || !t.Before(bestT) {
			best, bestT = e, t
		}
	}
	return best, bestT
}

func (w *statWalker) parseTime(s string, layouts []string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, s, w.loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (w *statWalker) realtime(rt map[string]any) {
	if rt == nil {
		return
	}
	const p = "data.realtime"
	if t := w.section(rt, "total", p); t != nil {
		const tp = p + ".total"
		w.st.RealtimeTotal = &realtimeTotal{
			statCalls:               w.calls(t, tp),
			AverageRobotTalkRound:   w.count(t, "average_robot_talk_round", tp),
			AvgRobotScore:           w.score(t, "avg_robot_score", tp),
			OneCallProblemSolveRate: w.ratio(t, "one_call_problem_solve_rate", tp),
			RobotEvaluationRate:     w.ratio(t, "robot_evaluation_rate", tp),
			RobotSatisfiedRate:      w.ratio(t, "robot_satisfied_rate", tp),
			DuplicateCallRate:       w.ratio(t, "duplicate_call_rate", tp),
			CallUsers:               w.count(t, "call_users", tp),
			ValidUsers:              w.count(t, "valid_users", tp),
			NewUsers:                w.count(t, "new_users", tp),
			OldUsers:                w.count(t, "old_users", tp),
			Stories:                 w.dist(t, "story_distribution", tp),
			Intentions:              w.dist(t, "intention_distribution", tp),
		}
	}
	w.rtDay, w.rtDate = w.newest(w.list(rt, "daily", p), "date", p+".daily.data_list[]", statDateLayout, statTimeLayout)
	if h, start := w.newest(w.list(rt, "hourly", p), "time", p+".hourly.data_list[]", statTimeLayout, "2006-01-02 15:04"); h != nil {
		w.st.CurrentHour = &realtimeHour{Start: start, statCalls: w.calls(h, p+".hourly.data_list[]")}
	}
}

// offline also settles "today", since it is read after realtime.
func (w *statWalker) offline(off map[string]any) {
	const p = "data.offline"
	if off != nil {
		if t := w.section(off, "total", p); t != nil {
			const tp = p + ".total"
			w.st.OfflineTotal = &offlineTotal{
				TransferReasons:               w.dist(t, "transfer_reason_distribution", tp),
				FakeReceipts:                  w.count(t, "fake_receipts_count", tp),
				DeduplicatedFakeReceipts:      w.count(t, "deduplicated_fake_receipts_count", tp),
				DailyDeduplicatedFakeReceipts: w.count(t, "daily_deduplicated_fake_receipts_count", tp),
				Tickets:                       w.count(t, "ticket_count", tp),
			}
		}
		w.offDay, w.offDate = w.newest(w.list(off, "daily", p), "date", p+".daily.data_list[]", statDateLayout, statTimeLayout)
	}
	switch {
	case w.rtDay == nil && w.offDay == nil:
		return
	case w.rtDay == nil || (w.offDay != nil && w.offDate.After(w.rtDate)):
		w.st.Today = w.offDate
	default:
		w.st.Today = w.rtDate
	}
	if w.rtDay != nil && w.rtDate.Equal(w.st.Today) {
		w.st.RealtimeToday = w.realtimeDay(w.rtDay, "data.realtime.daily.data_list[]")
	}
	if w.offDay != nil && w.offDate.Equal(w.st.Today) {
		w.st.OfflineToday = w.offlineDay(w.offDay, p+".daily.data_list[]")
	}
}

func (w *statWalker) realtimeDay(d map[string]any, p string) *realtimeDay {
	day := &realtimeDay{
		statCalls: w.calls(d, p),
		Hangups:   w.dist(d, "hangup_type_distribution", p),
	}
	// satisfied_distribution mixes vote counts ("1".."5") with two rates.
	sat, ok := d["satisfied_distribution"].(map[string]any)
	if !ok {
		if v := d["satisfied_distribution"]; v != nil {
			w.bad(p + ".satisfied_distribution")
		}
		return day
	}
	const sp = ".satisfied_distribution"
	day.RobotEvaluationRate = w.ratio(sat, "robot_evaluation_rate", p+sp)
	day.RobotSatisfiedRate = w.ratio(sat, "robot_satisfied_rate", p+sp)
	for k, v := range sat {
		if _, err := strconv.Atoi(k); err != nil {
			continue // the rates above, or a key we do not know
		}
		f, ok, present := statNumber(v)
		if !ok {
			if present {
				w.bad(p + sp + "{}")
			}
			continue
		}
		if f < 0 {
			w.outOfRange(p + sp + "{}")
			continue
		}
		day.Votes = append(day.Votes, statPair{Key: k, Value: f})
	}
	sort.Slice(day.Votes, func(i, j int) bool { return day.Votes[i].Key < day.Votes[j].Key })
	return day
}

func (w *statWalker) offlineDay(d map[string]any, p string) *offlineDay {
	day := &offlineDay{
		MaxConcurrentCalls:      w.count(d, "max_concurrent_call_count", p),
		OneCallProblemSolveRate: w.ratio(d, "one_call_problem_solve_rate", p),
		Tickets:                 w.dist(d, "ticket_distribution", p),
	}
	if u := w.optSection(d, "user_distribution", p); u != nil {
		up := p + ".user_distribution"
		day.CallUsers = w.count(u, "call_users", up)
		day.ValidUsers = w.count(u, "valid_users", up)
		day.NewUsers = w.count(u, "new_users", up)
		day.OldUsers = w.count(u, "old_users", up)
	}
	if f := w.optSection(d, "fake_receipts_distribution", p); f != nil {
		fp := p + ".fake_receipts_distribution"
		day.FakeReceipts = w.count(f, "fake_receipts_count", fp)
		day.DailyDeduplicatedFakeReceipts = w.count(f, "daily_deduplicated_fake_receipts_count", fp)
	}
	return day
}

// optSection is section for objects inside an entry, whose absence is not
// counted (entries legitimately vary).
func (w *statWalker) optSection(m map[string]any, key, path string) map[string]any {
	v := m[key]
	if v == nil {
		return nil
	}
	o, ok := v.(map[string]any)
	if !ok {
		w.bad(path + "." + key)
	}
	return o
}
