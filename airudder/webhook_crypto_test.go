package airudder

import (
	"airudder_exporter/internal/testkit"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"airudder_exporter/config"
	"airudder_exporter/internal/webhookgolden"
	"airudder_exporter/receiver"
)

// The docs' test key and test vector (vendor README §1.4).
const (
	webhookTestKey        = "airudderredduria"
	webhookTestCiphertext = "B+Hc0Xlv7dteDm8U9boi+w=="
	webhookTestPlain      = `{"a":1}`
	webhookTestSigned     = "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"
)

// encryptWebhookBody is sealWebhookBody for tests.
func encryptWebhookBody(t testing.TB, key, plain string) (body, signed string) {
	t.Helper()
	body, signed, err := sealWebhookBody(key, []byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	return body, signed
}

func testWebhookBlock(t testing.TB, key string) *webhookKeyring {
	t.Helper()
	var k webhookKeyring
	k.apply(map[string]config.Secret{"acct": config.Secret(key)})
	if k.block("acct") == nil {
		t.Fatalf("no cipher for a %d-byte key", len(key))
	}
	return &k
}

func TestDecryptWebhookBodyTestVector(t *testing.T) {
	block := testWebhookBlock(t, webhookTestKey).block("acct")
	for _, signed := range []string{webhookTestSigned, strings.ToUpper(webhookTestSigned), ""} {
		got, ref := decryptWebhookBody(nil, block, []byte(webhookTestCiphertext), signed)
		if ref != "" || string(got) != webhookTestPlain {
			t.Errorf("Signed %q: got %q, refusal %q; want %s", signed, got, ref, webhookTestPlain)
		}
	}
	if body, signed := encryptWebhookBody(t, webhookTestKey, webhookTestPlain); body != webhookTestCiphertext || signed != webhookTestSigned {
		t.Errorf("the test encryption gives %s / %s, not the docs' vector", body, signed)
	}
}

// TestDecryptWebhookBodyWrappers: the ciphertext raw, as a JSON string
// (with JSON escapes) or as the one string member of a JSON object.
func TestDecryptWebhookBodyWrappers(t *testing.T) {
	block := testWebhookBlock(t, webhookTestKey).block("acct")
	for _, body := range []string{
		webhookTestCiphertext,
		" " + webhookTestCiphertext + "\r\n",
		strings.TrimRight(webhookTestCiphertext, "="), // unpadded base64
		`"` + webhookTestCiphertext + `"`,
		`"B+Hc0Xlv7dteDm8U9boi+w\u003d\u003d"`,
		`{"data":"` + webhookTestCiphertext + `"}`,
		`{"encrypt_data": "B+Hc0Xlv7dteDm8U9boi+w=="}`,
	} {
		got, ref := decryptWebhookBody([]byte("keep"), block, []byte(body), webhookTestSigned)
		if ref != "" || string(got) != "keep"+webhookTestPlain {
			t.Errorf("body %q: got %q, refusal %q", body, got, ref)
		}
	}
}

func TestDecryptWebhookBodyRefusals(t *testing.T) {
	block := testWebhookBlock(t, webhookTestKey).block("acct")
	other := testWebhookBlock(t, "0123456789abcdef0123456789abcdef").block("acct")
	call := `{"task_id":"t","details":[{"call_id":"c1","result":"finished"}]}`
	body, signed := encryptWebhookBody(t, webhookTestKey, call)
	raw, _ := base64.StdEncoding.DecodeString(body)
	raw[len(raw)-20] ^= 1 // a bit of the second-to-last block
	tampered := base64.StdEncoding.EncodeToString(raw)
	_, otherSigned := encryptWebhookBody(t, webhookTestKey, `{"a":2}`)
	// Valid JSON nested deeper than encoding/json reads (10 000 levels),
	// which the decoder skips all the same: no sign of a wrong key.
	deep, _ := encryptWebhookBody(t, webhookTestKey, `{"details":[{"call_id":"c1","variables":`+
		strings.Repeat("[", 20000)+strings.Repeat("]", 20000)+`}]}`)
	for _, tc := range []struct {
		name, body, signed string
		block              any
		want               receiver.Refusal
	}{
		{"not base64", "not*base64!", "", nil, receiver.RefusedBadBase64},
		{"empty", "", "", nil, receiver.RefusedBadBase64},
		{"object of two members", `{"a":"x","b":"y"}`, "", nil, receiver.RefusedBadBase64},
		{"object of a number", `{"a":1}`, "", nil, receiver.RefusedBadBase64},
		{"bad JSON string", `"abc`, "", nil, receiver.RefusedBadBase64},
		{"empty ciphertext", `""`, "", nil, receiver.RefusedBadLength},
		{"not whole blocks", base64.StdEncoding.EncodeToString(make([]byte, 17)), "", nil, receiver.RefusedBadLength},
		{"wrong key", body, "", other, receiver.RefusedWrongKey},
		{"wrong key, signed", body, signed, other, receiver.RefusedWrongKey},
		{"tampered", tampered, signed, nil, receiver.RefusedWrongKey},
		{"signature of another body", body, otherSigned, nil, receiver.RefusedBadSignature},
		{"signature not hex", body, strings.Repeat("zz", 32), nil, receiver.RefusedBadSignature},
		{"signature too short", body, signed[:62], nil, receiver.RefusedBadSignature},
		{"deep, unsigned", deep, "", nil, ""},
		{"deep, signature of another body", deep, otherSigned, nil, receiver.RefusedBadSignature},
	} {
		b := block
		if tc.block != nil {
			b = other
		}
		if _, ref := decryptWebhookBody(nil, b, []byte(tc.body), tc.signed); ref != tc.want {
			t.Errorf("%s: refusal %q, want %q", tc.name, ref, tc.want)
		}
	}
}

// TestWebhookCryptBodyUnwrap: only Is-Encrypted bodies are decrypted, with
// the key of the path's account.
func TestWebhookCryptBodyUnwrap(t *testing.T) {
	b := &webhookCryptBody{keys: testWebhookBlock(t, webhookTestKey)}
	plain := []byte(`{"task_id":"t"}`)
	for _, v := range []string{"", "0", "false", "yes"} {
		h := http.Header{}
		if v != "" {
			h.Set("Is-Encrypted", v)
		}
		if got, ref := b.Unwrap("acct", h, plain); ref != "" || &got[0] != &plain[0] {
			t.Errorf("Is-Encrypted %q: the plain body was not passed through (refusal %q)", v, ref)
		}
	}
	h := http.Header{"Is-Encrypted": {"1"}, "Signed": {webhookTestSigned}}
	if got, ref := b.Unwrap("acct", h, []byte(webhookTestCiphertext)); ref != "" || string(got) != webhookTestPlain {
		t.Errorf("encrypted: got %q, refusal %q", got, ref)
	}
	if _, ref := b.Unwrap("other", h, []byte(webhookTestCiphertext)); ref != receiver.RefusedNoKey {
		t.Errorf("account without a key: refusal %q, want %q", ref, receiver.RefusedNoKey)
	}
}

// TestWebhookEncryptedCallCountedOnce runs encrypted call webhooks through
// a real receiver: counted once, the retry a duplicate, every failure
// refused with its reason and nothing of it counted, and the key nowhere
// in logs, answers or /metrics.
func TestWebhookEncryptedCallCountedOnce(t *testing.T) {
	const key = "k3y-that-must-not-leak-anywhere!" // 32 bytes
	var logs bytes.Buffer
	cfg := config.Webhooks{
		AiRudderAccounts: map[string]config.Secret{config.DefaultWebhookAccount: "", "eu": "", "plain": ""},
		AiRudderAESKeys:  map[string]config.Secret{"eu": key, config.DefaultWebhookAccount: webhookTestKey},
	}
	rr := newLoggingWebhookReceiver(t, cfg, &logs)

	call := `{"task_id":"t","task_name":"n","details":[{"call_id":"enc-1","result":"finished","duration":30}]}`
	body, signed := encryptWebhookBody(t, key, call)
	var answers []string
	post := func(path, body string, hdr ...string) int {
		rec := rr.Post(path, []byte(body), hdr...)
		answers = append(answers, rec.Body.String()+strings.Join(rec.Header().Values("Signed"), ""))
		return rec.Code
	}
	enc := func(s string) []string { return []string{"Is-Encrypted", "1", "Signed", s} }
	if c := post("/webhooks/airudder/eu", body, enc(signed)...); c != http.StatusOK {
		t.Fatalf("encrypted call: status %d, %s", c, answers[len(answers)-1])
	}
	if c := post("/webhooks/airudder/eu", `{"data":"`+body+`"}`, enc(signed)...); c != http.StatusOK {
		t.Fatalf("retry: status %d", c)
	}
	if got := rr.Records(t, webhookVendor, "counted"); got != 1 {
		t.Errorf("counted = %v, want 1", got)
	}
	if got := rr.Records(t, webhookVendor, "duplicate"); got != 1 {
		t.Errorf("duplicates = %v, want 1", got)
	}
	// The bare path is account "default", with its own key.
	tv, tvSigned := encryptWebhookBody(t, webhookTestKey, `{"task_id":"t2","details":[{"call_id":"enc-2"}]}`)
	if c := post("/webhooks/airudder", tv, enc(tvSigned)...); c != http.StatusOK {
		t.Errorf("default account: status %d", c)
	}

	other, otherSigned := encryptWebhookBody(t, key, `{"task_id":"t","details":[{"call_id":"enc-3"}]}`)
	for _, tc := range []struct {
		path, body, signed string
		status             int
		outcome            receiver.Refusal
	}{
		{"/webhooks/airudder/plain", body, signed, http.StatusUnprocessableEntity, receiver.RefusedNoKey},
		{"/webhooks/airudder/eu", body, otherSigned, http.StatusBadRequest, receiver.RefusedBadSignature},
		{"/webhooks/airudder/eu", "AAAA" + other[4:], otherSigned, http.StatusBadRequest, receiver.RefusedWrongKey},
		{"/webhooks/airudder/eu", "%%%", "", http.StatusBadRequest, receiver.RefusedBadBase64},
		{"/webhooks/airudder/eu", "AAAA", "", http.StatusBadRequest, receiver.RefusedBadLength},
		{"/webhooks/airudder", body, signed, http.StatusBadRequest, receiver.RefusedWrongKey},
	} {
		if c := post(tc.path, tc.body, enc(tc.signed)...); c != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.path, tc.outcome, c, tc.status)
		}
		if got := testkit.Value(t, rr.Reg, "airudder_exporter_webhook_requests_total", "source", webhookVendor, "outcome", string(tc.outcome)); got < 1 {
			t.Errorf("requests_total{outcome=%q} = %v", tc.outcome, got)
		}
	}
	if got := rr.Records(t, webhookVendor, "counted"); got != 2 {
		t.Errorf("counted = %v after the refused bodies, want 2", got)
	}
	// The key, in any form, is nowhere.
	mfs, err := rr.Reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var metrics bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&metrics, mf); err != nil {
			t.Fatal(err)
		}
	}
	for what, text := range map[string]string{"logs": logs.String(), "answers": strings.Join(answers, "\n"), "/metrics": metrics.String()} {
		for _, k := range []string{key, webhookTestKey, hex.EncodeToString([]byte(key)), base64.StdEncoding.EncodeToString([]byte(key))} {
			if strings.Contains(text, k) {
				t.Errorf("%s reveal the AES key", what)
			}
		}
	}
	if !strings.Contains(logs.String(), string(receiver.RefusedNoKey)) {
		t.Errorf("the refusal for lack of a key is not logged: %s", logs.String())
	}
}

// newLoggingWebhookReceiver is newWebhookReceiver logging every level to w.
func newLoggingWebhookReceiver(t *testing.T, cfg config.Webhooks, w *bytes.Buffer) *webhookgolden.Receiver {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	clock := testkit.NewClock(time.Date(2025, 12, 11, 10, 0, 0, 0, time.UTC))
	r, err := receiver.New(cfg, receiver.Options{Registerer: reg, Logger: log.NewLogfmtLogger(w), Now: clock.Now}, NewWebhooks())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return &webhookgolden.Receiver{Receiver: r, Reg: reg, Clock: clock, Handler: r.Handler()}
}
