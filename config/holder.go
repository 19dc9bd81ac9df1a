package config

import "sync/atomic"

// Holder gives readers the current Config and lets a reload swap in a new one
// atomically: a request that started with the old config finishes with it.
type Holder struct{ p atomic.Pointer[Config] }

// NewHolder returns a Holder that starts with c.
func NewHolder(c *Config) *Holder {
	h := &Holder{}
	h.p.Store(c)
	return h
}

// Get returns the current config; never nil once the holder was built with one.
func (h *Holder) Get() *Config { return h.p.Load() }

// Set swaps in c.
func (h *Holder) Set(c *Config) { h.p.Store(c) }
