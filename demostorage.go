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
//
// A default directory that already exists is used as it is: the container
// image ships data/ as a link to its state volume (and has no /tmp), and a
// directory someone made on purpose is no litter.
func demoStorage(o *options, logger log.Logger) (func(), error) {
	if fi, err := os.Stat(o.storagePath); o.storagePath != "" && err == nil && fi.IsDir() {
		level.Info(logger).Log("msg", "Demo: webhook dedup memory kept in the existing storage directory", "path", o.storagePath)
		return func() {}, nil
	}
	dir, err := os.MkdirTemp("", "airudder_exporter-demo-")
	if err != nil {
		return nil, err
	}
	o.storagePath = dir
	level.Info(logger).Log("msg", "Demo: webhook dedup memory kept in a temporary directory, removed on exit; pass --storage.path to keep it", "path", dir)
	return func() { _ = os.RemoveAll(dir) }, nil
}
