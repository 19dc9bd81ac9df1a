package main

import (
	"runtime/debug"

	"github.com/prometheus/common/version"
)

// projectVersion is the release this tree describes; release builds set the
// exact version, revision and branch with -ldflags (see Makefile/Dockerfile).
const projectVersion = "0.1.0"

// init fills version information that -ldflags did not set, so a plain
// `go build` or `go run .` still reports something useful in
// airudder_exporter_build_info and --version.
func init() {
	if version.Version == "" {
		version.Version = projectVersion
	}
	if version.Revision == "" {
		version.Revision = "unknown"
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					version.Revision = s.Value
				}
			}
		}
	}
}
