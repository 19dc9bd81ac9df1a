package receiver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
)

// The state files are named after the vendors: dedup-<name>.state.
const (
	acmeStateFile   = "dedup-acme.state"
	globexStateFile = "dedup-globex.state"
)

func TestPersistAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	ar := []byte(acmeCall)
	la := []byte(globexPush)

	tr := newTestReceiver(t, config.Webhooks{}, dir)
	tr.post(pathAcme, ar)
	tr.post(pathGlobex, la)
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for _, f := range []string{acmeStateFile, globexStateFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("state file: %v", err)
		}
	}

	tr2 := newTestReceiver(t, config.Webhooks{}, dir)
	tr2.post(pathAcme, ar)
	tr2.post(pathGlobex, la)
	for _, src := range []string{srcAcme, srcGlobex} {
		if c, d := records(t, tr2, src, recordCounted), records(t, tr2, src, recordDuplicate); c != 0 || d != 1 {
			t.Errorf("%s after restart: counted %v, duplicate %v", src, c, d)
		}
	}
	if v := testkit.Value(t, tr2.reg, "airudder_exporter_dedup_entries", "source", srcAcme); v != 1 {
		t.Errorf("dedup entries = %v", v)
	}
}

func TestPersistCorruptState(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{acmeStateFile, globexStateFile} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("definitely not a dedup state file"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var logs testkit.LogBuffer
	r, err := New(config.Webhooks{}, Options{
		Logger:      log.NewLogfmtLogger(&logs),
		Registerer:  prometheus.NewRegistry(),
		StoragePath: dir,
	}, testVendors()...)
	if err != nil {
		t.Fatalf("a corrupt state file must not stop the receiver: %v", err)
	}
	defer r.Close()
	if !strings.Contains(logs.String(), "dedup state not loaded") {
		t.Errorf("corrupt state not logged: %q", logs.String())
	}
	tr := &testReceiver{Receiver: r, h: r.Handler()}
	if rec := tr.post(pathAcme, []byte(acmeCall)); rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	if n := r.sources[srcAcme].set.Len(); n != 1 {
		t.Errorf("dedup entries after corrupt load + one record: %d", n)
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	// The corrupt file has been replaced by a good one.
	r2, err := New(config.Webhooks{}, Options{Registerer: prometheus.NewRegistry(), StoragePath: dir}, testVendors()...)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if n := r2.sources[srcAcme].set.Len(); n != 1 {
		t.Errorf("reloaded entries: %d", n)
	}
}

// A storage path that cannot be a directory does not stop the receiver: it
// says so once at start and runs without persistence.
func TestPersistUnwritablePath(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	logs := &testkit.LogBuffer{}
	r, err := New(config.Webhooks{}, Options{Logger: log.NewLogfmtLogger(logs), Registerer: prometheus.NewRegistry(), StoragePath: file}, testVendors()...)
	if err != nil {
		t.Fatalf("an unusable storage path must not stop the receiver: %v", err)
	}
	if !strings.Contains(logs.String(), "Cannot create --storage.path") {
		t.Errorf("no error logged for the unusable storage path:\n%s", logs.String())
	}
	tr := &testReceiver{Receiver: r, h: r.Handler()}
	if rec := tr.post(pathGlobex, []byte(`{"id":"v"}`)); rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close without persistence: %v", err)
	}
	if b, err := os.ReadFile(file); err != nil || len(b) != 0 {
		t.Errorf("the file at the storage path was touched: %q, %v", b, err)
	}
}

// The storage directory is created for the exporter and its group only.
func TestPersistCreatesStorageDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	r, err := New(config.Webhooks{}, Options{Registerer: prometheus.NewRegistry(), StoragePath: dir}, testVendors()...)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got&^storageDirMode != 0 {
		t.Errorf("storage directory mode %v, want at most %v", got, os.FileMode(storageDirMode))
	}
}

// save(false) writes only the sources that gained ids since the last save.
func TestSaveOnlyWhatChanged(t *testing.T) {
	dir := t.TempDir()
	tr := newTestReceiver(t, config.Webhooks{}, dir)
	if err := tr.save(false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, acmeStateFile)); !os.IsNotExist(err) {
		t.Errorf("nothing changed, yet a state file was written: %v", err)
	}
	tr.post(pathGlobex, []byte(`{"id":"v"}`))
	if err := tr.save(false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, globexStateFile)); err != nil {
		t.Errorf("globex state not saved: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, acmeStateFile)); !os.IsNotExist(err) {
		t.Errorf("acme state saved without changes: %v", err)
	}
}

func TestNoSecretsInLogs(t *testing.T) {
	var logs testkit.LogBuffer
	const tok = "very-secret-token"
	r, err := New(config.Webhooks{Token: tok}, Options{
		Logger:     log.NewLogfmtLogger(&logs), // every level, debug included
		Registerer: prometheus.NewRegistry(),
	}, testVendors()...)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tr := &testReceiver{Receiver: r, h: r.Handler()}
	tr.post(pathGlobex+"?token=wrong-"+tok, []byte(`{"id":"v","callee":"+6312345"}`))
	tr.post(pathGlobex+"?token="+tok, []byte(`{"id":"v","callee":"+6312345"`))
	tr.post(pathGlobex, []byte(`{}`), "Authorization", "Bearer "+tok)
	if out := logs.String(); strings.Contains(out, tok) || strings.Contains(out, "6312345") {
		t.Errorf("token or phone number in logs: %s", out)
	}
}

func TestRegisterTwiceFails(t *testing.T) {
	reg := prometheus.NewRegistry()
	r, err := New(config.Webhooks{}, Options{Registerer: reg}, testVendors()...)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	before, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(config.Webhooks{}, Options{Registerer: reg}, testVendors()...); err == nil {
		t.Error("registering the receiver's metrics twice must fail")
	}
	// The failed New left the first receiver's metrics in place.
	after, err := reg.Gather()
	if err != nil || len(after) != len(before) {
		t.Errorf("families before %d, after failed New %d (%v)", len(before), len(after), err)
	}
}

// A first start has no state file: the log says so instead of claiming a
// load of zero entries; a second start loads what the first one saved.
func TestPersistFirstStartSaysNoSavedState(t *testing.T) {
	dir := t.TempDir()
	start := func() (*Receiver, string) {
		var logs testkit.LogBuffer
		r, err := New(config.Webhooks{}, Options{Logger: log.NewLogfmtLogger(&logs), Registerer: prometheus.NewRegistry(), StoragePath: dir}, testVendors()...)
		if err != nil {
			t.Fatal(err)
		}
		return r, logs.String()
	}
	r, logs := start()
	if strings.Count(logs, "no saved dedup state") != 2 || strings.Contains(logs, "dedup state loaded") {
		t.Errorf("first start logs: %q", logs)
	}
	tr := &testReceiver{Receiver: r, h: r.Handler()}
	tr.post(pathAcme, []byte(acmeCall))
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r2, logs := start()
	defer r2.Close()
	if !strings.Contains(logs, `msg="dedup state loaded"`) || !strings.Contains(logs, "entries=1") || strings.Contains(logs, "no saved dedup state") {
		t.Errorf("second start logs: %q", logs)
	}
}
