package config

import (
	"errors"
	"io/fs"
	"os"
	"testing"
)

// shippedConfig is the example config at the repository root.
const shippedConfig = "../config.yml"

// loadShipped loads ../config.yml with every ${VAR} it references set to
// empty, then to the values in env. It skips when the file is absent.
func loadShipped(t *testing.T, env map[string]string) *Config {
	t.Helper()
	b, err := os.ReadFile(shippedConfig)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s not present", shippedConfig)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range envRef.FindAllSubmatch(b, -1) {
		t.Setenv(string(m[1]), "")
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	c, err := Load(shippedConfig)
	if err != nil {
		t.Fatalf("shipped config with env %v: %v", env, err)
	}
	checkInvariants(t, c)
	return c
}

// Out of the box, with no credentials, the exporter must start (receiver
// only) and explain why each account is skipped.
func TestShippedConfigWithoutEnv(t *testing.T) {
	c := loadShipped(t, nil)
	enabled, skipped := c.EnabledAccounts()
	if len(enabled) != 0 {
		t.Errorf("no credentials set but %d accounts enabled", len(enabled))
	}
	for _, a := range c.AiRudder.Accounts {
		if skipped[a.Name] == "" {
			t.Errorf("account %q neither enabled nor skipped with a reason", a.Name)
		}
	}
}

// The two documented variables are all it takes to scrape one account, and
// any secret value (here one full of YAML syntax) arrives unchanged.
func TestShippedConfigWithCredentials(t *testing.T) {
	c := loadShipped(t, map[string]string{
		"AIRUDDER_APP_KEY":    "key-from-env",
		"AIRUDDER_APP_SECRET": yamlHostileSecret,
	})
	enabled, _ := c.EnabledAccounts()
	if len(enabled) != 1 {
		t.Fatalf("got %d enabled accounts, want 1", len(enabled))
	}
	if enabled[0].AppKey != "key-from-env" {
		t.Errorf("app_key = %q, want key-from-env", enabled[0].AppKey)
	}
	if got := string(enabled[0].AppSecret); got != yamlHostileSecret {
		t.Errorf("app_secret = %q, want %q byte for byte", got, yamlHostileSecret)
	}
}
