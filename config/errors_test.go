package config

import (
	"strings"
	"testing"
)

// A secret pasted into a non-secret field must not come back in the error
// (it ends up in logs, the /-/reload answer and --config.check); the error
// names the YAML path and the reason instead.
func TestErrorsNameThePathNeverTheValue(t *testing.T) {
	const secret = "S3cr3t-Pasted-Value"
	cases := []struct{ name, yml, path, reason string }{
		{"secret as dedup_window", "webhooks:\n  dedup_window: " + secret + "\n", "webhooks.dedup_window", "must be a duration"},
		{"secret as min_interval", "airudder:\n  accounts:\n    - name: a\n      min_interval: " + secret + "\n", "airudder.accounts[0].min_interval", "must be a duration"},
		{"password inside base_url", "airudder:\n  accounts:\n    - name: a\n      base_url: ftp://user:" + secret + "@example.com\n", "airudder.accounts[0].base_url", "absolute http(s) URL"},
		{"secret as a file path", "airudder:\n  accounts:\n    - name: a\n      app_secret_file: /nonexistent/" + secret + "\n", "airudder.accounts[0].app_secret_file", "file not found"},
		{"secret as token_file", "webhooks:\n  token_file: " + secret + "\n", "webhooks.token_file", "file not found"},
		{"secret as an integer", "webhooks:\n  max_body_bytes: " + secret + "\n", "webhooks.max_body_bytes", "must be an integer"},
		{"secret as window_days", "airudder:\n  accounts:\n    - name: a\n      window_days: " + secret + "\n", "airudder.accounts[0].window_days", "must be an integer"},
		{"secret in a list as token", "webhooks:\n  token: [" + secret + "]\n", "webhooks.token", "must be a string"},
		{"secret as a bool", "airudder:\n  accounts:\n    - name: a\n      disabled: " + secret + "\n", "airudder.accounts[0].disabled", "must be true or false"},
		{"secret as a CIDR", "webhooks:\n  allowed_cidrs: [10.0.0.0/8, " + secret + "]\n", "webhooks.allowed_cidrs[1]", "neither a CIDR"},
		{"secret as a time zone", "airudder:\n  accounts:\n    - name: a\n      timezone: " + secret + "\n", "airudder.accounts[0].timezone", "time zone"},
		{"secret as an account name", "airudder:\n  accounts:\n    - name: " + secret + "!\n", "airudder.accounts[0].name", "must be 1-64"},
		{"secret as an unknown key", "webhooks:\n  tokn: " + secret + "\n", "webhooks.tokn", "unknown key"},
		{"secret given twice", "webhooks:\n  token: a\n  token: " + secret + "\n", "webhooks.token", "key given twice"},
		// An unquoted value in braces is a YAML mapping whose key is the
		// value's text.
		{"secret in braces as token", "webhooks:\n  token: {" + secret + "}\n", "webhooks.token", "must be a string"},
		{"secret in braces as password", "webhooks:\n  redis:\n    address: r:6379\n    password: {" + secret + "}\n", "webhooks.redis.password", "must be a string"},
		{"secret as a key under token", "webhooks:\n  token:\n    " + secret + ": x\n", "webhooks.token", "must be a string"},
		{"secret in braces in a list as token", "webhooks:\n  token: [{" + secret + ": x}]\n", "webhooks.token", "must be a string"},
		{"secret in braces as an account's app_secret", "airudder:\n  accounts:\n    - name: a\n      app_key: k\n      app_secret: {" + secret + "}\n", "airudder.accounts[0].app_secret", "must be a string"},
		{"secret in braces as api_secret", "laaffic:\n  accounts:\n    - name: a\n      api_secret: {" + secret + "}\n", "laaffic.accounts[0].api_secret", "must be a string"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.yml))
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, secret) || strings.Contains(msg, "S3cr3t") {
			t.Errorf("%s: error repeats the value: %q", c.name, msg)
		}
		if !strings.Contains(msg, c.path+": ") || !strings.Contains(msg, c.reason) {
			t.Errorf("%s: error %q, want path %q and reason %q", c.name, msg, c.path, c.reason)
		}
	}
}

// A bad indent is reported at the line that has it (yaml.v3 names the line
// where the enclosing block started).
func TestBadIndentReportsItsLine(t *testing.T) {
	cases := []struct {
		yml  string
		line string
	}{
		{"webhooks:\n  token: x\n max_body_bytes: 5000\n", "line 3:"},
		{"webhooks:\n  token: x\n    max_body_bytes: 5000\n", "line 3:"},
		{"# comment\nairudder:\n  accounts:\n    - name: a\n      window_days: 2\n    - name: b\n     window_days: 3\n", "line 7:"},
		{"webhooks:\n  token: x\n\n  max_body_bytes: 5000\n   dedup_window: 1h\n", "line 5:"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.yml))
		if err == nil || !strings.Contains(err.Error(), c.line) {
			t.Errorf("%q: error %v, want it at %s", c.yml, err, c.line)
		}
	}
}
