// Package demo runs the exporter against simulated vendors: an AiRudder API
// and a LAAFFIC API on loopback ports (scraped by the real collectors,
// through the real clients) and a generator that posts realistic AiRudder
// and LAAFFIC webhooks to the exporter's own endpoints. Nothing here produces a metric directly: every
// number on /metrics in demo mode went through the production code paths.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"regexp"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"airudder_exporter/config"
	"airudder_exporter/internal/fakeairudder"
)

// AccountName is the `account` label value of the simulated account.
const AccountName = "demo"

// Demo is a running simulated AiRudder API.
type Demo struct {
	logger    log.Logger
	srv       *http.Server
	url       string
	appKey    string
	appSecret string

	// zones: the AiRudder accounts' time zones, set by Augment, read by the
	// traffic generator.
	zones atomic.Pointer[map[string]*time.Location]
	la    *laafficAPI // simulated LAAFFIC API (laaffic.go)
}

// StartAPI starts the simulated AiRudder API on a random loopback port.
func StartAPI(logger log.Logger) (*Demo, error) {
	d := &Demo{logger: logger, appKey: "demo-app-key", appSecret: randomSecret()}
	api := fakeairudder.New(d.appKey, d.appSecret)
	api.SetLive(time.Now)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d.url = "http://" + l.Addr().String()
	d.srv = &http.Server{Handler: api, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := d.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			level.Error(logger).Log("msg", "Demo AiRudder API stopped", "err", err)
		}
	}()
	level.Info(logger).Log("msg", "Demo: simulated AiRudder API listening", "url", d.url, "account", AccountName)
	if err := d.startLaafficAPI(); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// randomSecret gives each demo run its own secret, so the demo also shows
// that secrets stay out of logs.
func randomSecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// URL is the simulated API's base URL.
func (d *Demo) URL() string { return d.url }

// Augment returns cfg with the demo account added (unless the file already
// has an account named "demo"), and the demo's AiRudder webhook accounts,
// robot name and campaign rules (demo/airudder.go). Called on start and
// after every reload.
func (d *Demo) Augment(cfg *config.Config) *config.Config {
	cfg = d.augmentLaaffic(cfg)
	out := *cfg
	out.AiRudder.Accounts = append([]config.Account(nil), cfg.AiRudder.Accounts...)
	defer d.augmentAiRudder(&out)
	for _, a := range cfg.AiRudder.Accounts {
		if a.Name == AccountName {
			return &out
		}
	}
	out.AiRudder.Accounts = append(out.AiRudder.Accounts, config.Account{
		Name:           AccountName,
		BaseURL:        d.url,
		AppKey:         d.appKey,
		AppSecret:      config.Secret(d.appSecret),
		Timezone:       "Asia/Jakarta",
		Location:       jakarta(),
		MinInterval:    config.Duration(5 * time.Second),
		Timeout:        config.Duration(5 * time.Second),
		WindowDays:     1,
		MaxLabelValues: config.DefaultMaxLabelValues,
	})
	return &out
}

func jakarta() *time.Location {
	if loc, err := time.LoadLocation("Asia/Jakarta"); err == nil {
		return loc
	}
	return time.FixedZone("WIB", 7*3600)
}

// Close stops the simulated API.
func (d *Demo) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = d.srv.Shutdown(ctx)
	d.closeLaaffic(ctx)
}

func compileRule(r config.CampaignRule) (config.CampaignRule, error) {
	re, err := regexp.Compile(r.Match)
	r.Re = re
	return r, err
}
