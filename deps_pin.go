package main

// Blank imports keep the pinned dependencies in go.mod until the code that
// uses them lands; removed once main.go wires everything.
import (
	_ "github.com/alecthomas/kingpin/v2"
	_ "github.com/go-kit/log"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/client_golang/prometheus/testutil"
	_ "github.com/prometheus/common/version"
	_ "github.com/prometheus/exporter-toolkit/web"
	_ "github.com/tjhop/slog-gokit"
	_ "golang.org/x/sync/singleflight"
)

func main() {}
