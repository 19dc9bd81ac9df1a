package server

import (
	"os"

	"github.com/go-kit/log/level"
	"gopkg.in/yaml.v3"
)

// warnBasicAuthWithoutWebhookListener tells the operator, once at start, that
// vendors cannot post webhooks through basic auth: they only send a URL
// (with the exporter's ?token=). The fix is --webhook.listen-address.
func (s *Server) warnBasicAuthWithoutWebhookListener(separate bool) {
	path := *s.o.Web.WebConfigFile
	if separate || path == "" {
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return // exporter-toolkit reports unreadable files itself
	}
	var wc struct {
		Users map[string]string `yaml:"basic_auth_users"`
	}
	if yaml.Unmarshal(b, &wc) == nil && len(wc.Users) > 0 {
		level.Warn(s.logger).Log("msg", "--web.config.file enables basic auth, which also guards /webhooks/*; vendors cannot send basic auth, so set --webhook.listen-address to serve webhooks (token-protected) on their own port")
	}
}
