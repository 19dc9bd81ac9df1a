// Package demo runs the exporter against simulated vendors: each vendor's
// simulated API on a loopback port (scraped by the real pollers, through
// the real clients) and a generator that posts realistic webhooks of every
// vendor to the exporter's own endpoints. Nothing here produces a metric
// directly: every number on /metrics in demo mode went through the
// production code paths. Each vendor's part lives in its own package
// (airudder.Demo, laaffic.Demo); main hands them in with its vendor list.
package demo

import (
	"context"
	"time"

	"github.com/go-kit/log"

	"airudder_exporter/config"
	"airudder_exporter/internal/demogen"
)

// vendor is one vendor's part of the demo.
type vendor interface {
	// Augment returns cfg with the vendor's demo accounts and settings.
	Augment(cfg *config.Config) *config.Config
	// Traffic returns the vendor's webhooks of a run drawn from g.
	Traffic(g *demogen.Gen) demogen.Traffic
	// Close stops the vendor's simulated API.
	Close(ctx context.Context)
}

// share is a vendor and its share (in percent) of the steady mix.
type share struct {
	v       vendor
	percent int
}

// Demo is the running simulated vendor APIs.
type Demo struct {
	logger  log.Logger
	vendors []share
}

// Part is one vendor's part of the demo: how to start its simulated API,
// and its share (in percent) of the steady webhook mix.
type Part struct {
	start   func(log.Logger) (vendor, error)
	percent int
}

// NewPart returns the part that start starts, with percent of the steady
// mix (the mix keeps 5 % for re-sent bodies; the last vendor takes what
// the shares leave).
func NewPart[V vendor](start func(log.Logger) (V, error), percent int) Part {
	return Part{start: func(l log.Logger) (vendor, error) { return start(l) }, percent: percent}
}

// StartAPI starts every part's simulated API on a random loopback port.
func StartAPI(logger log.Logger, parts ...Part) (*Demo, error) {
	d := &Demo{logger: logger}
	for _, p := range parts {
		v, err := p.start(logger)
		if err != nil {
			d.Close()
			return nil, err
		}
		d.vendors = append(d.vendors, share{v, p.percent})
	}
	return d, nil
}

// Augment returns cfg with every vendor's demo accounts and settings added
// (keeping whatever the file configures). Called on start and after every
// reload; cfg itself is not changed.
func (d *Demo) Augment(cfg *config.Config) *config.Config {
	for _, s := range d.vendors {
		cfg = s.v.Augment(cfg)
	}
	return cfg
}

// Close stops the simulated APIs.
func (d *Demo) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, s := range d.vendors {
		s.v.Close(ctx)
	}
}
