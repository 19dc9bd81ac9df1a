package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeSecret writes content to a fresh file and returns its path quoted for YAML.
func writeSecret(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return strconv.Quote(p)
}

func TestSecretFilesTrimmed(t *testing.T) {
	key := writeSecret(t, "key", "\n  the-key \t\n")
	sec := writeSecret(t, "secret", "the secret\r\n") // inner space kept, CRLF trimmed
	tok := writeSecret(t, "token", " tok\n")
	c := mustParse(t, "airudder:\n  accounts:\n    - app_key_file: "+key+"\n      app_secret_file: "+sec+
		"\nwebhooks:\n  token_file: "+tok+"\n")
	a := c.AiRudder.Accounts[0]
	if a.AppKey != "the-key" || string(a.AppSecret) != "the secret" || string(c.Webhooks.Token) != "tok" {
		t.Errorf("got key %q secret %q token %q", a.AppKey, string(a.AppSecret), string(c.Webhooks.Token))
	}
}

// An explicitly given *_file that is empty, or only whitespace once
// trimmed, is refused (each key has its testdata/invalid-*-file-empty.yml):
// taken as "not set", an empty token_file turned webhook authentication
// off and an empty webhook_token_file fell back to webhooks.token. A start
// and a reload load the file alike, so a reload with such a file is refused
// and the running config kept.
func TestEmptySecretFileRefused(t *testing.T) {
	for name, content := range map[string]string{"empty": "", "blank": " \r\n\t\n"} {
		tok := writeSecret(t, name, content)
		_, err := Parse([]byte("webhooks:\n  token_file: " + tok + "\n"))
		if err == nil {
			t.Fatalf("%s token_file accepted: webhooks would take anonymous posts", name)
		}
		if want := "webhooks.token_file: file " + tok + " is empty"; !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %q, want %q", name, err, want)
		}
	}
}

// The Redis TLS files are refused empty too (they are no secrets, but an
// empty one is as much a mistake).
func TestEmptyRedisTLSFilesRefused(t *testing.T) {
	empty := writeSecret(t, "empty.pem", "")
	for key, tls := range map[string]string{
		"ca_file":             "{ca_file: " + empty + "}",
		"cert_file/key_file:": "{cert_file: " + empty + ", key_file: " + empty + "}",
	} {
		_, err := Parse([]byte("webhooks:\n  redis:\n    address: 127.0.0.1:6379\n    tls: " + tls + "\n"))
		if err == nil || !strings.Contains(err.Error(), "webhooks.redis.tls: "+key) {
			t.Errorf("empty %s: err = %v, want it refused", key, err)
		}
	}
}

// A secret file that is a directory is an error, not an empty secret.
func TestSecretFileIsDirectory(t *testing.T) {
	dir := strconv.Quote(t.TempDir())
	_, err := Parse([]byte("webhooks:\n  token_file: " + dir + "\n"))
	if err == nil || !strings.Contains(err.Error(), "webhooks.token_file") {
		t.Fatalf("err = %v, want a token_file error", err)
	}
}

// A secret is a few dozen bytes. Pointing *_file at a log, an image or a
// device must fail fast instead of reading it whole into memory (a device
// such as /dev/zero would never end).
func TestSecretFileTooLarge(t *testing.T) {
	big := writeSecret(t, "big", strings.Repeat("x", 1<<20))
	_, err := Parse([]byte("webhooks:\n  token_file: " + big + "\n"))
	if err == nil {
		t.Fatal("a 1 MiB token_file was accepted; secret files need a size limit")
	}
	if !strings.Contains(err.Error(), "webhooks.token_file") {
		t.Errorf("error %q does not name the field", err)
	}
}
