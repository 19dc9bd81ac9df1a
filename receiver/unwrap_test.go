package receiver

import (
	"net/http"
	"strings"
	"testing"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
)

// wrapVendor is the acme test vendor whose bodies are wrapped: the header
// X-Wrap names a Refusal, or is "ok" for a body whose plaintext is acmeCall
// whatever was posted.
type wrapVendor struct {
	*testVendor
	unwraps  int
	accounts []string
}

func (v *wrapVendor) NewBody() Body { return &wrapBody{Body: v.testVendor.NewBody(), v: v} }

type wrapBody struct {
	Body
	v *wrapVendor
}

func (b *wrapBody) Unwrap(account string, h http.Header, data []byte) ([]byte, Refusal) {
	b.v.unwraps++
	b.v.accounts = append(b.v.accounts, account)
	if w := h.Get("X-Wrap"); w != "ok" {
		return nil, Refusal(w)
	}
	return []byte(acmeCall), ""
}

func TestReceiverUnwrap(t *testing.T) {
	v := &wrapVendor{testVendor: testVendors()[0].(*testVendor)}
	reg := prometheus.NewPedanticRegistry()
	r, err := New(config.Webhooks{AiRudderAccounts: map[string]config.Secret{"eu": ""}}, Options{Registerer: reg}, v)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	tr := &testReceiver{Receiver: r, reg: reg, h: r.Handler()}

	if rec := tr.post("/webhooks/"+srcAcme+"/eu", []byte("not json at all"), "X-Wrap", "ok"); rec.Code != http.StatusOK {
		t.Fatalf("unwrapped body: status %d %s", rec.Code, rec.Body)
	}
	if v.unwraps != 1 || v.accounts[0] != "eu" {
		t.Errorf("Unwrap calls %d, accounts %v; want once, for eu", v.unwraps, v.accounts)
	}
	if got := testkit.Value(t, reg, "airudder_exporter_webhook_records_total", "source", srcAcme, "outcome", recordCounted); got != 1 {
		t.Errorf("counted %v records of the plaintext, want 1", got)
	}
	for _, x := range refusals {
		rec := tr.post("/webhooks/"+srcAcme, []byte(acmeCall), "X-Wrap", string(x.r))
		if rec.Code != x.status || !strings.Contains(rec.Body.String(), x.msg) {
			t.Errorf("%s: answered %d %s, want %d", x.r, rec.Code, rec.Body, x.status)
		}
		if got := testkit.Value(t, reg, "airudder_exporter_webhook_requests_total", "source", srcAcme, "outcome", string(x.r)); got != 1 {
			t.Errorf("requests_total{outcome=%q} = %v, want 1", x.r, got)
		}
	}
	if rec := tr.post("/webhooks/"+srcAcme, []byte(acmeCall), "X-Wrap", "no such refusal"); rec.Code != http.StatusBadRequest {
		t.Errorf("an unknown refusal: status %d, want 400", rec.Code)
	}
	if got := testkit.Value(t, reg, "airudder_exporter_webhook_records_total", "source", srcAcme, "outcome", recordCounted); got != 1 {
		t.Errorf("refused bodies were counted: %v records", got)
	}
	if got := testkit.Value(t, reg, "airudder_exporter_webhook_requests_total", "source", srcAcme, "outcome", outcomeBadRequest); got != 1 {
		t.Errorf("requests_total{outcome=bad_request} = %v, want 1", got)
	}
}

// A vendor retrying encrypted bodies for an account without a key (or
// anyone posting them) warns once per source; every refusal is counted.
func TestReceiverUnwrapNoKeyWarnsOnce(t *testing.T) {
	v := &wrapVendor{testVendor: testVendors()[0].(*testVendor)}
	reg := prometheus.NewPedanticRegistry()
	logs := &testkit.LogBuffer{}
	r, err := New(config.Webhooks{}, Options{Registerer: reg, Logger: log.NewLogfmtLogger(logs)}, v)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	tr := &testReceiver{Receiver: r, reg: reg, h: r.Handler()}
	const n = 50
	for i := 0; i < n; i++ {
		if rec := tr.post("/webhooks/"+srcAcme, []byte(acmeCall), "X-Wrap", string(RefusedNoKey)); rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("post %d: status %d", i, rec.Code)
		}
	}
	if got := strings.Count(logs.String(), "level=warn msg=\"webhook body refused\" source=acme account=default"); got != 1 {
		t.Errorf("%d warnings for %d keyless bodies, want 1:\n%s", got, n, logs.String())
	}
	if got := testkit.Value(t, reg, "airudder_exporter_webhook_requests_total", "source", srcAcme, "outcome", string(RefusedNoKey)); got != n {
		t.Errorf("requests_total{outcome=encrypted_no_key} = %v, want %d", got, n)
	}
}
