package config

import "fmt"

// finishAiRudderAESKeys reads and checks airudder.accounts[].aes_key /
// aes_key_file, the keys AiRudder encrypts an account's webhooks with, and
// fills Webhooks.AiRudderAESKeys. The key is used as raw bytes (AES-128,
// -192 or -256 by its length). Errors name the field, never the key.
func (c *Config) finishAiRudderAESKeys() error {
	var keys map[string]Secret // nil: no account has a key
	for i := range c.AiRudder.Accounts {
		a := &c.AiRudder.Accounts[i]
		where := fmt.Sprintf("airudder.accounts[%d]", i)
		if err := resolveSecret(where, "aes_key", &a.AESKey, a.AESKeyFile); err != nil {
			return err
		}
		if a.AESKey == "" {
			continue
		}
		if n := len(a.AESKey); n != 16 && n != 24 && n != 32 {
			return fmt.Errorf("%s.aes_key: the key must be 16, 24 or 32 bytes (AES-128, -192, -256), not %d", where, n)
		}
		if keys == nil {
			keys = map[string]Secret{}
		}
		keys[a.Name] = a.AESKey
	}
	c.Webhooks.AiRudderAESKeys = keys
	return nil
}
