package laaffic

import "testing"

// A null status is no status: the envelope's code decides, as when status
// is absent. Only when neither carries a value is the answer unreadable.
func TestAPICheckStatusTakesNullStatusAsAbsent(t *testing.T) {
	for _, tc := range []struct {
		body, reason string // reason "" = success
	}{
		{`{"status":null,"code":"0","data":{}}`, ""},
		{`{"status":null,"code":0}`, ""},
		{`{"status": null ,"code":"-1"}`, "auth"},
		{`{"code":-22,"status":null}`, "parameter"},
		{`{"status":"0","code":null}`, ""},
		{`{"status":-2,"code":null}`, "ip_not_allowed"},
		{`{"status":null}`, "decode"},
		{`{"status":null,"code":null}`, "decode"},
		{`{"code":null}`, "decode"},
	} {
		ferr := apiCheckStatus([]byte(tc.body), "test")
		switch {
		case tc.reason == "" && ferr != nil:
			t.Errorf("%s: %+v, want success", tc.body, ferr)
		case tc.reason != "" && (ferr == nil || ferr.Reason != tc.reason):
			t.Errorf("%s: %+v, want reason %s", tc.body, ferr, tc.reason)
		}
	}
	if _, ferr := decodeBalance([]byte(`{"status":null,"code":"0","balance":"5"}`)); ferr != nil {
		t.Errorf("balance with a null status and code 0: %+v", ferr)
	}
}
