package config

import (
	"net/netip"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"airudder_exporter/internal/testkit"
)

func mustLoad(t *testing.T, name string) *Config {
	t.Helper()
	c, err := Load(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("Load(%s): %v", name, err)
	}
	checkInvariants(t, c)
	return c
}

func mustParse(t *testing.T, src string) *Config {
	t.Helper()
	c, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	checkInvariants(t, c)
	return c
}

func prefixes(t *testing.T, ss ...string) []netip.Prefix {
	t.Helper()
	out := make([]netip.Prefix, 0, len(ss))
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// compareAccount checks every field, Location by name (two loads of a zone
// are different pointers).
func compareAccount(t *testing.T, got, want Account) {
	t.Helper()
	if got.Location == nil || got.Location.String() != want.Timezone {
		t.Errorf("account %q: Location = %v, want %s", want.Name, got.Location, want.Timezone)
	}
	got.Location, want.Location = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("account mismatch\n got: %#v\nwant: %#v", got, want)
	}
}

func TestValidFull(t *testing.T) {
	c := mustLoad(t, "valid-full.yml")
	if n := len(c.AiRudder.Accounts); n != 2 {
		t.Fatalf("got %d accounts, want 2", n)
	}
	compareAccount(t, c.AiRudder.Accounts[0], Account{
		Name:           "primary",
		BaseURL:        "https://api.example.test", // trailing slash trimmed
		AppKey:         "inline-key",
		AppSecret:      "inline-$ecret$$", // a literal $ is not an env reference
		Timezone:       "Asia/Jakarta",
		MinInterval:    Duration(45 * time.Second),
		Timeout:        Duration(7 * time.Second),
		WindowDays:     7,
		MaxLabelValues: 120,
		WebhookToken:   "primary-hook-token",
		AESKey:         "airudderredduria",
	})
	compareAccount(t, c.AiRudder.Accounts[1], Account{
		Name:             "secondary.eu-1:b",
		BaseURL:          "http://127.0.0.1:8080/api",
		AppKey:           "key-from-file", // file content trimmed
		AppKeyFile:       "testdata/secrets/app_key.txt",
		AppSecret:        "secret-from-file", // tab, space and newline trimmed
		AppSecretFile:    "testdata/secrets/app_secret.txt",
		Timezone:         "Europe/Berlin",
		MinInterval:      Duration(2 * time.Minute),
		Timeout:          Duration(1500 * time.Millisecond),
		WindowDays:       31,
		MaxLabelValues:   1000,
		Disabled:         true,
		WebhookToken:     "token-from-file",
		WebhookTokenFile: "testdata/secrets/token.txt",
		AESKey:           "airudderredduriaairudderredduria",
		AESKeyFile:       "testdata/secrets/aes_key.txt",
	})

	want := Webhooks{
		Token:                 "token-from-file",
		TokenFile:             "testdata/secrets/token.txt",
		MaxBodyBytes:          2 << 20,
		LaafficMaxBodyBytes:   4 << 20,
		DedupWindow:           Duration(6 * time.Hour),
		DedupMaxEntries:       5000,
		MaxLabelValues:        80,
		MaxBodyBytesInFlight:  32 << 20,
		MaxConcurrentRequests: 64,
		ReadTimeout:           Duration(15 * time.Second),
		AllowedCIDRs:          []string{"10.0.0.0/8", "192.168.1.77/24", "203.0.113.9", "2001:db8::/32"},
		TrustedProxies:        []string{"127.0.0.1", " ::1 "},
		InfoCheckQuestions:    []string{"age", "income"},
		EventLabels:           []string{"promise_to_pay", "callback"},
		Redis: Redis{
			Address:      "redis.internal:6380",
			Username:     "exporter",
			Password:     "redis-pass-from-file", // file content trimmed
			PasswordFile: "testdata/secrets/redis_password.txt",
			DB:           3,
			KeyPrefix:    "prod-a:",
			TLS: &RedisTLS{
				CAFile:   "testdata/secrets/redis_ca.crt",
				CertFile: "testdata/secrets/redis_client.crt",
				KeyFile:  "testdata/secrets/redis_client.key",
			},
			Timeout: Duration(750 * time.Millisecond),
		},
		Robots: map[string]string{"f3298554be9xxxxxxxxaa595674": "collections-id", "a77e01c2d4": "Reminder bot (EN)"},
		Campaigns: []CampaignRule{
			{Match: `^(?P<product>[a-z]+)_collect_\d{8}$`, Name: "$product-collect", Re: regexp.MustCompile(`^(?P<product>[a-z]+)_collect_\d{8}$`)},
			{Match: `^reminder_([a-z]{2})_`, Name: "reminder-$1", Re: regexp.MustCompile(`^reminder_([a-z]{2})_`)},
			{Match: `(?i)survey`, Name: "survey", Re: regexp.MustCompile(`(?i)survey`)},
		},
		TransferEventLabels: []string{"RequestAgent", "Transfer"},
		AiRudderLocations:   map[string]*time.Location{"default": time.UTC, "primary": c.AiRudder.Accounts[0].Location, "secondary.eu-1:b": c.AiRudder.Accounts[1].Location},
		LaafficScripts:      map[string]string{"123": "collections-v2", "456": "reminder (id)"},
		// Host bits masked, bare addresses become single-host prefixes.
		AllowedPrefixes: prefixes(t, "10.0.0.0/8", "192.168.1.0/24", "203.0.113.9/32", "2001:db8::/32"),
		TrustedPrefixes: prefixes(t, "127.0.0.1/32", "::1/128"),
		// Every account of either vendor may be named in a webhook path,
		// each with its own token where it has one.
		AiRudderAccounts: map[string]Secret{"default": "", "primary": "primary-hook-token", "secondary.eu-1:b": "token-from-file"},
		LaafficAccounts:  map[string]Secret{"default": "", "ivr-eu": "ivr-eu-hook-token", "ivr-asia": "token-from-file"},
		AiRudderAESKeys:  map[string]Secret{"primary": "airudderredduria", "secondary.eu-1:b": "airudderredduriaairudderredduria"},
	}
	if len(c.Laaffic.Accounts) != 2 || c.Laaffic.Accounts[1].WebhookTokenFile != "testdata/secrets/token.txt" {
		t.Errorf("laaffic accounts = %#v", c.Laaffic.Accounts)
	} else {
		eu, asia := c.Laaffic.Accounts[0], c.Laaffic.Accounts[1]
		if eu.BaseURL != "https://laaffic.example.test" || eu.APIKey != "la-key" || eu.APISecret != "la-$ecret" ||
			eu.MinInterval != Duration(90*time.Second) || eu.Timeout != Duration(4*time.Second) {
			t.Errorf("laaffic account ivr-eu balance settings = %#v", eu)
		}
		// Defaults, and credentials read from files (trimmed).
		if asia.BaseURL != DefaultLaafficBaseURL || asia.APIKey != "key-from-file" || asia.APISecret != "secret-from-file" ||
			asia.MinInterval != Duration(DefaultLaafficMinInterval) || asia.Timeout != Duration(DefaultRequestTimeout) {
			t.Errorf("laaffic account ivr-asia balance settings = %#v", asia)
		}
		if got := c.BalanceAccounts(); len(got) != 2 {
			t.Errorf("BalanceAccounts = %d accounts, want 2", len(got))
		}
	}
	if !reflect.DeepEqual(c.Webhooks, want) {
		t.Errorf("webhooks mismatch\n got: %#v\nwant: %#v", c.Webhooks, want)
	}
}

// TestValidFullHasEveryKey keeps valid-full.yml honest: every yaml key of the
// config types must appear in it, so a new key gets a parse test.
func TestValidFullHasEveryKey(t *testing.T) {
	inFile := map[string]bool{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				inFile[n.Content[i].Value] = true
			}
		}
		for _, ch := range n.Content {
			walk(ch)
		}
	}
	// Keys that exclude keys of valid-full.yml have their own file.
	for _, name := range []string{"valid-full.yml", "valid-redis-sentinel.yml", "valid-redis-cluster.yml"} {
		var root yaml.Node
		if err := yaml.Unmarshal(testkit.ReadTestdata(t, name), &root); err != nil {
			t.Fatal(name, err)
		}
		walk(&root)
	}

	keys := yamlKeys(reflect.TypeOf(Config{}))
	if len(keys) < 25 {
		t.Fatalf("found only %d keys by reflection: %v", len(keys), keys)
	}
	for _, k := range keys {
		if !inFile[k] {
			t.Errorf("key %q is missing from testdata/valid-full.yml (or valid-redis-*.yml)", k)
		}
	}
}

// yamlKeys lists the yaml names of all fields reachable from t.
func yamlKeys(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		out = append(out, name)
		ft := f.Type
		if ft.Kind() == reflect.Slice || ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			out = append(out, yamlKeys(ft)...)
		}
	}
	return out
}

func defaultWebhooks() Webhooks {
	return Webhooks{
		MaxBodyBytes:          DefaultMaxBodyBytes,
		LaafficMaxBodyBytes:   DefaultLaafficMaxBodyBytes,
		DedupWindow:           Duration(DefaultDedupWindow),
		DedupMaxEntries:       DefaultDedupMaxEntries,
		MaxLabelValues:        DefaultMaxLabelValues,
		MaxBodyBytesInFlight:  DefaultMaxBodyBytesInFlight,
		MaxConcurrentRequests: DefaultMaxConcurrent,
		ReadTimeout:           Duration(DefaultReadTimeout),
		AllowedPrefixes:       []netip.Prefix{},
		TrustedPrefixes:       []netip.Prefix{},
		AiRudderAccounts:      map[string]Secret{DefaultWebhookAccount: ""},
		LaafficAccounts:       map[string]Secret{DefaultWebhookAccount: ""},
		TransferEventLabels:   DefaultTransferEventLabels,
		AiRudderLocations:     map[string]*time.Location{DefaultWebhookAccount: time.UTC},
	}
}

func TestValidMinimalDefaults(t *testing.T) {
	c := mustLoad(t, "valid-minimal.yml")
	if len(c.AiRudder.Accounts) != 1 {
		t.Fatalf("got %d accounts, want 1", len(c.AiRudder.Accounts))
	}
	a := c.AiRudder.Accounts[0]
	if a.Location != time.UTC {
		t.Errorf("Location = %v, want time.UTC", a.Location)
	}
	compareAccount(t, a, Account{
		Name:           "default",
		BaseURL:        DefaultBaseURL,
		AppKey:         "k",
		AppSecret:      "s",
		Timezone:       DefaultTimezone,
		MinInterval:    Duration(DefaultMinInterval),
		Timeout:        Duration(DefaultRequestTimeout),
		WindowDays:     DefaultWindowDays,
		MaxLabelValues: DefaultMaxLabelValues,
	})
	if !reflect.DeepEqual(c.Webhooks, defaultWebhooks()) {
		t.Errorf("webhooks = %#v, want defaults %#v", c.Webhooks, defaultWebhooks())
	}
}

// An empty file is a valid config: no accounts (receiver only), webhook defaults.
func TestEmptyConfig(t *testing.T) {
	for _, src := range []string{"", "# only a comment\n", "---\n", "{}\n", "airudder:\nwebhooks:\n"} {
		c := mustParse(t, src)
		if len(c.AiRudder.Accounts) != 0 {
			t.Errorf("%q: got %d accounts, want 0", src, len(c.AiRudder.Accounts))
		}
		if !reflect.DeepEqual(c.Webhooks, defaultWebhooks()) {
			t.Errorf("%q: webhooks = %#v, want defaults", src, c.Webhooks)
		}
	}
}

// Zero means "use the default" for every numeric and duration field.
func TestExplicitZeroMeansDefault(t *testing.T) {
	c := mustParse(t, `
airudder:
  accounts:
    - {min_interval: 0s, timeout: 0s, window_days: 0, max_label_values: 0}
webhooks: {max_body_bytes: 0, dedup_window: 0s, dedup_max_entries: 0, max_label_values: 0, max_concurrent_requests: 0, read_timeout: 0s}
`)
	a := c.AiRudder.Accounts[0]
	if a.MinInterval.D() != DefaultMinInterval || a.Timeout.D() != DefaultRequestTimeout ||
		a.WindowDays != DefaultWindowDays || a.MaxLabelValues != DefaultMaxLabelValues {
		t.Errorf("account zeros not defaulted: %+v", a)
	}
	if !reflect.DeepEqual(c.Webhooks, defaultWebhooks()) {
		t.Errorf("webhook zeros not defaulted: %#v", c.Webhooks)
	}
}

// Boundary values: the edges of each range are accepted, one step past is not.
func TestBounds(t *testing.T) {
	acct := func(kv string) string { return "airudder:\n  accounts:\n    - {" + kv + "}\n" }
	hook := func(kv string) string { return "webhooks: {" + kv + "}\n" }
	cases := []struct {
		src     string
		wantErr string // "" = valid
	}{
		{acct("window_days: 1"), ""},
		{acct("window_days: 31"), ""},
		{acct("window_days: -1"), "window_days"},
		{acct("max_label_values: 1"), ""},
		{acct("max_label_values: 1000"), ""},
		{acct("max_label_values: -1"), "max_label_values"},
		{acct("min_interval: 1ns"), ""},
		{acct("timeout: 1ms"), ""},
		{acct("name: " + strings.Repeat("a", 64)), ""},
		{acct("name: " + strings.Repeat("a", 65)), "name"},
		{acct(`name: "a/b"`), "name"},
		{acct(`base_url: "https://"`), "base_url"},
		{acct(`base_url: "api.airudder.com"`), "base_url"},
		{acct(`base_url: "http://[::1"`), "base_url"},
		{hook("max_body_bytes: 1024"), ""},
		{hook("max_body_bytes: 67108864"), ""},
		{hook("max_body_bytes: 67108865"), "max_body_bytes"},
		{hook("max_body_bytes: -1"), "max_body_bytes"},
		{hook("laaffic_max_body_bytes: 1024"), ""},
		{hook("laaffic_max_body_bytes: 67108864"), ""},
		{hook("laaffic_max_body_bytes: 67108865"), "laaffic_max_body_bytes"},
		{hook("laaffic_max_body_bytes: 1023"), "laaffic_max_body_bytes"},
		{hook("dedup_window: 1m"), ""},
		{hook("dedup_window: -1h"), "dedup_window"},
		{hook("dedup_max_entries: 1000"), ""},
		{hook("dedup_max_entries: 50000000"), ""},
		{hook("dedup_max_entries: 50000001"), "dedup_max_entries"},
		{hook("max_label_values: 1"), ""},
		{hook("max_label_values: 1000"), ""},
		{hook("max_label_values: 1001"), "max_label_values"},
		{hook("max_concurrent_requests: 1"), ""},
		{hook("read_timeout: 1ms"), ""},
	}
	for _, tc := range cases {
		c, err := Parse([]byte(tc.src))
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%q: unexpected error %v", tc.src, err)
		case tc.wantErr == "":
			checkInvariants(t, c)
		case err == nil:
			t.Errorf("%q: accepted, want an error about %s", tc.src, tc.wantErr)
		case !strings.Contains(err.Error(), tc.wantErr):
			t.Errorf("%q: error %q does not mention %s", tc.src, err, tc.wantErr)
		}
	}
}

// Two accounts without a name both become "default" and collide: the error
// must say so rather than silently merging them.
func TestTwoUnnamedAccountsCollide(t *testing.T) {
	_, err := Parse([]byte("airudder:\n  accounts:\n    - {}\n    - {}\n"))
	if err == nil || !strings.Contains(err.Error(), `airudder.accounts[1].name: duplicate account name`) {
		t.Fatalf("err = %v, want a duplicate name at airudder.accounts[1].name", err)
	}
}

func TestDurationErrorsMentionLine(t *testing.T) {
	cases := []struct {
		src, want string
	}{
		{"airudder:\n  accounts:\n    - timeout: 10 seconds\n", "line 3"},
		{"webhooks:\n  read_timeout: 1.5\n", "line 2"},         // no unit
		{"webhooks:\n\n\n  dedup_window: [1h]\n", "line 4"},    // not a scalar
		{"webhooks:\n  dedup_window: 9999999999h\n", "line 2"}, // overflows
		{"airudder:\n  accounts:\n    - min_interval: {}\n", "line 3"},
	}
	for _, tc := range cases {
		_, err := Parse([]byte(tc.src))
		if err == nil {
			t.Errorf("%q: accepted", tc.src)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %q does not mention %q", tc.src, err, tc.want)
		}
	}
}

func TestDurationD(t *testing.T) {
	var d Duration
	if err := yaml.Unmarshal([]byte("1h30m"), &d); err != nil {
		t.Fatal(err)
	}
	if d.D() != 90*time.Minute {
		t.Errorf("D() = %v, want 1h30m", d.D())
	}
}

func TestLoadMissingFile(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), "nope.yml"))
	if err == nil || c != nil {
		t.Fatalf("Load(missing) = %v, %v; want nil, error", c, err)
	}
}

func TestEnabledAccounts(t *testing.T) {
	c := mustParse(t, `
airudder:
  accounts:
    - {name: on-1, app_key: k1, app_secret: s1}
    - {name: off, app_key: k2, app_secret: s2, disabled: true}
    - {name: nokey}
    - {name: nokey-off, disabled: true}
    - {name: secret-only, app_secret: s5}
    - {name: on-2, app_key: k6, app_secret: s6}
`)
	enabled, skipped := c.EnabledAccounts()
	var names []string
	for _, a := range enabled {
		names = append(names, a.Name)
	}
	if !reflect.DeepEqual(names, []string{"on-1", "on-2"}) {
		t.Errorf("enabled = %v, want [on-1 on-2] in file order", names)
	}
	wantReason := map[string]string{
		"off":         "disabled",
		"nokey":       "no app_key",
		"nokey-off":   "disabled", // disabled wins: no point nagging about keys
		"secret-only": "no app_key",
	}
	if len(skipped) != len(wantReason) {
		t.Errorf("skipped = %v, want %d entries", skipped, len(wantReason))
	}
	for name, frag := range wantReason {
		if r, ok := skipped[name]; !ok || !strings.Contains(r, frag) {
			t.Errorf("skipped[%q] = %q (present %v), want it to mention %q", name, r, ok, frag)
		}
	}

	empty := mustParse(t, "")
	enabled, skipped = empty.EnabledAccounts()
	if len(enabled) != 0 || skipped == nil || len(skipped) != 0 {
		t.Errorf("empty config: enabled=%v skipped=%v, want none and a non-nil map", enabled, skipped)
	}
}
