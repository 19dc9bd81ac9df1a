package collector

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
)

// The LAAFFIC REST API client: GET <base_url>/v3/getBalance, signed with
// Api-Key, Timestamp (unix seconds) and Sign = lowercase hex
// md5(api_key + api_secret + timestamp) (vendor README §2.3). Error texts
// never contain a body, the key or the secret.

const laafficBalancePath = "/v3/getBalance"

// laafficSign is the documented signature.
func laafficSign(key, secret string, ts int64) string {
	sum := md5.Sum([]byte(key + secret + strconv.FormatInt(ts, 10)))
	return hex.EncodeToString(sum[:])
}

// LaafficBalance is one decoded balance answer, in the account's currency
// (the API names none).
type LaafficBalance struct {
	Balance, Gift, Credit float64
}

// Non-zero LAAFFIC status codes and their `reason` label values.
var laafficStatusReasons = map[string]string{
	"-1":  "auth",
	"-2":  "ip_not_allowed",
	"-13": "locked",
	"-16": "timestamp",
	"-18": "system",
}

const laafficReasonOtherStatus = "api_other"

// decimalRE is a plain decimal: no exponent, hex, NaN, Inf, spaces or sign
// other than a leading minus (the credit or balance may be negative).
var decimalRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// strictDecimal reads a JSON string (or number) holding a plain decimal.
func strictDecimal(raw json.RawMessage) (float64, bool) {
	raw = bytes.TrimSpace(raw)
	var s string
	if len(raw) > 0 && raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
	} else {
		s = string(raw)
	}
	if !decimalRE.MatchString(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

var errLaafficDecode = errors.New("answer is not a LAAFFIC balance")

// DecodeLaafficBalance decodes a getBalance answer. A non-zero status is a
// *fetchError with its bounded reason; anything unreadable is a decode
// error. status may come as a string or a number.
func DecodeLaafficBalance(b []byte) (*LaafficBalance, *fetchError) {
	var raw struct {
		Status  json.RawMessage `json:"status"`
		Balance json.RawMessage `json:"balance"`
		Gift    json.RawMessage `json:"gift"`
		Credit  json.RawMessage `json:"credit"`
	}
	if err := json.Unmarshal(b, &raw); err != nil || raw.Status == nil {
		return nil, &fetchError{reason: reasonDecode, msg: "balance: " + errLaafficDecode.Error()}
	}
	var status string
	if raw.Status[0] == '"' {
		if json.Unmarshal(raw.Status, &status) != nil {
			return nil, &fetchError{reason: reasonDecode, msg: "balance: bad status"}
		}
	} else {
		status = string(raw.Status)
	}
	if status != "0" {
		reason, ok := laafficStatusReasons[status]
		if !ok {
			reason = laafficReasonOtherStatus
		}
		// The status is a short code; quote it capped, never the body.
		if len(status) > 8 {
			status = status[:8]
		}
		return nil, &fetchError{reason: reason, msg: "balance: LAAFFIC status " + strconv.Quote(status)}
	}
	var out LaafficBalance
	for _, f := range []struct {
		raw json.RawMessage
		v   *float64
		opt bool
	}{{raw.Balance, &out.Balance, false}, {raw.Gift, &out.Gift, true}, {raw.Credit, &out.Credit, true}} {
		if f.raw == nil && f.opt {
			continue
		}
		v, ok := strictDecimal(f.raw)
		if !ok {
			return nil, &fetchError{reason: reasonDecode, msg: "balance: amount is not a decimal"}
		}
		*f.v = v
	}
	return &out, nil
}

// requestLaafficBalance sends one signed balance request.
func requestLaafficBalance(ctx context.Context, hc *http.Client, baseURL, key, secret string, now time.Time) (*LaafficBalance, *fetchError) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+laafficBalancePath, nil)
	if err != nil {
		return nil, &fetchError{reason: reasonNetwork, msg: "balance: cannot build request"}
	}
	ts := now.Unix()
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("Api-Key", key)
	req.Header.Set("Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("Sign", laafficSign(key, secret, ts))
	b, rerr := do(hc, req, "balance")
	if rerr != nil {
		reason := map[string]string{
			outcomeUnauthorized: reasonHTTPStatus,
			outcomeTimeout:      reasonTimeout,
			outcomeNetworkError: reasonNetwork,
			outcomeHTTPError:    reasonHTTPStatus,
			outcomeBadResponse:  reasonDecode,
		}[rerr.outcome]
		if reason == "" {
			reason = reasonDecode
		}
		return nil, &fetchError{reason: reason, msg: rerr.msg}
	}
	return DecodeLaafficBalance(b)
}
