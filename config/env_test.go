package config

import (
	"os"
	"strings"
	"testing"
	"time"
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
		// Text that looks like the placeholders used while parsing stays text.
		{"EnvRef0_${CFGTEST_A}EnvRefx", "EnvRef0_alphaEnvRefx"},
	}
	for _, tc := range cases {
		src, refs := hideEnvRefs([]byte(tc.in))
		if got, _ := refs.replace(string(src), true); got != tc.want {
			t.Errorf("expanding %q = %q, want %q", tc.in, got, tc.want)
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
// YAML: quotes, backslash, comment and mapping markers, anchors, tags, a
// line break and surrounding spaces.
const yamlHostileSecret = " a\"b\\c #d: e'f&*!%@|>{}[],?$x\n- g: h "

// byteExactValues are environment values holding everything that means
// something in YAML, alone and together.
var byteExactValues = []struct{ name, value string }{
	{"single quote", `pa'ss`},
	{"quote then comment", `ab' #cdLONGSECRETPART`},
	{"double quote", `a"b`},
	{"backslash", `a\b\n\"`},
	{"comment marker", `abc #def`},
	{"mapping marker", `key: value`},
	{"newline", "line1\nline2"},
	{"CRLF and blank line", "a\r\n\r\nb"},
	{"tab", "a\tb"},
	{"reference", "${CFGTEST_OTHER}"},
	{"dollars", "$$ $x $"},
	{"unicode", "pässwörd-密码-🔑"},
	{"leading and trailing spaces", "  padded  "},
	{"only spaces", "   "},
	{"flow and anchor characters", `&a *b !c [d] {e}, f|g>h%i@j`},
	{"document markers", "---\n..."},
	{"looks like null", "null"},
	{"tilde", "~"},
	{"looks like a bool", "true"},
	{"looks like a number", "0x1F"},
	{"not UTF-8", "\xff\xfe"},
	{"hostile", yamlHostileSecret},
}

// A value from the environment reaches the decoded config byte for byte,
// whatever it holds and whatever the quoting around the reference: the
// reference is expanded after the YAML is parsed.
func TestEnvValueArrivesByteExact(t *testing.T) {
	t.Setenv("CFGTEST_OTHER", "must-not-appear")
	positions := []struct {
		name, yml string
		pre, post string
	}{
		{"plain", "webhooks:\n  token: ${CFGTEST_V}\n", "", ""},
		{"single-quoted", "webhooks:\n  token: '${CFGTEST_V}'\n", "", ""},
		{"double-quoted", "webhooks:\n  token: \"${CFGTEST_V}\"\n", "", ""},
		{"inside plain text", "webhooks:\n  token: pre-${CFGTEST_V}-post\n", "pre-", "-post"},
		{"inside single quotes with spaces", "webhooks:\n  token: ' pre ${CFGTEST_V} post '\n", " pre ", " post "},
		{"inside double quotes with an escape", "webhooks:\n  token: \"\\t${CFGTEST_V}\\n\"\n", "\t", "\n"},
		{"literal block", "webhooks:\n  token: |-\n    ${CFGTEST_V}\n", "", ""},
		{"flow mapping, quoted", "webhooks: {token: '${CFGTEST_V}'}\n", "", ""},
		{"flow mapping, plain", "webhooks: {token: ${CFGTEST_V}}\n", "", ""},
		{"flow mapping, next to text", "webhooks: {token: x${CFGTEST_V}1}\n", "x", "1"},
		{"after a comment line", "# ${CFGTEST_V}\nwebhooks:\n  # ${CFGTEST_V}\n  token: '${CFGTEST_V}'  # ${CFGTEST_V}\n", "", ""},
	}
	for _, v := range byteExactValues {
		for _, p := range positions {
			t.Run(v.name+"/"+p.name, func(t *testing.T) {
				t.Setenv("CFGTEST_V", v.value)
				c, err := Parse([]byte(p.yml))
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if got, want := string(c.Webhooks.Token), p.pre+v.value+p.post; got != want {
					t.Errorf("token = %q, want %q", got, want)
				}
			})
		}
	}
}

// Plain string fields (app_key is not a Secret), list items and map values
// are expanded the same way, and a reference needs no quotes inside [ ].
func TestEnvValueByteExactInEveryScalar(t *testing.T) {
	const v = "k'e\"y: #1\n x"
	const label = "l'a\"bel: #1" // label values must be printable
	t.Setenv("CFGTEST_V", v)
	t.Setenv("CFGTEST_LABEL", label)
	c := mustParse(t, `airudder:
  accounts:
    - name: a
      app_key: ${CFGTEST_V}
      app_secret: "${CFGTEST_V}"
webhooks:
  robots:
    hash1: '${CFGTEST_LABEL}x'
  event_labels: [ok, '${CFGTEST_V}', ${CFGTEST_V}]
`)
	a := c.AiRudder.Accounts[0]
	if a.AppKey != v || string(a.AppSecret) != v {
		t.Errorf("app_key %q, app_secret %q, want %q", a.AppKey, string(a.AppSecret), v)
	}
	if got := c.Webhooks.Robots["hash1"]; got != label+"x" {
		t.Errorf("robot name %q, want %q", got, label+"x")
	}
	if got := c.Webhooks.EventLabels; len(got) != 3 || got[1] != v || got[2] != v {
		t.Errorf("event_labels %q, want [ok %q %q]", got, v, v)
	}
}

// An unquoted reference is read as YAML reads an unquoted value, so numbers,
// booleans and durations can come from the environment; unset, the key
// keeps its default.
func TestEnvPlainValueKeepsItsType(t *testing.T) {
	t.Setenv("CFGTEST_MAX", "2097152")
	t.Setenv("CFGTEST_DAYS", "7")
	t.Setenv("CFGTEST_OFF", "true")
	t.Setenv("CFGTEST_EVERY", "90s")
	t.Setenv("CFGTEST_UNSET", "x")
	os.Unsetenv("CFGTEST_UNSET")
	c := mustParse(t, `airudder:
  accounts:
    - name: a
      window_days: ${CFGTEST_DAYS}
      disabled: ${CFGTEST_OFF}
      min_interval: ${CFGTEST_EVERY}
      timeout: ${CFGTEST_UNSET}
webhooks:
  max_body_bytes: ${CFGTEST_MAX}
  dedup_max_entries: ${CFGTEST_UNSET}
`)
	a := c.AiRudder.Accounts[0]
	if a.WindowDays != 7 || !a.Disabled || a.MinInterval.D() != 90*time.Second || a.Timeout.D() != DefaultRequestTimeout {
		t.Errorf("account: window_days %d disabled %v min_interval %v timeout %v", a.WindowDays, a.Disabled, a.MinInterval.D(), a.Timeout.D())
	}
	if c.Webhooks.MaxBodyBytes != 2097152 || c.Webhooks.DedupMaxEntries != DefaultDedupMaxEntries {
		t.Errorf("webhooks: max_body_bytes %d dedup_max_entries %d", c.Webhooks.MaxBodyBytes, c.Webhooks.DedupMaxEntries)
	}
}

// A value that does not fit its key is reported at the key's path and line,
// without the value (it may be a secret).
func TestEnvValueErrorNamesPathNotValue(t *testing.T) {
	const secret = "S3cr3t'Value: #x"
	t.Setenv("CFGTEST_V", secret)
	_, err := Parse([]byte("# first line\nwebhooks:\n  token: '${CFGTEST_V}'\n  max_body_bytes: ${CFGTEST_V}\n"))
	if err == nil {
		t.Fatal("a secret as max_body_bytes was accepted")
	}
	msg := err.Error()
	if !strings.Contains(msg, "webhooks.max_body_bytes: must be an integer (line 4)") {
		t.Errorf("error %q does not name webhooks.max_body_bytes at line 4", msg)
	}
	if strings.Contains(msg, "S3cr3t") {
		t.Errorf("error %q repeats the value", msg)
	}
}

// Keys are never expanded, and strict decoding still refuses unknown keys
// wherever references are.
func TestEnvKeysNotExpanded(t *testing.T) {
	t.Setenv("CFGTEST_K", "token")
	_, err := Parse([]byte("webhooks:\n  ${CFGTEST_K}: x\n"))
	if err == nil || !strings.Contains(err.Error(), "webhooks.${CFGTEST_K}: unknown key (line 2)") {
		t.Errorf("err = %v, want the unexpanded key refused as unknown", err)
	}
	_, err = Parse([]byte("webhooks:\n  token: '${CFGTEST_K}'\n  tokn: '${CFGTEST_K}'\n"))
	if err == nil || !strings.Contains(err.Error(), "webhooks.tokn: unknown key (line 3)") {
		t.Errorf("err = %v, want the unknown key refused", err)
	}
	c := mustParse(t, "webhooks:\n  robots:\n    ${CFGTEST_K}: '${CFGTEST_K}'\n")
	if got := c.Webhooks.Robots["${CFGTEST_K}"]; got != "token" {
		t.Errorf("robots = %q, want the key as written and the value expanded", c.Webhooks.Robots)
	}
}

// An anchored value is expanded once; its aliases share the result.
func TestEnvValueThroughAlias(t *testing.T) {
	const v = "al'ias #1"
	t.Setenv("CFGTEST_V", v)
	c := mustParse(t, "laaffic:\n  accounts:\n    - name: a\n      webhook_token: &tok '${CFGTEST_V}'\nwebhooks:\n  token: *tok\n")
	if string(c.Webhooks.Token) != v || string(c.Laaffic.Accounts[0].WebhookToken) != v {
		t.Errorf("token %q, account token %q, want %q", string(c.Webhooks.Token), string(c.Laaffic.Accounts[0].WebhookToken), v)
	}
}
