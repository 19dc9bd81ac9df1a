package laaffic

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"airudder_exporter/collector"
	"airudder_exporter/config"
	"airudder_exporter/internal/jsonscan"
)

// The signed LAAFFIC REST API client shared by every endpoint (vendor README
// §2.3, §2.4): the same Api-Key, Timestamp and Sign headers on each request;
// both answer envelopes ({status, reason, ...} and {code, msg, data}) with
// the status as a string or a number; a path tried as documented and, on
// 404, once without (or with) its /v3 prefix, the one that answered being
// remembered; lists walked page by page up to apiMaxPages. Redirects to
// another scheme, host or port are refused: the key and signature would
// go along. Error texts never contain a body, the key or the secret.

// apiIdentity is what must stay equal across a reload for an account to
// keep its state (cache, remembered paths, label caps).
type apiIdentity struct{ name, baseURL, key, secret string }

func newAPIIdentity(a *config.LaafficAccount) apiIdentity {
	return apiIdentity{a.Name, a.BaseURL, string(a.APIKey), string(a.APISecret)}
}

// Non-zero LAAFFIC status codes and their `reason` label values.
var apiStatusReasons = map[string]string{
	"-1":  "auth",
	"-2":  "ip_not_allowed",
	"-31": "ip_not_allowed",
	"-13": "locked",
	"-16": "timestamp",
	"-18": "system",
	"-22": "parameter",
	"-29": "disabled",
	"-30": "disabled",
}

// Other `reason` label values of the API's error counters.
const (
	apiReasonOtherStatus = "api_other"
	apiReasonHTTPStatus  = "http_status"
	apiReasonNetwork     = "network"
	apiReasonRedirect    = "redirect"
	apiReasonTooLarge    = "too_large"
	// apiReasonTruncated: a list had more pages than apiMaxPages,
	// answered a page that did not follow the one before, or ended before
	// its total; what was read is served, the rest is counted as cut.
	apiReasonTruncated = "truncated"
	// apiReasonMissingData: a field a gauge is built from was absent or
	// null in some record; that gauge's series has no sample, the rest is
	// served.
	apiReasonMissingData = "missing_data"
)

// apiErrorReasons are every reason a request can fail with.
var apiErrorReasons = []string{"auth", "ip_not_allowed", "locked", "timestamp", "system", "parameter", "disabled",
	apiReasonOtherStatus, apiReasonHTTPStatus, collector.ReasonTimeout, apiReasonNetwork, apiReasonRedirect, apiReasonTooLarge, collector.ReasonDecode}

// apiOutcomeReasons maps a failed request's outcome to its reason.
var apiOutcomeReasons = map[string]string{
	collector.OutcomeUnauthorized:    apiReasonHTTPStatus,
	collector.OutcomeTimeout:         collector.ReasonTimeout,
	collector.OutcomeNetworkError:    apiReasonNetwork,
	collector.OutcomeHTTPError:       apiReasonHTTPStatus,
	collector.OutcomeBadResponse:     collector.ReasonDecode,
	collector.OutcomeRedirectRefused: apiReasonRedirect,
	collector.OutcomeTooLarge:        apiReasonTooLarge,
}

// apiPath is one endpoint: its documented path and the other form tried
// once when that answers 404 ("" = none).
type apiPath struct {
	what              string // names the request in error texts
	method            string
	documented, other string
}

// apiClient sends one account's signed requests and remembers, per path,
// which form answered.
type apiClient struct {
	acc *collector.Account
	id  apiIdentity

	mu       sync.Mutex
	answered map[*apiPath]string
}

func newAPIClient(acc *collector.Account, id apiIdentity) *apiClient {
	return &apiClient{acc: acc, id: id, answered: map[*apiPath]string{}}
}

// send sends one signed request to path.
func (c *apiClient) send(ctx context.Context, p *apiPath, path string, body []byte, now time.Time) ([]byte, *collector.RequestError) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, p.method, c.id.baseURL+path, rd)
	if err != nil {
		return nil, &collector.RequestError{Outcome: collector.OutcomeNetworkError, Msg: p.what + ": cannot build request"}
	}
	ts := now.Unix()
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("Api-Key", c.id.key)
	req.Header.Set("Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("Sign", apiSign(c.id.key, c.id.secret, ts))
	// The exporter names itself the same to both vendors' APIs.
	req.Header.Set("User-Agent", "Airudder")
	return c.acc.Do(req, p.what)
}

// request sends body to p (the form that answered last, then once the
// other on 404) and returns the answer after its status was checked.
func (c *apiClient) request(ctx context.Context, p *apiPath, body []byte, now time.Time) ([]byte, *collector.FetchError) {
	c.mu.Lock()
	first, second := c.answered[p], p.other
	c.mu.Unlock()
	if first == "" {
		first = p.documented
	}
	if first == p.other {
		second = p.documented
	}
	b, rerr := c.send(ctx, p, first, body, now)
	if rerr != nil && rerr.Status == http.StatusNotFound && second != "" {
		first = second
		b, rerr = c.send(ctx, p, first, body, now)
	}
	if rerr != nil {
		reason := apiOutcomeReasons[rerr.Outcome]
		if reason == "" {
			reason = collector.ReasonDecode
		}
		return nil, &collector.FetchError{Reason: reason, Msg: rerr.Msg}
	}
	c.mu.Lock()
	c.answered[p] = first
	c.mu.Unlock()
	if ferr := apiCheckStatus(b, p.what); ferr != nil {
		return nil, ferr
	}
	return b, nil
}

// apiCheckStatus checks the envelope's status (or code): "0" or 0 is
// success, anything else an error with its bounded reason.
func apiCheckStatus(b []byte, what string) *collector.FetchError {
	var env struct {
		Status json.RawMessage `json:"status"`
		Code   json.RawMessage `json:"code"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return &collector.FetchError{Reason: collector.ReasonDecode, Msg: what + ": answer is not a LAAFFIC envelope"}
	}
	// A null status says no more than an absent one (the API sends null
	// for fields it has no value for): the code decides then. RawMessage
	// keeps a null as the text "null", so absent alone is not enough.
	raw := env.Status
	if apiNull(raw) {
		raw = env.Code
	}
	status, ok := apiCode(raw)
	if !ok {
		return &collector.FetchError{Reason: collector.ReasonDecode, Msg: what + ": bad status"}
	}
	if status == "0" {
		return nil
	}
	reason, ok := apiStatusReasons[status]
	if !ok {
		reason = apiReasonOtherStatus
	}
	// A documented status is a short negative number: only such a code is
	// quoted. Anything else in its place is the upstream's text (it may be
	// a phone number or a password), never logged, nor is the body.
	if !apiShortCode(status) {
		return &collector.FetchError{Reason: reason, Msg: what + ": LAAFFIC status is not a short number"}
	}
	return &collector.FetchError{Reason: reason, Msg: what + ": LAAFFIC status " + strconv.Quote(status)}
}

// apiNull reports whether a raw field is absent or JSON null.
func apiNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// apiShortCode reports whether status is an integer of at most three
// digits, the form of every documented status.
func apiShortCode(status string) bool {
	digits := strings.TrimPrefix(status, "-")
	if len(digits) == 0 || len(digits) > 3 {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}

// apiCode reads a status or code sent as a string or a number.
func apiCode(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	}
	if _, err := strconv.ParseInt(string(raw), 10, 64); err != nil {
		return "", false
	}
	return string(raw), true
}

// apiInt is an integer sent as a number or a numeric string; null, "" and
// absent leave it unset.
type apiInt struct {
	V   int64
	Set bool
}

func (n *apiInt) UnmarshalJSON(b []byte) error {
	f, set, err := apiNumber(b)
	if err != nil || !set {
		return err
	}
	if f != float64(int64(f)) {
		return errAPINumber
	}
	n.V, n.Set = int64(f), true
	return nil
}

// apiNumber reads a number sent as a number or a numeric string; set is
// false for null and "".
func apiNumber(b []byte) (f float64, set bool, err error) {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return 0, false, nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, false, err
		}
		if s == "" {
			return 0, false, nil
		}
		b = []byte(s)
	}
	f, ok := jsonscan.ParseNumber(b)
	if !ok {
		return 0, false, errAPINumber
	}
	return f, true, nil
}

// apiMaxCount bounds every count the pollers read: seats, agents' calls,
// tasks' numbers, a list's total. An account has thousands of agents or
// numbers and a task at most millions of numbers, so a billion is far
// above any real count, while a difference of two such counts cannot
// overflow and a sum of apiMaxFetchRecords of them (2e13) stays an exact
// float64.
const apiMaxCount = 1_000_000_000

// apiCount is a count sent like an apiInt. One outside 0..apiMaxCount
// (-2^63, 1e19) is no count the API can mean: it is left unset and marked
// Out, so it never reaches a sum or a difference, and the fetch tells it
// from an absent one (out_of_range, not missing_data) rather than failing
// the whole answer as decode. A value that is not an integer is still an
// unreadable answer.
type apiCount struct {
	V        int64
	Set, Out bool
}

func (n *apiCount) UnmarshalJSON(b []byte) error {
	f, set, err := apiNumber(b)
	if err != nil || !set {
		return err
	}
	if f != math.Trunc(f) {
		return errAPINumber
	}
	// Compared as a float: converting one beyond int64 is not defined.
	if f < 0 || f > apiMaxCount {
		n.Out = true
		return nil
	}
	n.V, n.Set = int64(f), true
	return nil
}

// apiBool is a Boolean sent as true/false, "true"/"false" or 1/0; null and
// absent leave it unset.
type apiBool struct {
	V, Set bool
}

func (v *apiBool) UnmarshalJSON(b []byte) error {
	switch string(bytes.Trim(bytes.TrimSpace(b), `"`)) {
	case "true", "1":
		v.V, v.Set = true, true
	case "false", "0":
		v.V, v.Set = false, true
	case "null", "":
	default:
		return errAPINumber
	}
	return nil
}

var errAPINumber = &json.UnsupportedValueError{Str: "not a LAAFFIC number or Boolean"}

// Lists are asked for apiPageSize records a page (the most the API
// allows), at most apiMaxPages pages (10 000 records); what lies beyond is
// counted as cut, not read.
const (
	apiPageSize = 100
	apiMaxPages = 100
)

// What one fetch of an operations endpoint may read, over all its lists
// and pages together. An account's SIP trunks, agents, numbers or tasks
// number in the thousands at most, and a page of 100 records is tens of
// KiB; without these bounds a hostile answer could fill each of its 100
// pages with an answer's worth of empty records, every one decoded and
// kept (a 1 MiB page of `{}` is 350 000 records). A fetch over either
// bound fails as too_large.
const (
	apiMaxFetchRecords = 20_000
	apiMaxFetchBytes   = 16 << 20
)

// apiBudget is what is left of one fetch's bounds.
type apiBudget struct {
	records, bytes int64
}

func newAPIBudget() *apiBudget {
	return &apiBudget{records: apiMaxFetchRecords, bytes: apiMaxFetchBytes}
}

// apiListed is what a list walk read: its records and how many it cut.
type apiListed[T any] struct {
	records []T
	// cut is the records the walk left unread: beyond apiMaxPages, after
	// a page out of sequence (at least 1 when the API sent no total), or
	// those the list's total counts but its pages did not hold.
	cut int64
	// totalOut: some page's total was out of range (see apiCount).
	totalOut bool
}

// apiList walks every page of a list endpoint with params, decoding each
// record into T (a type without the fields that must never be kept),
// within what is left of budget.
func apiList[T any](ctx context.Context, c *apiClient, p *apiPath, params map[string]any, now time.Time, budget *apiBudget) (apiListed[T], *collector.FetchError) {
	var out apiListed[T]
	// prev is the page number the previous answer gave (data.current).
	var prev apiInt
	for current := 1; ; current++ {
		body, err := json.Marshal(map[string]any{"current": current, "size": apiPageSize, "params": params})
		if err != nil {
			return out, &collector.FetchError{Reason: collector.ReasonDecode, Msg: p.what + ": cannot build request"}
		}
		b, ferr := c.request(ctx, p, body, now)
		if ferr != nil {
			return out, ferr
		}
		if budget.bytes -= int64(len(b)); budget.bytes < 0 {
			return out, &collector.FetchError{Reason: apiReasonTooLarge,
				Msg: p.what + ": the fetch's pages are larger than " + strconv.Itoa(apiMaxFetchBytes>>20) + " MiB together"}
		}
		// A total outside 0..apiMaxCount is left unset: what the list
		// lacks is then counted as if no total had been sent, never as a
		// difference with -2^63.
		var page struct {
			Data *struct {
				Total   apiCount        `json:"total"`
				Pages   apiInt          `json:"pages"`
				Current apiInt          `json:"current"`
				Records json.RawMessage `json:"records"`
			} `json:"data"`
		}
		if err := json.Unmarshal(b, &page); err != nil || page.Data == nil {
			return out, &collector.FetchError{Reason: collector.ReasonDecode, Msg: p.what + ": answer is not a LAAFFIC list page"}
		}
		out.totalOut = out.totalOut || page.Data.Total.Out
		// An API that ignores the page asked for answers its first page
		// again and again: counting it once per page would multiply every
		// record. A page whose number does not follow the previous one's
		// (whatever the API counts from) ends the walk unread, and the
		// rest is counted as cut.
		if cur := page.Data.Current; prev.Set && cur.Set && cur.V != prev.V+1 {
			out.cut = max(page.Data.Total.V-int64(len(out.records)), 1)
			return out, nil
		}
		prev = page.Data.Current
		n := len(out.records)
		if out.records, ferr = apiRecords(page.Data.Records, out.records, p, budget); ferr != nil {
			return out, ferr
		}
		pages := page.Data.Pages.V
		if !page.Data.Pages.Set && page.Data.Total.Set {
			pages = (page.Data.Total.V + apiPageSize - 1) / apiPageSize
		}
		if int64(current) >= pages || len(out.records) == n {
			// A list that ends before the total it announces (an empty
			// page, fewer pages than the total needs, records null) is
			// not complete: what it lacks is counted as cut rather than
			// served as if it were not there.
			if total := page.Data.Total; total.Set && total.V > int64(len(out.records)) {
				out.cut = total.V - int64(len(out.records))
			}
			return out, nil
		}
		if current == apiMaxPages {
			out.cut = max(page.Data.Total.V-int64(len(out.records)), 1)
			return out, nil
		}
	}
}

// apiRecords appends the records of one page (a JSON array, or null) to
// out one by one, so a page holding more than budget's records fails
// before they are all decoded.
func apiRecords[T any](raw json.RawMessage, out []T, p *apiPath, budget *apiBudget) ([]T, *collector.FetchError) {
	bad := &collector.FetchError{Reason: collector.ReasonDecode, Msg: p.what + ": answer is not a LAAFFIC list page"}
	if apiNull(raw) {
		return out, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return out, bad
	}
	for dec.More() {
		if budget.records--; budget.records < 0 {
			return out, &collector.FetchError{Reason: apiReasonTooLarge,
				Msg: p.what + ": more than " + strconv.Itoa(apiMaxFetchRecords) + " records in one fetch"}
		}
		var r T
		if err := dec.Decode(&r); err != nil {
			return out, bad
		}
		out = append(out, r)
	}
	return out, nil
}
