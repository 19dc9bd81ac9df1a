package main

import (
	"os"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
)

// demoStorage points --storage.path at a fresh temporary directory for
// `--demo` runs that did not choose one. The default "data" is relative to
// the working directory, so `go run . --demo` would otherwise leave a
// data/ directory in the checkout, holding nothing but generated call ids.
// The returned function removes the directory on exit.
func demoStorage(o *options, logger log.Logger) (func(), error) {
	dir, err := os.MkdirTemp("", "airudder_exporter-demo-")
	if err != nil {
		return nil, err
	}
	o.storagePath = dir
	level.Info(logger).Log("msg", "Demo: webhook dedup memory kept in a temporary directory, removed on exit; pass --storage.path to keep it", "path", dir)
	return func() { _ = os.RemoveAll(dir) }, nil
}
