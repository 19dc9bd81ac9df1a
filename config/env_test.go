package config

import (
	"os"
	"strings"
	"testing"
)

func TestExpandEnv(t *testing.T) {
	t.Setenv("CFGTEST_A", "alpha")
	t.Setenv("CFGTEST_REF", "${CFGTEST_A}") // a value is never expanded again
	t.Setenv("CFGTEST_EMPTY", "")
	t.Setenv("CFGTEST_UNSET", "x")
	os.Unsetenv("CFGTEST_UNSET") // t.Setenv restores it afterwards

	cases := []struct{ in, want string }{
		{"${CFGTEST_A}", "alpha"},
		{"pre-${CFGTEST_A}-${CFGTEST_A}-post", "pre-alpha-alpha-post"},
		{"${CFGTEST_UNSET}", ""},
		{"${CFGTEST_EMPTY}", ""},
		{"${CFGTEST_REF}", "${CFGTEST_A}"},
		{"$CFGTEST_A", "$CFGTEST_A"},     // only the braced form
		{"$$", "$$"},                     // literal dollars survive
		{"pa$$w0rd$", "pa$$w0rd$"},       // ... anywhere
		{"${1BAD}", "${1BAD}"},           // not a valid name: left alone
		{"${CFGTEST_A", "${CFGTEST_A"},   // unterminated
		{"${}", "${}"},                   // empty name
		{"${CFGTEST-A}", "${CFGTEST-A}"}, // '-' is not a name character
		{"$${CFGTEST_A}", "$alpha"},      // no escape syntax: documents it
		{"", ""},
	}
	for _, tc := range cases {
		if got := string(ExpandEnv([]byte(tc.in))); got != tc.want {
			t.Errorf("ExpandEnv(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseExpandsEnv(t *testing.T) {
	t.Setenv("CFGTEST_KEY", "key-1")
	t.Setenv("CFGTEST_SECRET", "s3cr$t${CFGTEST_KEY}")
	t.Setenv("CFGTEST_INTERVAL", "90s")
	t.Setenv("CFGTEST_TOKEN", "tok$en")
	t.Setenv("NOT_BRACED", "must-not-appear")
	t.Setenv("CFGTEST_GONE", "x")
	os.Unsetenv("CFGTEST_GONE")

	c := mustParse(t, `
airudder:
  accounts:
    - name: env
      app_key: ${CFGTEST_KEY}
      app_secret: "${CFGTEST_SECRET}"
      min_interval: ${CFGTEST_INTERVAL}
    - name: literal
      app_key: "$NOT_BRACED"
      app_secret: "a$b$$c"
    - name: unset
      app_key: "${CFGTEST_GONE}"
webhooks:
  token: '${CFGTEST_TOKEN}'
`)
	a := c.AiRudder.Accounts
	if a[0].AppKey != "key-1" || string(a[0].AppSecret) != "s3cr$t${CFGTEST_KEY}" || a[0].MinInterval.D().String() != "1m30s" {
		t.Errorf("env account = key %q secret %q interval %v", a[0].AppKey, string(a[0].AppSecret), a[0].MinInterval.D())
	}
	if a[1].AppKey != "$NOT_BRACED" || string(a[1].AppSecret) != "a$b$$c" {
		t.Errorf("literal account = key %q secret %q; $ without braces must survive", a[1].AppKey, string(a[1].AppSecret))
	}
	if a[2].AppKey != "" {
		t.Errorf("unset var expanded to %q, want empty", a[2].AppKey)
	}
	if string(c.Webhooks.Token) != "tok$en" {
		t.Errorf("token = %q, want tok$en", string(c.Webhooks.Token))
	}
	_, skipped := c.EnabledAccounts()
	if !strings.Contains(skipped["unset"], "no app_key") {
		t.Errorf("account with unset key: skipped reason %q", skipped["unset"])
	}
}

// yamlHostileSecret has every character that changes meaning somewhere in
// YAML: quotes, backslash, comment and mapping markers, anchors, tags.
const yamlHostileSecret = `a"b\c #d: e&*!%@|>{}[],?$x`

// ExpandEnv pastes values into the YAML text, so only a single-quoted
// reference takes any value literally (a single quote itself is the one
// character it cannot hold). This pins the rule that the shipped config.yml
// and the README must follow.
func TestEnvSecretSurvivesSingleQuotes(t *testing.T) {
	t.Setenv("CFGTEST_HOSTILE", yamlHostileSecret)
	c := mustParse(t, "webhooks:\n  token: '${CFGTEST_HOSTILE}'\n")
	if got := string(c.Webhooks.Token); got != yamlHostileSecret {
		t.Errorf("token = %q, want %q", got, yamlHostileSecret)
	}
}
