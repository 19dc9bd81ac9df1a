package config

import (
	"net/netip"
	"testing"
	"time"
)

// checkInvariants asserts what every successfully parsed Config must satisfy,
// whatever the input: defaults filled in and every bound enforced. The fuzz
// target uses it too, so "Parse accepted it" always means "it is usable".
func checkInvariants(t testing.TB, c *Config) {
	t.Helper()
	if c == nil {
		t.Fatal("Parse returned a nil Config without an error")
	}
	seen := map[string]bool{}
	for i, a := range c.AiRudder.Accounts {
		if !validName.MatchString(a.Name) {
			t.Errorf("accounts[%d]: invalid name %q accepted", i, a.Name)
		}
		if seen[a.Name] {
			t.Errorf("accounts[%d]: duplicate name %q accepted", i, a.Name)
		}
		seen[a.Name] = true
		if a.BaseURL == "" || a.BaseURL[len(a.BaseURL)-1] == '/' {
			t.Errorf("accounts[%d]: base_url %q empty or not trimmed", i, a.BaseURL)
		}
		if a.Location == nil || a.Timezone == "" {
			t.Errorf("accounts[%d]: timezone %q not resolved (Location=%v)", i, a.Timezone, a.Location)
		}
		if a.AppKey != "" && a.AppSecret == "" {
			t.Errorf("accounts[%d]: app_key without app_secret accepted", i)
		}
		if a.MinInterval <= 0 || a.Timeout <= 0 {
			t.Errorf("accounts[%d]: min_interval %v / timeout %v not positive", i, a.MinInterval.D(), a.Timeout.D())
		}
		if a.WindowDays < 1 || a.WindowDays > 31 {
			t.Errorf("accounts[%d]: window_days %d out of range", i, a.WindowDays)
		}
		if a.MaxLabelValues < 1 || a.MaxLabelValues > 1000 {
			t.Errorf("accounts[%d]: max_label_values %d out of range", i, a.MaxLabelValues)
		}
	}
	w := c.Webhooks
	if w.MaxBodyBytes < 1024 || w.MaxBodyBytes > 64<<20 {
		t.Errorf("webhooks.max_body_bytes %d out of range", w.MaxBodyBytes)
	}
	if w.DedupWindow.D() < time.Minute {
		t.Errorf("webhooks.dedup_window %v below 1m", w.DedupWindow.D())
	}
	if w.DedupMaxEntries < 1000 || w.DedupMaxEntries > 50_000_000 {
		t.Errorf("webhooks.dedup_max_entries %d out of range", w.DedupMaxEntries)
	}
	if w.MaxLabelValues < 1 || w.MaxLabelValues > 1000 {
		t.Errorf("webhooks.max_label_values %d out of range", w.MaxLabelValues)
	}
	if w.MaxConcurrentRequests < 1 {
		t.Errorf("webhooks.max_concurrent_requests %d not positive", w.MaxConcurrentRequests)
	}
	if w.ReadTimeout <= 0 {
		t.Errorf("webhooks.read_timeout %v not positive", w.ReadTimeout.D())
	}
	if len(w.AllowedPrefixes) != len(w.AllowedCIDRs) || len(w.TrustedPrefixes) != len(w.TrustedProxies) {
		t.Errorf("prefix count mismatch: allowed %d/%d trusted %d/%d",
			len(w.AllowedPrefixes), len(w.AllowedCIDRs), len(w.TrustedPrefixes), len(w.TrustedProxies))
	}
	for _, p := range append(append([]netip.Prefix{}, w.AllowedPrefixes...), w.TrustedPrefixes...) {
		if !p.IsValid() || p != p.Masked() {
			t.Errorf("prefix %v invalid or not masked", p)
		}
	}
}
