package main

import (
	"io"
	"log/slog"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	slogkit "github.com/tjhop/slog-gokit"
)

// newLogger builds the go-kit logger every package logs through. The
// returned base logger has the level filter but no ts/caller: the slog
// bridge adds its own time and source, and must not repeat them.
func newLogger(lvl, format string, w io.Writer) (logger, base log.Logger) {
	var l log.Logger
	if format == "json" {
		l = log.NewJSONLogger(log.NewSyncWriter(w))
	} else {
		l = log.NewLogfmtLogger(log.NewSyncWriter(w))
	}
	var opt level.Option
	switch lvl {
	case "debug":
		opt = level.AllowDebug()
	case "warn":
		opt = level.AllowWarn()
	case "error":
		opt = level.AllowError()
	default:
		opt = level.AllowInfo()
	}
	base = level.NewFilter(l, opt)
	return log.With(base, "ts", log.DefaultTimestampUTC, "caller", log.DefaultCaller), base
}

// slogFor bridges to *slog.Logger for exporter-toolkit (≥ v0.13 takes slog).
// The go-kit level filter still applies; slog's own level is left open.
func slogFor(base log.Logger) *slog.Logger {
	return slog.New(slogkit.NewGoKitHandler(base, slog.LevelDebug))
}
