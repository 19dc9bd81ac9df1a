package airudder

import (
	"crypto/aes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"

	"airudder_exporter/config"
	"airudder_exporter/internal/demogen"
)

// demoEncryptedAccount is the demo account whose webhooks come encrypted
// ("AES+sha256" callbacks), with a key the demo makes up at start.
const demoEncryptedAccount = "collections-b"

// augmentAESKeys returns keys plus the demo's key for demoEncryptedAccount
// unless the file gives that account one, and remembers the result for
// the traffic generator.
func (d *Demo) augmentAESKeys(keys map[string]config.Secret) map[string]config.Secret {
	out := map[string]config.Secret{demoEncryptedAccount: config.Secret(d.aesKey)}
	for k, v := range keys {
		out[k] = v
	}
	d.aesKeys.Store(&out)
	return out
}

// seal encrypts p as AiRudder does when its account has a key.
func (g *demoTraffic) seal(p demogen.Post) demogen.Post {
	if g.aesKeys == nil {
		return p
	}
	keys := g.aesKeys()
	if keys == nil {
		return p
	}
	account, named := strings.CutPrefix(p.Path, pathAiRudder+"/")
	if !named {
		account = config.DefaultWebhookAccount
	}
	key, ok := (*keys)[account]
	if !ok {
		return p
	}
	body, signed, err := sealWebhookBody(string(key), p.Body)
	if err != nil {
		return p
	}
	p.Body = []byte(body)
	p.Header = http.Header{webhookHeaderEncrypted: {"1"}, webhookHeaderSigned: {signed}}
	return p
}

// sealWebhookBody is AiRudder's side of an encrypted callback: NUL padding
// (a whole block when aligned), AES-ECB with the key's bytes, base64; and
// the Signed header, the hex SHA-256 of plain.
func sealWebhookBody(key string, plain []byte) (body, signed string, err error) {
	block, err := aes.NewCipher([]byte(key))
	if err != nil {
		return "", "", err
	}
	bs := block.BlockSize()
	ct := append(append([]byte(nil), plain...), make([]byte, bs-len(plain)%bs)...)
	for i := 0; i < len(ct); i += bs {
		block.Encrypt(ct[i:i+bs], ct[i:i+bs])
	}
	sum := sha256.Sum256(plain)
	return base64.StdEncoding.EncodeToString(ct), hex.EncodeToString(sum[:]), nil
}
