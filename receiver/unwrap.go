package receiver

import (
	"net/http"

	"github.com/go-kit/log/level"
)

// Unwrapper is a Body whose vendor may wrap a body (encrypt and sign it)
// before posting it. The receiver calls Unwrap once per body, after the
// transfer encodings (gzip, BOM) and before Decode; a Body that does not
// implement it is decoded as read.
type Unwrapper interface {
	// Unwrap returns the bytes Decode is to read: data itself when the
	// request is not wrapped, else the plaintext, which must stay valid
	// until Release. A refusal ("" = none) means the body cannot be read:
	// it is answered and counted by the receiver, and nothing of it is
	// decoded or recorded. header are the request's headers; account is
	// the webhook account of the path (the key is the account's).
	Unwrap(account string, header http.Header, data []byte) ([]byte, Refusal)
}

// Refusal says why a wrapped body could not be unwrapped. The set is
// closed: each value is an `outcome` of webhook_requests_total, so the
// series are known in advance and the label stays bounded.
type Refusal string

// Refusals of an encrypted body.
const (
	// The account has no key: the operator must configure one. Answered
	// 422: the request is well formed but cannot be read here.
	RefusedNoKey Refusal = "encrypted_no_key"
	// The ciphertext is not base64.
	RefusedBadBase64 Refusal = "encrypted_bad_base64"
	// The ciphertext is empty or not a whole number of cipher blocks.
	RefusedBadLength Refusal = "encrypted_bad_length"
	// The decrypted bytes are not JSON: a key other than the sender's, or
	// a corrupted ciphertext.
	RefusedWrongKey Refusal = "encrypted_wrong_key"
	// The plaintext does not match its signature header.
	RefusedBadSignature Refusal = "encrypted_bad_signature"
)

// refusals are every Refusal with its answer. The answer names the
// problem only: no request data, no key material.
var refusals = []struct {
	r      Refusal
	status int
	msg    string
}{
	{RefusedNoKey, http.StatusUnprocessableEntity, "encrypted body, but no decryption key is configured for this account"},
	{RefusedBadBase64, http.StatusBadRequest, "encrypted body is not valid base64"},
	{RefusedBadLength, http.StatusBadRequest, "encrypted body length is not a whole number of cipher blocks"},
	{RefusedWrongKey, http.StatusBadRequest, "encrypted body does not decrypt to JSON with this account's key"},
	{RefusedBadSignature, http.StatusBadRequest, "decrypted body does not match its signature"},
}

// refuse answers a body its vendor could not unwrap and returns the
// request's outcome. An unknown value is answered as a bad request.
//
// A missing key loses calls until the operator acts, so its first refusal
// per source is a warning; the rest go to debug, as every other refusal:
// a vendor retrying (or anyone posting) must not flood the log, and the
// outcome counter and its alert carry the ongoing signal.
func (r *Receiver) refuse(w http.ResponseWriter, src *source, account string, ref Refusal) string {
	for _, x := range refusals {
		if x.r == ref {
			lg := level.Debug(r.logger)
			if ref == RefusedNoKey && src.noKeyWarned.CompareAndSwap(false, true) {
				lg = level.Warn(r.logger)
			}
			lg.Log("msg", "webhook body refused", "source", src.name, "account", account, "reason", ref)
			writeError(w, x.status, x.msg)
			return string(ref)
		}
	}
	writeError(w, http.StatusBadRequest, "body cannot be read")
	return outcomeBadRequest
}
