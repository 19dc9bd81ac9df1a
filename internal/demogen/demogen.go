// Package demogen holds what the vendors' demo parts share: the random
// source of the generated webhook traffic, the Post it produces and the
// loopback server of a simulated API.
package demogen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
)

// Post is one generated webhook: a path and a body.
type Post struct {
	Path   string
	Body   []byte
	Header http.Header // extra request headers, if any
}

// Traffic is one vendor's generated webhooks.
type Traffic interface {
	// Warmup is a fixed sequence that touches every metric family of the
	// vendor, so a fresh demo has data within seconds.
	Warmup() []Post
	// Next is one webhook of the steady mix.
	Next() Post
}

// Gen is the random source of a run's traffic. Ids are unique per run;
// everything that reaches a label comes from small realistic sets.
type Gen struct {
	Now  func() time.Time
	Rand *mrand.Rand
	seq  uint64
}

// New returns a Gen seeded from now.
func New(now func() time.Time) *Gen {
	return &Gen{Now: now, Rand: mrand.New(mrand.NewPCG(uint64(now().UnixNano()), 42))}
}

// ID is a unique id: prefix, the time and a sequence number.
func (g *Gen) ID(prefix string) string {
	g.seq++
	return fmt.Sprintf("%s%d%06d", prefix, g.Now().Unix(), g.seq)
}

// Pick returns one of xs, uniformly.
func (g *Gen) Pick(xs ...string) string { return xs[g.Rand.IntN(len(xs))] }

// Weighted picks keys[i] with probability w[i]/sum(w).
func (g *Gen) Weighted(keys []string, w []int) string {
	total := 0
	for _, x := range w {
		total += x
	}
	n := g.Rand.IntN(total)
	for i, x := range w {
		if n < x {
			return keys[i]
		}
		n -= x
	}
	return keys[len(keys)-1]
}

// JSON marshals one of the generator's own maps.
func JSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own maps are marshalled: a failure is a programming error
	}
	return b
}

// RandomSecret gives each demo run its own secret, so the demo also shows
// that secrets stay out of logs.
func RandomSecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// API is a simulated vendor API served on a loopback port.
type API struct {
	srv *http.Server
	url string
}

// Serve serves h on a random loopback port and logs its URL; what names
// the API in the log, account the demo account that reads it.
func Serve(logger log.Logger, h http.Handler, what, account string) (*API, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &API{srv: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}, url: "http://" + l.Addr().String()}
	go func() {
		if err := a.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			level.Error(logger).Log("msg", "Demo "+what+" API stopped", "err", err)
		}
	}()
	level.Info(logger).Log("msg", "Demo: simulated "+what+" API listening", "url", a.url, "account", account)
	return a, nil
}

// URL is the API's base URL.
func (a *API) URL() string { return a.url }

// Close stops the simulated API.
func (a *API) Close(ctx context.Context) { _ = a.srv.Shutdown(ctx) }
