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

// A key file holding only whitespace yields no key: the account is skipped
// (with a reason) rather than logging in with an empty key.
func TestBlankKeyFileSkipsAccount(t *testing.T) {
	key := writeSecret(t, "key", " \n")
	c := mustParse(t, "airudder:\n  accounts:\n    - name: blank\n      app_key_file: "+key+"\n")
	enabled, skipped := c.EnabledAccounts()
	if len(enabled) != 0 || !strings.Contains(skipped["blank"], "no app_key") {
		t.Errorf("enabled=%d skipped=%v, want the account skipped for lack of a key", len(enabled), skipped)
	}
}

// A blank secret file next to a real key is the same mistake as a missing secret.
func TestBlankSecretFileRejected(t *testing.T) {
	sec := writeSecret(t, "secret", "\n\n")
	_, err := Parse([]byte("airudder:\n  accounts:\n    - app_key: k\n      app_secret_file: " + sec + "\n"))
	if err == nil || !strings.Contains(err.Error(), "app_key is set but app_secret") {
		t.Fatalf("err = %v, want the key-without-secret error", err)
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
