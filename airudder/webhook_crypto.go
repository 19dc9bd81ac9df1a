package airudder

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"

	"airudder_exporter/config"
	"airudder_exporter/internal/jsonscan"
	"airudder_exporter/receiver"
)

// Encrypted callbacks (vendor README §1.4): an account that asked AiRudder
// for them gets every webhook body as base64 AES-ECB ciphertext (the key's
// raw bytes, plaintext padded with NUL bytes) with the headers
// `Is-Encrypted: 1` and `Signed: <lowercase hex SHA-256 of the plaintext>`.
// The docs do not say whether the ciphertext is the whole body or wrapped
// in JSON, so all of these are accepted: the raw body, a JSON string, and a
// JSON object whose one member is a string. A body without the header is
// plain JSON. Answers are never encrypted: AiRudder acts on the status code.

// Request headers of an encrypted callback, in canonical form (the server
// canonicalises incoming header names).
const (
	webhookHeaderEncrypted = "Is-Encrypted"
	webhookHeaderSigned    = "Signed"
)

// maxWebhookPlainBuffer: a bigger plaintext buffer is not kept for reuse.
const maxWebhookPlainBuffer = 4 << 20

// webhookKeyring holds the AES ciphers of the accounts that have a key, by
// webhook account name; swapped whole on reload. A cipher.Block only reads
// its expanded key, so one serves concurrent requests.
type webhookKeyring struct {
	blocks atomic.Pointer[map[string]cipher.Block]
}

// apply replaces the ciphers with those of keys. Load refuses a key of the
// wrong length; such a key of a hand-built config is left out, so its
// account refuses encrypted bodies for lack of a key.
func (k *webhookKeyring) apply(keys map[string]config.Secret) {
	blocks := make(map[string]cipher.Block, len(keys))
	for account, key := range keys {
		if b, err := aes.NewCipher([]byte(key)); err == nil {
			blocks[account] = b
		}
	}
	k.blocks.Store(&blocks)
}

func (k *webhookKeyring) block(account string) cipher.Block {
	if m := k.blocks.Load(); m != nil {
		return (*m)[account]
	}
	return nil
}

// webhookCryptBody is an AiRudder Body that decrypts encrypted callbacks
// before they are decoded (receiver.Unwrapper).
type webhookCryptBody struct {
	receiver.Body
	keys  *webhookKeyring
	plain []byte // the last decrypted body; valid until Release
}

// Unwrap returns data unchanged unless the request says it is encrypted.
func (b *webhookCryptBody) Unwrap(account string, h http.Header, data []byte) ([]byte, receiver.Refusal) {
	v := h[webhookHeaderEncrypted]
	if len(v) == 0 || !webhookEncryptedFlag(v[0]) {
		return data, ""
	}
	block := b.keys.block(account)
	if block == nil {
		return nil, receiver.RefusedNoKey
	}
	var signed string
	if s := h[webhookHeaderSigned]; len(s) > 0 {
		signed = s[0]
	}
	var ref receiver.Refusal
	b.plain, ref = decryptWebhookBody(b.plain[:0], block, data, signed)
	return b.plain, ref
}

func (b *webhookCryptBody) Release() {
	b.Body.Release()
	if cap(b.plain) > maxWebhookPlainBuffer {
		b.plain = nil
	}
}

// webhookEncryptedFlag reads the Is-Encrypted header: "1" (what AiRudder
// sends) or "true"; anything else is a plain body.
func webhookEncryptedFlag(v string) bool {
	v = strings.TrimSpace(v)
	return v == "1" || strings.EqualFold(v, "true")
}

// decryptWebhookBody appends the plaintext of the encrypted body to dst:
// the base64 ciphertext is found (raw, JSON string, one-member JSON
// object), decoded, decrypted block by block (ECB) and stripped of its NUL
// padding. With a signature (signed != "") the plaintext's SHA-256 must
// match it, compared in constant time. A refusal says which step failed;
// the plaintext returned with it must not be used.
func decryptWebhookBody(dst []byte, block cipher.Block, body []byte, signed string) ([]byte, receiver.Refusal) {
	text, ok := webhookCiphertext(body)
	if !ok {
		return dst, receiver.RefusedBadBase64
	}
	enc := base64.StdEncoding
	if len(text)%4 != 0 && bytes.IndexByte(text, '=') < 0 {
		enc = base64.RawStdEncoding // padding left off
	}
	start := len(dst)
	dst = append(dst, make([]byte, enc.DecodedLen(len(text)))...)
	n, err := enc.Decode(dst[start:], text)
	if err != nil {
		return dst[:start], receiver.RefusedBadBase64
	}
	ct := dst[start : start+n]
	bs := block.BlockSize()
	if n == 0 || n%bs != 0 {
		return dst[:start], receiver.RefusedBadLength
	}
	for i := 0; i < n; i += bs {
		block.Decrypt(ct[i:i+bs], ct[i:i+bs])
	}
	plain := bytes.TrimRight(ct, "\x00")
	dst = dst[:start+len(plain)]
	if signed != "" {
		if webhookSignatureOK(plain, signed) {
			return dst, ""
		}
		if jsonscan.Valid(plain) {
			return dst, receiver.RefusedBadSignature
		}
		return dst, receiver.RefusedWrongKey
	}
	if !jsonscan.Valid(plain) {
		return dst, receiver.RefusedWrongKey
	}
	return dst, ""
}

// webhookSignatureOK reports whether signed is the hex SHA-256 of plain.
func webhookSignatureOK(plain []byte, signed string) bool {
	var want [sha256.Size]byte
	s := strings.TrimSpace(signed)
	if hex.DecodedLen(len(s)) != len(want) {
		return false
	}
	if _, err := hex.Decode(want[:], []byte(s)); err != nil {
		return false
	}
	got := sha256.Sum256(plain)
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// webhookCiphertext finds the base64 text of an encrypted body: the body
// itself, a JSON string, or the string value of a JSON object's one member.
func webhookCiphertext(body []byte) ([]byte, bool) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, false
	}
	switch body[0] {
	case '"':
		var s string
		if json.Unmarshal(body, &s) != nil {
			return nil, false
		}
		return bytes.TrimSpace([]byte(s)), true
	case '{':
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil || len(m) != 1 {
			return nil, false
		}
		for _, v := range m {
			var s string
			if json.Unmarshal(v, &s) != nil {
				return nil, false
			}
			return bytes.TrimSpace([]byte(s)), true
		}
	}
	return body, true
}
