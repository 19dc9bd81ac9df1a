package laaffic

import (
	"math"
	"testing"

	"airudder_exporter/laaffic/laaffictest"
)

// The documented test vector (vendor README §2.3).
func TestAPISignTestVector(t *testing.T) {
	const want = "05d7a50893e22a5c4bb3216ae3396c7c"
	if got := apiSign("bDqJFiq9", "7bz1lzh9", 1630468800); got != want {
		t.Errorf("sign = %s, want %s", got, want)
	}
	if got := laaffictest.Sign("bDqJFiq9", "7bz1lzh9", "1630468800"); got != want {
		t.Errorf("fake's sign = %s, want %s", got, want)
	}
}

func TestDecodeBalance(t *testing.T) {
	// nan: the amount was absent or null, so it has no value.
	nan := math.NaN()
	for _, tc := range []struct {
		body                  string
		balance, gift, credit float64
		reason                string
	}{
		{`{"status":"0","reason":"success","balance":"99.990000","gift":"50.00000","credit":"0"}`, 99.99, 50, 0, ""},
		{`{"status":0,"balance":"1.5","gift":"0","credit":"-20.25"}`, 1.5, 0, -20.25, ""},
		{`{"status":"0","balance":12}`, 12, nan, nan, ""},
		{`{"code":"0","balance":"5"}`, 5, nan, nan, ""},
		{`{"status":"0","balance":"5","gift":null,"credit":"2"}`, 5, nan, 2, ""},
		{`{"status":"0","balance":"5","gift":"1","credit":null}`, 5, 1, nan, ""},
		{`{"status":"-1","reason":"auth"}`, 0, 0, 0, "auth"},
		{`{"status":-2}`, 0, 0, 0, "ip_not_allowed"},
		{`{"status":"-13"}`, 0, 0, 0, "locked"},
		{`{"status":-16}`, 0, 0, 0, "timestamp"},
		{`{"status":"-18"}`, 0, 0, 0, "system"},
		{`{"status":"-99"}`, 0, 0, 0, "api_other"},
		{`{"status":"0","balance":"1e3"}`, 0, 0, 0, "decode"},
		{`{"status":"0","balance":"NaN"}`, 0, 0, 0, "decode"},
		{`{"status":"0","balance":"0x10"}`, 0, 0, 0, "decode"},
		{`{"status":"0","balance":"0x1p4"}`, 0, 0, 0, "decode"},
		{`{"status":"0","balance":"1_0"}`, 0, 0, 0, "decode"},
		{`{"status":"0","balance":"Inf"}`, 0, 0, 0, "decode"},
		{`{"status":"0","balance":"5","credit":"+1"}`, 0, 0, 0, "decode"},
		{`{"status":"0","balance":" 5"}`, 0, 0, 0, "decode"},
		{`{"status":"0","balance":"5.","gift":"1"}`, 0, 0, 0, "decode"},
		{`{"status":"0","balance":"5","gift":"one"}`, 0, 0, 0, "decode"},
		{`{"status":"0","balance":"5","gift":""}`, 0, 0, 0, "decode"},
		{`{"status":"0"}`, 0, 0, 0, "decode"},
		{`{"status":"0","balance":null}`, 0, 0, 0, "decode"},
		{`{"balance":"5"}`, 0, 0, 0, "decode"},
		{`<html>`, 0, 0, 0, "decode"},
	} {
		b, ferr := decodeBalance([]byte(tc.body))
		same := func(got apiAmount, want float64) bool {
			return got.Set == !math.IsNaN(want) && (!got.Set || got.V == want)
		}
		switch {
		case tc.reason != "" && (ferr == nil || ferr.Reason != tc.reason):
			t.Errorf("%s: err %+v, want reason %s", tc.body, ferr, tc.reason)
		case tc.reason == "" && ferr != nil:
			t.Errorf("%s: %+v", tc.body, ferr)
		case tc.reason == "" && (b.Balance != tc.balance || !same(b.Gift, tc.gift) || !same(b.Credit, tc.credit)):
			t.Errorf("%s: %+v", tc.body, b)
		}
	}
}
