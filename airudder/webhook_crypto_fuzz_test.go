package airudder

import (
	"bytes"
	"crypto/aes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"testing"

	"airudder_exporter/internal/webhookgolden"
	"airudder_exporter/receiver"
)

// FuzzDecryptWebhookBody checks the decrypt path for any key, body and
// Signed header: no panic; a refusal is one of the encrypted_* values; an
// accepted body is JSON without NUL padding whose SHA-256 matches Signed
// when one is given. Then, for the same key, a JSON plaintext encrypted as
// AiRudder does (padding from none to a whole block) decrypts back to it.
func FuzzDecryptWebhookBody(f *testing.F) {
	f.Add([]byte(webhookTestKey), []byte(webhookTestCiphertext), webhookTestSigned, []byte(webhookTestPlain))
	f.Add([]byte("0123456789abcdef01234567"), []byte(`{"d":"`+webhookTestCiphertext+`"}`), "", []byte(`{"details":[]}`))
	f.Add([]byte("0123456789abcdef0123456789abcdef"), []byte(`"AAAA"`), "00", []byte(`"0123456789abcde"`))
	f.Add([]byte("k"), []byte("%%%"), "zz", []byte(`[]`))
	f.Fuzz(func(t *testing.T, keySeed, body []byte, signed string, plain []byte) {
		key := fuzzWebhookKey(keySeed)
		block, err := aes.NewCipher(key)
		if err != nil {
			t.Fatal(err)
		}
		got, ref := decryptWebhookBody(nil, block, body, signed)
		switch ref {
		case "":
			// encoding/json judges what does not nest past its limit.
			if !json.Valid(got) && signed == "" && !webhookgolden.BeyondEncodingJSON(got) {
				t.Errorf("accepted a plaintext that is not JSON, without a signature: %q", got)
			}
			if bytes.HasSuffix(got, []byte{0}) {
				t.Errorf("padding left on %q", got)
			}
			if sum := sha256.Sum256(got); signed != "" && !webhookSignatureOK(got, hex.EncodeToString(sum[:])) {
				t.Errorf("accepted a body whose signature does not match")
			}
		case receiver.RefusedBadBase64, receiver.RefusedBadLength, receiver.RefusedWrongKey, receiver.RefusedBadSignature:
		default:
			t.Fatalf("refusal %q is not one of the decrypt path's", ref)
		}

		plain = bytes.TrimRight(plain, "\x00")
		if !json.Valid(plain) {
			return
		}
		bs := block.BlockSize()
		ct := append(bytes.Clone(plain), make([]byte, bs-len(plain)%bs)...)
		for i := 0; i < len(ct); i += bs {
			block.Encrypt(ct[i:i+bs], ct[i:i+bs])
		}
		sum := sha256.Sum256(plain)
		got, ref = decryptWebhookBody([]byte("x"), block, []byte(base64.StdEncoding.EncodeToString(ct)), hex.EncodeToString(sum[:]))
		if ref != "" || !bytes.Equal(got, append([]byte("x"), plain...)) {
			t.Errorf("round trip of %q: got %q, refusal %q", plain, got, ref)
		}
	})
}

// fuzzWebhookKey stretches or cuts seed to an AES key of 16, 24 or 32
// bytes, the length chosen by the seed.
func fuzzWebhookKey(seed []byte) []byte {
	n := 16
	if len(seed) > 0 {
		n = []int{16, 24, 32}[int(seed[0])%3]
	}
	key := make([]byte, n)
	for i := range key {
		if len(seed) > 0 {
			key[i] = seed[i%len(seed)]
		}
	}
	return key
}
