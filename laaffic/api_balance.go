package laaffic

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"airudder_exporter/collector"
)

// The LAAFFIC REST API client: GET <base_url>/v3/getBalance, signed with
// Api-Key, Timestamp (unix seconds) and Sign = lowercase hex
// md5(api_key + api_secret + timestamp) (vendor README §2.3). Error texts
// never contain a body, the key or the secret.

const apiBalancePath = "/v3/getBalance"

// apiSign is the documented signature.
func apiSign(key, secret string, ts int64) string {
	sum := md5.Sum([]byte(key + secret + strconv.FormatInt(ts, 10)))
	return hex.EncodeToString(sum[:])
}

// apiBalance is one decoded balance answer, in the account's currency
// (the API names none).
type apiBalance struct {
	Balance, Gift, Credit float64
}

// Non-zero LAAFFIC status codes and their `reason` label values.
var balanceStatusReasons = map[string]string{
	"-1":  "auth",
	"-2":  "ip_not_allowed",
	"-13": "locked",
	"-16": "timestamp",
	"-18": "system",
}

// Other `reason` label values of laaffic_scrape_errors_total.
const (
	balanceReasonOtherStatus = "api_other"
	balanceReasonHTTPStatus  = "http_status"
	balanceReasonNetwork     = "network"
)

// balanceDecimalRE is a plain decimal: no exponent, hex, NaN, Inf, spaces or sign
// other than a leading minus (the credit or balance may be negative).
var balanceDecimalRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// balanceDecimal reads a JSON string (or number) holding a plain decimal.
func balanceDecimal(raw json.RawMessage) (float64, bool) {
	raw = bytes.TrimSpace(raw)
	var s string
	if len(raw) > 0 && raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
	} else {
		s = string(raw)
	}
	if !balanceDecimalRE.MatchString(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

var errBalanceDecode = errors.New("answer is not a LAAFFIC balance")

// decodeBalance decodes a getBalance answer. A non-zero status is a
// *collector.FetchError with its bounded reason; anything unreadable is a decode
// error. status may come as a string or a number.
func decodeBalance(b []byte) (*apiBalance, *collector.FetchError) {
	var raw struct {
		Status  json.RawMessage `json:"status"`
		Balance json.RawMessage `json:"balance"`
		Gift    json.RawMessage `json:"gift"`
		Credit  json.RawMessage `json:"credit"`
	}
	if err := json.Unmarshal(b, &raw); err != nil || raw.Status == nil {
		return nil, &collector.FetchError{Reason: collector.ReasonDecode, Msg: "balance: " + errBalanceDecode.Error()}
	}
	var status string
	if raw.Status[0] == '"' {
		if json.Unmarshal(raw.Status, &status) != nil {
			return nil, &collector.FetchError{Reason: collector.ReasonDecode, Msg: "balance: bad status"}
		}
	} else {
		status = string(raw.Status)
	}
	if status != "0" {
		reason, ok := balanceStatusReasons[status]
		if !ok {
			reason = balanceReasonOtherStatus
		}
		// The status is a short code; quote it capped, never the body.
		if len(status) > 8 {
			status = status[:8]
		}
		return nil, &collector.FetchError{Reason: reason, Msg: "balance: LAAFFIC status " + strconv.Quote(status)}
	}
	var out apiBalance
	for _, f := range []struct {
		raw json.RawMessage
		v   *float64
		opt bool
	}{{raw.Balance, &out.Balance, false}, {raw.Gift, &out.Gift, true}, {raw.Credit, &out.Credit, true}} {
		if f.raw == nil && f.opt {
			continue
		}
		v, ok := balanceDecimal(f.raw)
		if !ok {
			return nil, &collector.FetchError{Reason: collector.ReasonDecode, Msg: "balance: amount is not a decimal"}
		}
		*f.v = v
	}
	return &out, nil
}

// requestBalance sends one signed balance request.
func requestBalance(ctx context.Context, hc *http.Client, baseURL, key, secret string, now time.Time) (*apiBalance, *collector.FetchError) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+apiBalancePath, nil)
	if err != nil {
		return nil, &collector.FetchError{Reason: balanceReasonNetwork, Msg: "balance: cannot build request"}
	}
	ts := now.Unix()
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("Api-Key", key)
	req.Header.Set("Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("Sign", apiSign(key, secret, ts))
	// The exporter names itself the same to both vendors' APIs.
	req.Header.Set("User-Agent", "Airudder")
	b, rerr := collector.Do(hc, req, "balance")
	if rerr != nil {
		reason := map[string]string{
			collector.OutcomeUnauthorized: balanceReasonHTTPStatus,
			collector.OutcomeTimeout:      collector.ReasonTimeout,
			collector.OutcomeNetworkError: balanceReasonNetwork,
			collector.OutcomeHTTPError:    balanceReasonHTTPStatus,
			collector.OutcomeBadResponse:  collector.ReasonDecode,
		}[rerr.Outcome]
		if reason == "" {
			reason = collector.ReasonDecode
		}
		return nil, &collector.FetchError{Reason: reason, Msg: rerr.Msg}
	}
	return decodeBalance(b)
}
