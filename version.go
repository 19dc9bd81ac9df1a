package main

import (
	"runtime/debug"
	"strings"

	"github.com/prometheus/common/version"
)

// projectVersion is the release this tree describes; release builds set the
// exact version, revision and branch with -ldflags (see Makefile/Dockerfile).
const projectVersion = "0.1.0"

// init fills version information that -ldflags did not set, so a plain
// `go build` or `go run .` still reports something useful in
// airudder_exporter_build_info and --version.
func init() {
	bi, _ := debug.ReadBuildInfo()
	fillVersion(bi)
}

// fillVersion completes version.* from the Go toolchain's build stamp:
// `go build` in a git checkout records vcs.revision, vcs.modified and
// vcs.time (unless -buildvcs=false), and Main.Version for a module built
// from a tagged version. Values set with -ldflags always win.
func fillVersion(bi *debug.BuildInfo) {
	var rev, modified, vcsTime string
	if bi != nil {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			case "vcs.time":
				vcsTime = s.Value
			}
		}
	}
	if version.Version == "" {
		version.Version = projectVersion
		if bi != nil {
			if v := releaseVersion(bi.Main.Version); v != "" {
				version.Version = v
			}
		}
	}
	if version.Revision == "" {
		switch {
		case rev == "":
			version.Revision = "unknown"
		case modified == "true":
			// Built from a checkout with uncommitted changes: the revision
			// alone would claim code that is not what runs.
			version.Revision = rev + "-dirty"
		default:
			version.Revision = rev
		}
	}
	if version.Branch == "" {
		// The toolchain does not record the branch; say so rather than
		// leave "branch=" blank.
		version.Branch = "unknown"
	}
	if version.BuildDate == "" && vcsTime != "" {
		// The commit time, the closest to a build date the stamp has.
		version.BuildDate = vcsTime
	}
}

// releaseVersion turns the main module's version into the form -ldflags
// use ("0.2.0"). "(devel)" (no stamp) and v0.0.0 pseudo-versions (no tag
// in the history) say less than projectVersion and are ignored.
func releaseVersion(v string) string {
	if v == "" || v == "(devel)" || strings.HasPrefix(v, "v0.0.0-") {
		return ""
	}
	return strings.TrimPrefix(v, "v")
}
