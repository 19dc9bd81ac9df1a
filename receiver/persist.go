package receiver

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-kit/log/level"

	"airudder_exporter/receiver/dedup"
)

// storageDirMode: the directory holds hashes of call ids, for the exporter
// alone (and its group, for a sidecar that backs it up).
const storageDirMode = 0o750

// Dedup state survives restarts so that a re-delivery arriving after a
// restart (vendors retry for several minutes) is still recognised.

// load reads the state file of every vendor. A missing file means a first start; a
// corrupt or unreadable one is logged and counted, and that source starts empty.
// Memory and files then agree, which is what the last-save time says.
func (r *Receiver) load() {
	now := r.now()
	for _, f := range r.stateFiles() {
		// No save runs yet (saveLoop starts after load): any temporary
		// file of this state is a killed save's, never to be renamed.
		removed, err := dedup.RemoveTempFiles(f.path)
		if len(removed) > 0 {
			level.Info(r.logger).Log("msg", "removed temporary dedup state files left by a save that was cut short (the process was killed mid-save)", "files", strings.Join(removed, ","))
		}
		if err != nil {
			level.Warn(r.logger).Log("msg", "could not remove temporary dedup state files left by a save that was cut short", "err", err)
		}
		r.state.lastSave.WithLabelValues(f.source).Set(float64(now.UnixNano()) / 1e9)
		if _, err := os.Stat(f.path); errors.Is(err, os.ErrNotExist) {
			// First start (or a new --storage.path): say so, rather than
			// "loaded ... entries=0", which reads as if a file was emptied.
			level.Info(r.logger).Log("msg", "no saved dedup state, starting empty", "file", f.path)
			r.state.loads.WithLabelValues(f.source, stateMissing).Inc()
			continue
		}
		if err := f.set.LoadFile(f.path, now); err != nil {
			level.Warn(r.logger).Log("msg", "dedup state not loaded, starting empty", "file", f.path, "err", err)
			r.state.loads.WithLabelValues(f.source, stateError).Inc()
			continue
		}
		level.Info(r.logger).Log("msg", "dedup state loaded", "file", f.path, "entries", f.set.Len())
		r.state.loads.WithLabelValues(f.source, stateOK).Inc()
	}
}

type stateFile struct {
	source string
	path   string
	set    *dedup.Set
	adds   func() uint64
	saved  *uint64
}

func (r *Receiver) stateFiles() []stateFile {
	fs := make([]stateFile, 0, len(r.order))
	for _, s := range r.order {
		fs = append(fs, stateFile{s.name, filepath.Join(r.storagePath, stateFileName(s.name)), s.set, s.adds.Load, &s.saved})
	}
	return fs
}

// save writes the state of each source that gained ids since its last
// save (all of them when force is set).
func (r *Receiver) save(force bool) error {
	var errs []error
	for _, f := range r.stateFiles() {
		adds := f.adds()
		if !force && adds == *f.saved {
			continue
		}
		if err := f.set.SaveFile(f.path); err != nil {
			level.Warn(r.logger).Log("msg", "saving dedup state failed", "file", f.path, "err", err)
			r.state.saves.WithLabelValues(f.source, stateError).Inc()
			errs = append(errs, err)
			continue
		}
		*f.saved = adds
		r.state.saves.WithLabelValues(f.source, stateOK).Inc()
		r.state.lastSave.WithLabelValues(f.source).Set(float64(r.now().UnixNano()) / 1e9)
	}
	return errors.Join(errs...)
}

func (r *Receiver) saveLoop() {
	defer close(r.done)
	t := time.NewTicker(saveInterval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			_ = r.save(false) // logged inside
		}
	}
}
