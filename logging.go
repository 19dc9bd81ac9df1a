package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
)

// newLogger builds the go-kit logger every package logs through. The
// returned base logger has the level filter but no ts/caller: the slog
// bridge adds its own, taken from the slog record.
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

// slogFor bridges to *slog.Logger for exporter-toolkit (≥ v0.13 takes slog)
// and net/http's error log. Its lines look exactly like the go-kit ones
// (level, ts in UTC, caller as file:line, msg, then attributes), so a log
// shipper needs one parser: a generic bridge writes time= and puts caller
// first. The go-kit level filter still applies.
func slogFor(base log.Logger) *slog.Logger {
	return slog.New(&kitHandler{logger: base})
}

// kitHandler is a slog.Handler writing through a go-kit logger.
type kitHandler struct {
	logger log.Logger
	attrs  []any  // key/value pairs from WithAttrs, group prefix applied
	group  string // prefix from WithGroup ("a.b.")
}

// Enabled lets every record through; the go-kit level filter decides.
func (h *kitHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *kitHandler) Handle(_ context.Context, r slog.Record) error {
	kv := make([]any, 0, 6+len(h.attrs)+2*r.NumAttrs())
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	kv = append(kv, "ts", t.UTC(), "caller", callerOf(r.PC), "msg", r.Message)
	kv = append(kv, h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		kv = appendAttr(kv, h.group, a)
		return true
	})
	return kitLevel(h.logger, r.Level).Log(kv...)
}

func (h *kitHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := &kitHandler{logger: h.logger, group: h.group, attrs: append([]any(nil), h.attrs...)}
	for _, a := range as {
		n.attrs = appendAttr(n.attrs, h.group, a)
	}
	return n
}

func (h *kitHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &kitHandler{logger: h.logger, attrs: h.attrs, group: h.group + name + "."}
}

// appendAttr flattens groups into dotted keys, as slog's text handler does.
func appendAttr(kv []any, prefix string, a slog.Attr) []any {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, g := range v.Group() {
			kv = appendAttr(kv, p, g)
		}
		return kv
	}
	if a.Key == "" {
		return kv // slog: an empty attribute is ignored
	}
	return append(kv, prefix+a.Key, v.Any())
}

// callerOf formats a slog record's PC like go-kit's DefaultCaller: the
// file's base name and the line.
func callerOf(pc uintptr) string {
	if pc == 0 {
		return "unknown"
	}
	f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	return filepath.Base(f.File) + ":" + strconv.Itoa(f.Line)
}

func kitLevel(l log.Logger, lv slog.Level) log.Logger {
	switch {
	case lv >= slog.LevelError:
		return level.Error(l)
	case lv >= slog.LevelWarn:
		return level.Warn(l)
	case lv >= slog.LevelInfo:
		return level.Info(l)
	default:
		return level.Debug(l)
	}
}
