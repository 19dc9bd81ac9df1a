package laaffic

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"airudder_exporter/collector"
)

// The balance endpoint: GET <base_url>/v3/getBalance, signed like every
// LAAFFIC request (api_request.go; Sign = lowercase hex md5(api_key +
// api_secret + timestamp), vendor README §2.3).

var apiBalancePath = &apiPath{what: "balance", method: http.MethodGet, documented: "/v3/getBalance"}

// apiSign is the documented signature.
func apiSign(key, secret string, ts int64) string {
	sum := md5.Sum([]byte(key + secret + strconv.FormatInt(ts, 10)))
	return hex.EncodeToString(sum[:])
}

// apiBalance is one decoded balance answer, in the account's currency
// (the API names none). Gift and credit may be absent or null.
type apiBalance struct {
	Balance      float64
	Gift, Credit apiAmount
}

// apiAmount is an amount that may be absent.
type apiAmount struct {
	V   float64
	Set bool
}

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

// decodeBalance decodes a getBalance answer. A non-zero status is a
// *collector.FetchError with its bounded reason; anything unreadable,
// and a balance that is absent or null, is a decode error. A gift or
// credit that is absent or null is left unset: it is not 0.
func decodeBalance(b []byte) (*apiBalance, *collector.FetchError) {
	if ferr := apiCheckStatus(b, "balance"); ferr != nil {
		return nil, ferr
	}
	var raw struct {
		Balance json.RawMessage `json:"balance"`
		Gift    json.RawMessage `json:"gift"`
		Credit  json.RawMessage `json:"credit"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, &collector.FetchError{Reason: collector.ReasonDecode, Msg: "balance: answer is not a LAAFFIC balance"}
	}
	out := apiBalance{Gift: apiAmount{Set: true}, Credit: apiAmount{Set: true}}
	for _, f := range []struct {
		raw json.RawMessage
		v   *float64
		set *bool // nil: required
	}{{raw.Balance, &out.Balance, nil}, {raw.Gift, &out.Gift.V, &out.Gift.Set}, {raw.Credit, &out.Credit.V, &out.Credit.Set}} {
		if f.set != nil && apiNull(f.raw) {
			*f.set = false
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
func requestBalance(ctx context.Context, c *apiClient, now time.Time) (*apiBalance, *collector.FetchError) {
	b, ferr := c.request(ctx, apiBalancePath, nil, now)
	if ferr != nil {
		return nil, ferr
	}
	return decodeBalance(b)
}
