// Package config loads, validates and holds the exporter's configuration.
//
// The file is YAML, decoded strictly (unknown keys are errors), with ${ENV_VAR}
// references in values expanded after parsing and `*_file` variants for
// secrets. A Config is immutable once loaded: reloads build a new one and
// swap it in atomically through a Holder, so readers never see a
// half-applied file.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Defaults applied to fields the file leaves out.
const (
	DefaultBaseURL        = "https://api.airudder.com"
	DefaultTimezone       = "UTC"
	DefaultMinInterval    = 30 * time.Second
	DefaultRequestTimeout = 10 * time.Second
	DefaultWindowDays     = 1
	DefaultMaxLabelValues = 50
	DefaultMaxBodyBytes   = 1 << 20
	// DefaultLaafficMaxBodyBytes: LAAFFIC posts batches whose size it does
	// not document; 1 MiB holds only about 1 100 IVR records, and a batch
	// refused with 413 is retried whole, forever.
	DefaultLaafficMaxBodyBytes = 8 << 20
	// DefaultMaxBodyBytesInFlight bounds the webhook bodies held in memory
	// at once: eight LAAFFIC batches of the largest default size, or tens
	// of thousands of single calls (max_concurrent_requests binds first).
	DefaultMaxBodyBytesInFlight = 64 << 20
	DefaultDedupWindow          = 3 * time.Hour
	DefaultDedupMaxEntries      = 2_000_000
	DefaultMaxConcurrent        = 256
	DefaultReadTimeout          = 10 * time.Second
)

// Config is the whole file.
type Config struct {
	AiRudder AiRudder `yaml:"airudder"`
	Laaffic  Laaffic  `yaml:"laaffic"`
	Webhooks Webhooks `yaml:"webhooks"`
}

// AiRudder holds the accounts whose inbound statistics are scraped.
type AiRudder struct {
	Accounts []Account `yaml:"accounts"`
}

// Account is one AiRudder account (one APPKey) scraped by the collector.
type Account struct {
	// Name is the value of the `account` label.
	Name    string `yaml:"name"`
	BaseURL string `yaml:"base_url"`
	AppKey  string `yaml:"app_key"`
	// AppKeyFile, when set, is read and its trimmed content used as AppKey.
	AppKeyFile    string `yaml:"app_key_file"`
	AppSecret     Secret `yaml:"app_secret"`
	AppSecretFile string `yaml:"app_secret_file"`
	// Timezone is an IANA zone; start_time/end_time are sent in it.
	Timezone string `yaml:"timezone"`
	// MinInterval: at most one statistics request per account per interval;
	// scrapes in between share the cached result.
	MinInterval Duration `yaml:"min_interval"`
	// Timeout bounds one upstream request (login or statistics). The scrape
	// timeout announced by Prometheus can shorten it further.
	Timeout Duration `yaml:"timeout"`
	// WindowDays is the statistics window: from local midnight WindowDays-1
	// days ago until now. 1 means "today so far".
	WindowDays int `yaml:"window_days"`
	// MaxLabelValues caps the distinct values of each open-ended label
	// (story, intention, reason, ticket type); the rest fold into "other".
	MaxLabelValues int `yaml:"max_label_values"`
	// Disabled keeps the account in the file but stops scraping it.
	Disabled bool `yaml:"disabled"`
	// WebhookToken, when set, is the token for /webhooks/airudder/<name>
	// instead of webhooks.token (see LaafficAccount.WebhookToken).
	WebhookToken     Secret `yaml:"webhook_token"`
	WebhookTokenFile string `yaml:"webhook_token_file"`
	// AESKey, when set, decrypts the account's encrypted webhooks
	// (airudder_aes.go); AESKeyFile is its *_file form.
	AESKey     Secret `yaml:"aes_key"`
	AESKeyFile string `yaml:"aes_key_file"`

	// Location is Timezone resolved at load time.
	Location *time.Location `yaml:"-"`
}

// Webhooks configures the webhook receiver.
type Webhooks struct {
	// Token, when set, must accompany every webhook request as ?token=<t>
	// or `Authorization: Bearer <t>`.
	Token     Secret `yaml:"token"`
	TokenFile string `yaml:"token_file"`
	// MaxBodyBytes: larger bodies get 413 without being read in full.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// LaafficMaxBodyBytes is MaxBodyBytes for the LAAFFIC route; unset, it
	// is the larger of max_body_bytes and DefaultLaafficMaxBodyBytes.
	LaafficMaxBodyBytes int64 `yaml:"laaffic_max_body_bytes"`
	// DedupWindow: how long a call id is remembered to drop re-deliveries.
	DedupWindow Duration `yaml:"dedup_window"`
	// DedupMaxEntries bounds the dedup memory; the oldest ids go first.
	DedupMaxEntries int `yaml:"dedup_max_entries"`
	// MaxLabelValues caps every open-ended webhook label (result_label,
	// question, event label, intent, country, bill period ...).
	MaxLabelValues int `yaml:"max_label_values"`
	// MaxBodyBytesInFlight bounds the bytes of the webhook bodies held in
	// memory at once (the length a request announces, else its route's
	// body limit): one that does not fit waits like a request without a
	// slot, then gets 503. Unset, the larger of DefaultMaxBodyBytesInFlight
	// and the largest body limit; never below that limit.
	MaxBodyBytesInFlight int64 `yaml:"max_body_bytes_in_flight"`
	// MaxConcurrentRequests: webhook requests beyond it wait for a slot
	// (up to the shorter of ReadTimeout and 2 s), then get 503 so the vendor
	// retries.
	MaxConcurrentRequests int `yaml:"max_concurrent_requests"`
	// ReadTimeout bounds reading one webhook body.
	ReadTimeout Duration `yaml:"read_timeout"`
	// AllowedCIDRs, when non-empty, is the only set of source addresses
	// allowed to post webhooks (403 otherwise).
	AllowedCIDRs []string `yaml:"allowed_cidrs"`
	// TrustedProxies: only requests from these networks may name the
	// client in X-Forwarded-For.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// InfoCheckQuestions allow-lists question_name label values; empty
	// means "any, under the cap".
	InfoCheckQuestions []string `yaml:"infocheck_questions"`
	// EventLabels allow-lists EventLabel keys; empty means "any, under the cap".
	EventLabels []string `yaml:"event_labels"`
	// Redis, when its address is set, holds the dedup memory shared by
	// several exporter replicas (config/redis.go).
	Redis Redis `yaml:"redis"`
	// Robots maps an AiRudder robot_hash to the name shown as the `robot`
	// label; unmapped hashes keep the hash (capped).
	Robots map[string]string `yaml:"robots"`
	// Campaigns are ordered rules naming the `campaign` label from an
	// AiRudder task_name (config/airudder_webhooks.go).
	Campaigns []CampaignRule `yaml:"campaigns"`
	// TransferEventLabels are the EventLabel keys that mark an AiRudder call
	// as transferred to an agent (default DefaultTransferEventLabels).
	TransferEventLabels []string `yaml:"transfer_event_labels"`
	// LaafficScripts names LAAFFIC AI scripts: scriptId → `script` label
	// value. Unmapped ids keep the id, capped by MaxLabelValues.
	LaafficScripts map[string]string `yaml:"laaffic_scripts"`

	// Parsed forms of AllowedCIDRs and TrustedProxies.
	AllowedPrefixes []netip.Prefix `yaml:"-"`
	TrustedPrefixes []netip.Prefix `yaml:"-"`

	// Accounts a webhook path may name per vendor, with each account's own
	// token ("" = Token); filled from airudder.accounts / laaffic.accounts
	// at load time, so the receiver needs only this section.
	AiRudderAccounts map[string]Secret `yaml:"-"`
	LaafficAccounts  map[string]Secret `yaml:"-"`
	// AiRudderLocations: each AiRudder account's time zone (call_end_time
	// is local time), filled at load time.
	AiRudderLocations map[string]*time.Location `yaml:"-"`
	// AiRudderAESKeys: the AiRudder accounts' webhook decryption keys by
	// account name, filled at load time (only accounts with a key).
	AiRudderAESKeys map[string]Secret `yaml:"-"`
}

// Secret is a string that never prints itself.
type Secret string

// String hides the value; use string(s) where the value is really needed.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "<secret>"
}

// MarshalYAML hides the value too, so a dumped config leaks nothing.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// Format hides the value from every fmt verb: %#v and %d bypass String().
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// MarshalJSON hides the value from JSON dumps and JSON log handlers.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Duration is a time.Duration read from strings such as "30s" or "2h".
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: must be a duration such as 30s or 2h", n.Line)}}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		// The value is not repeated: it may be a pasted secret.
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: must be a duration such as 30s or 2h", n.Line)}}
	}
	*d = Duration(v)
	return nil
}

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Load reads and validates the file at path.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// envRef is a reference to an environment variable. Only the braced form
// is one, so a literal "$" in a value survives.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// envRefs expands the references after the YAML is parsed, into scalar
// values only: a variable's value then arrives byte for byte whatever it
// holds (quotes, "#", ": ", line breaks), as it is never read as YAML.
//
// Before parsing, each reference is replaced in the text by a placeholder
// (mark, index, "_"), which YAML reads alike in every context: "{" and "}"
// are syntax inside [ ] and { }, where a bare ${NAME} would not parse.
type envRefs struct {
	mark  string         // absent from the file, so every mark is a placeholder
	names []string       // the variable of each placeholder
	ph    *regexp.Regexp // a placeholder
}

// hideEnvRefs returns b with its references replaced by placeholders, and
// what expands them (nil when b has none).
func hideEnvRefs(b []byte) ([]byte, *envRefs) {
	if !envRef.Match(b) {
		return b, nil
	}
	// The mark's first letter occurs nowhere else in it, so no mark can
	// start in the text just before a placeholder and end inside it.
	r := &envRefs{mark: "EnvRef"}
	for bytes.Contains(b, []byte(r.mark)) {
		r.mark += "x"
	}
	r.ph = regexp.MustCompile(r.mark + `([0-9]+)_`)
	out := envRef.ReplaceAllFunc(b, func(m []byte) []byte {
		r.names = append(r.names, string(m[2:len(m)-1]))
		return fmt.Appendf(nil, "%s%d_", r.mark, len(r.names)-1)
	})
	return out, r
}

// replace replaces the placeholders in s with the values of their variables
// (empty when unset; a value is never expanded again) or, when !expand,
// with the references as written. It reports whether s had a placeholder.
func (r *envRefs) replace(s string, expand bool) (string, bool) {
	if r == nil || !strings.Contains(s, r.mark) {
		return s, false
	}
	return r.ph.ReplaceAllStringFunc(s, func(m string) string {
		i, err := strconv.Atoi(m[len(r.mark) : len(m)-1])
		if err != nil || i >= len(r.names) {
			return m
		}
		if expand {
			return os.Getenv(r.names[i])
		}
		return "${" + r.names[i] + "}"
	}), true
}

// expand expands the placeholders in the scalar values of the tree and puts
// back the references as written in its mapping keys, which are never
// expanded. Aliases share the expansion of their anchor.
func (r *envRefs) expand(n *yaml.Node, key bool) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			r.expand(c, key)
		}
	case yaml.MappingNode:
		for i, c := range n.Content {
			r.expand(c, key || i%2 == 0)
		}
	case yaml.ScalarNode:
		v, ok := r.replace(n.Value, !key)
		if !ok {
			return
		}
		n.Value = v
		const written = yaml.TaggedStyle | yaml.SingleQuotedStyle | yaml.DoubleQuotedStyle | yaml.LiteralStyle | yaml.FoldedStyle
		if key || n.Style&written != 0 {
			return // a string, or the tag the file gives
		}
		// An unquoted value is typed as YAML types one (max_body_bytes:
		// ${MAX} is a number), except that a non-empty value is never null:
		// a token "null" or "~" stays that string.
		n.Tag = ""
		n.Tag = n.ShortTag()
		if n.Tag == "!!null" && v != "" {
			n.Tag = "!!str"
		}
	}
}

// Parse parses, expands the environment references, decodes strictly,
// applies defaults and validates.
func Parse(b []byte) (*Config, error) {
	src, refs := hideEnvRefs(b)
	// The node tree gives error messages their YAML paths.
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, fmt.Errorf("parsing config: %w", describeSyntaxError(err, src))
	}
	c := &Config{}
	if root.Kind != 0 { // 0: an empty file, every default
		refs.expand(&root, false)
		if err := decodeStrict(src, &root, c); err != nil {
			return nil, fmt.Errorf("parsing config: %w", describeDecodeError(err, &root))
		}
	}
	if err := c.finish(); err != nil {
		return nil, err
	}
	return c, nil
}

// decodeStrict decodes root, src parsed and expanded, into c, refusing
// unknown keys. yaml.v3 refuses them only when decoding text, not a node
// tree, so they come from a decode of src: keys are never expanded, so it
// finds the same ones. Its other errors are those of values not yet
// expanded and are dropped.
func decodeStrict(b []byte, root *yaml.Node, c *Config) error {
	var msgs []string
	var te *yaml.TypeError
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&Config{}); errors.As(err, &te) {
		for _, m := range te.Errors {
			if strings.Contains(m, " not found in type ") {
				msgs = append(msgs, m)
			}
		}
	}
	if err := root.Decode(c); err != nil {
		if !errors.As(err, &te) {
			return err
		}
		msgs = append(msgs, te.Errors...)
	}
	if len(msgs) == 0 {
		return nil
	}
	// In file order, as one strict decode would list them.
	sort.SliceStable(msgs, func(i, j int) bool { return errorLine(msgs[i]) < errorLine(msgs[j]) })
	return &yaml.TypeError{Errors: msgs}
}

// errorLine is the line a yaml.v3 error message starts with, 0 if none.
func errorLine(msg string) int {
	m := yamlLine.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// maxSecretFileBytes bounds *_file reads: a secret is a few dozen bytes, and
// a mistyped path to a huge file (or /dev/zero) must not eat the memory.
const maxSecretFileBytes = 64 << 10

func readSecretFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", newFileError(err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFileBytes+1))
	if err != nil {
		return "", newFileError(err)
	}
	if len(b) > maxSecretFileBytes {
		return "", fmt.Errorf("file larger than %d bytes; not a secret", maxSecretFileBytes)
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		// Taken as "not set", an empty token_file would turn webhook
		// authentication off and an empty webhook_token_file fall back to
		// webhooks.token: a file given is a secret expected. The path is
		// named (unlike a missing file's, which may be a value pasted in the
		// wrong key): the file exists, so it is a path.
		return "", fmt.Errorf("file %q is empty (or only whitespace): put the secret in it or remove the key", path)
	}
	return v, nil
}

// resolveSecret reads the secret of key from file into *val when key_file
// is set; a file may not be combined with the value itself, nor be empty. where is the
// YAML path holding key, for the errors.
func resolveSecret[S ~string](where, key string, val *S, file string) error {
	if *val != "" && file != "" {
		return fmt.Errorf("%s: %s and %s_file are mutually exclusive", where, key, key)
	}
	if file != "" {
		v, err := readSecretFile(file)
		if err != nil {
			return fmt.Errorf("%s.%s_file: %w", where, key, err)
		}
		*val = S(v)
	}
	return nil
}

var validName = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)

// claimAccountName names an unnamed account DefaultWebhookAccount and checks
// the name is usable as a label value and URL path segment and not yet in
// seen; kind names the accounts in the duplicate error.
func claimAccountName(seen map[string]bool, name *string, where, kind string) error {
	if *name == "" {
		*name = DefaultWebhookAccount
	}
	if !validName.MatchString(*name) {
		return fmt.Errorf("%s.name: must be 1-64 characters of [A-Za-z0-9_.:-]", where)
	}
	if seen[*name] {
		return fmt.Errorf("%s.name: duplicate %s name (an account without a name is \"default\")", where, kind)
	}
	seen[*name] = true
	return nil
}

// finish applies defaults, reads secret files and validates. Every rule has
// its own invalid file under testdata/.
func (c *Config) finish() error {
	seen := map[string]bool{}
	for i := range c.AiRudder.Accounts {
		a := &c.AiRudder.Accounts[i]
		where := fmt.Sprintf("airudder.accounts[%d]", i)
		if err := claimAccountName(seen, &a.Name, where, "account"); err != nil {
			return err
		}
		*a = a.WithDefaults()
		u, err := url.Parse(a.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%s.base_url: must be an absolute http(s) URL", where)
		}
		if err := resolveSecret(where, "app_key", &a.AppKey, a.AppKeyFile); err != nil {
			return err
		}
		if err := resolveSecret(where, "app_secret", &a.AppSecret, a.AppSecretFile); err != nil {
			return err
		}
		if a.AppKey != "" && a.AppSecret == "" {
			return fmt.Errorf("%s: app_key is set but app_secret (or app_secret_file) is empty", where)
		}
		if _, err := time.LoadLocation(a.Timezone); err != nil {
			return fmt.Errorf("%s.timezone: unknown IANA time zone", where)
		}
		if a.MinInterval < 0 {
			return fmt.Errorf("%s: min_interval must not be negative", where)
		}
		if a.Timeout < 0 {
			return fmt.Errorf("%s: timeout must be positive", where)
		}
		if a.WindowDays < 1 || a.WindowDays > 31 {
			return fmt.Errorf("%s: window_days must be between 1 and 31", where)
		}
		if a.MaxLabelValues < 1 || a.MaxLabelValues > 1000 {
			return fmt.Errorf("%s: max_label_values must be between 1 and 1000", where)
		}
		if err := resolveSecret(where, "webhook_token", &a.WebhookToken, a.WebhookTokenFile); err != nil {
			return err
		}
	}
	if err := c.finishLaaffic(); err != nil {
		return err
	}

	w := &c.Webhooks
	if err := resolveSecret("webhooks", "token", &w.Token, w.TokenFile); err != nil {
		return err
	}
	// Check what the file set; what it left out (zero) gets its default.
	if w.MaxBodyBytes != 0 && (w.MaxBodyBytes < 1024 || w.MaxBodyBytes > 64<<20) {
		return errors.New("webhooks.max_body_bytes must be between 1024 and 67108864")
	}
	if w.LaafficMaxBodyBytes != 0 && (w.LaafficMaxBodyBytes < 1024 || w.LaafficMaxBodyBytes > 64<<20) {
		return errors.New("webhooks.laaffic_max_body_bytes must be between 1024 and 67108864")
	}
	if w.DedupWindow != 0 && w.DedupWindow < Duration(time.Minute) {
		return errors.New("webhooks.dedup_window must be at least 1m (AiRudder retries every minute, 5 times)")
	}
	if w.DedupMaxEntries != 0 && (w.DedupMaxEntries < 1000 || w.DedupMaxEntries > 50_000_000) {
		return errors.New("webhooks.dedup_max_entries must be between 1000 and 50000000")
	}
	if w.MaxLabelValues < 0 || w.MaxLabelValues > 1000 {
		return errors.New("webhooks.max_label_values must be between 1 and 1000")
	}
	if w.MaxConcurrentRequests < 0 {
		return errors.New("webhooks.max_concurrent_requests must be positive")
	}
	if w.MaxBodyBytesInFlight != 0 {
		largest := max(w.WithDefaults().MaxBodyBytes, w.WithDefaults().LaafficMaxBodyBytes)
		if w.MaxBodyBytesInFlight < largest || w.MaxBodyBytesInFlight > 16<<30 {
			return fmt.Errorf("webhooks.max_body_bytes_in_flight must be between the largest body limit (%d) and 17179869184", largest)
		}
	}
	if w.ReadTimeout < 0 {
		return errors.New("webhooks.read_timeout must be positive")
	}
	*w = w.WithDefaults()
	var err error
	if w.AllowedPrefixes, err = parsePrefixes("webhooks.allowed_cidrs", w.AllowedCIDRs); err != nil {
		return err
	}
	if w.TrustedPrefixes, err = parsePrefixes("webhooks.trusted_proxies", w.TrustedProxies); err != nil {
		return err
	}
	if err := w.checkLaafficScripts(); err != nil {
		return err
	}
	w.AiRudderAccounts, w.LaafficAccounts = c.WebhookAccounts()
	if err := c.finishAiRudderAESKeys(); err != nil {
		return err
	}
	if err := w.Redis.finish(); err != nil {
		return err
	}
	return c.finishAiRudderWebhooks()
}

// WithDefaults returns a with every unset setting at its default, as Load
// leaves it: the poller calls it for accounts built without Load too (a
// zero timeout would fail every request, a zero cap fold every key).
func (a Account) WithDefaults() Account {
	if a.BaseURL == "" {
		a.BaseURL = DefaultBaseURL
	}
	a.BaseURL = strings.TrimRight(a.BaseURL, "/")
	if a.Timezone == "" {
		a.Timezone = DefaultTimezone
	}
	if a.Location == nil {
		// An unknown zone is an error of Load; here it falls back to UTC.
		a.Location = time.UTC
		if loc, err := time.LoadLocation(a.Timezone); err == nil {
			a.Location = loc
		}
	}
	if a.MinInterval == 0 {
		a.MinInterval = Duration(DefaultMinInterval)
	}
	if a.Timeout == 0 {
		a.Timeout = Duration(DefaultRequestTimeout)
	}
	if a.WindowDays == 0 {
		a.WindowDays = DefaultWindowDays
	}
	if a.MaxLabelValues == 0 {
		a.MaxLabelValues = DefaultMaxLabelValues
	}
	return a
}

// parsePrefixes accepts CIDRs and bare addresses (a single host).
func parsePrefixes(field string, in []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(in))
	for i, s := range in {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			// Peers are compared unmapped, so ::ffff:a.b.c.d/n becomes a.b.c.d/(n-96).
			if p.Addr().Is4In6() && p.Bits() >= 96 {
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: neither a CIDR nor an IP address", field, i)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// EnabledAccounts returns the accounts the collector should scrape and, for
// each skipped one, a human reason (no credentials, disabled).
func (c *Config) EnabledAccounts() (enabled []Account, skipped map[string]string) {
	skipped = map[string]string{}
	for _, a := range c.AiRudder.Accounts {
		switch {
		case a.Disabled:
			skipped[a.Name] = "disabled in config"
		case a.AppKey == "":
			skipped[a.Name] = "no app_key given (set AIRUDDER_APP_KEY / AIRUDDER_APP_SECRET or app_key_file)"
		default:
			enabled = append(enabled, a)
		}
	}
	return enabled, skipped
}
