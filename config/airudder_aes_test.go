package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestFinishAiRudderAESKeys(t *testing.T) {
	c := mustParse(t, `
airudder:
  accounts:
    - aes_key: airudderredduria
    - name: eu
      aes_key_file: testdata/secrets/aes_key.txt
    - name: plain
`)
	got := c.Webhooks.AiRudderAESKeys
	want := map[string]string{DefaultWebhookAccount: "airudderredduria", "eu": "airudderredduriaairudderredduria"}
	if len(got) != len(want) {
		t.Fatalf("AiRudderAESKeys has %d keys, want %d (accounts without a key are left out)", len(got), len(want))
	}
	for name, k := range want {
		if string(got[name]) != k {
			t.Errorf("key of account %q is wrong (%d bytes)", name, len(got[name]))
		}
	}
	if c.AiRudder.Accounts[1].AESKey != got["eu"] {
		t.Error("aes_key_file was not read into the account's AESKey")
	}
	if keys := mustParse(t, "").Webhooks.AiRudderAESKeys; len(keys) != 0 {
		t.Errorf("a file without keys: AiRudderAESKeys has %d entries", len(keys))
	}
}

// TestAESKeyNeverPrinted: the key is a Secret in every dump of the config.
func TestAESKeyNeverPrinted(t *testing.T) {
	c := mustParse(t, "airudder:\n  accounts:\n    - {name: eu, aes_key: "+leak[:16]+"}\n")
	dumps := []string{fmt.Sprintf("%+v %#v %v", c, c.AiRudder.Accounts[0], c.Webhooks)}
	y, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	dumps = append(dumps, string(y), string(j))
	for _, d := range dumps {
		if strings.Contains(d, leak[:16]) {
			t.Errorf("a dump of the config reveals the AES key: %s", d)
		}
	}
}

// TestEveryAESKeyRuleHasOneFile: each error of finishAiRudderAESKeys is
// expected by exactly one invalid file.
func TestEveryAESKeyRuleHasOneFile(t *testing.T) {
	lits := errorLiterals(t, "finishAiRudderAESKeys")
	if len(lits) != 3 {
		t.Fatalf("found %d error literals, want 3: %q", len(lits), lits)
	}
	for _, lit := range lits {
		// The fixed text after the field names the rule; a bare %w wraps a
		// file error, named by the field, with one file per way a file fails.
		rule := strings.TrimSpace(strings.SplitN(strings.TrimPrefix(lit, "%s"), "%", 2)[0])
		rule = strings.Trim(rule, ": ")
		reasons := []string{""}
		if strings.HasSuffix(lit, "%w") {
			reasons = []string{"file not found", "is empty"}
		}
		for _, reason := range reasons {
			n := 0
			for _, tc := range invalidCases {
				want := strings.Join(tc.want, "\n")
				if strings.Contains(want, rule) && strings.Contains(want, reason) && strings.HasPrefix(tc.file, "invalid-aes-key-") {
					n++
				}
			}
			if rule == "" || n != 1 {
				t.Errorf("error %q (rule %q, reason %q) is expected by %d invalid-aes-key-* files, want 1", lit, rule, reason, n)
			}
		}
	}
}
