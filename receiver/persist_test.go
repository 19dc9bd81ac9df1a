package receiver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

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

// stateFamilies lists the airudder_exporter_dedup_state_* families on g.
func stateFamilies(t *testing.T, g prometheus.Gatherer) []string {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "airudder_exporter_dedup_state_") {
			out = append(out, mf.GetName())
		}
	}
	return out
}

// A save that cannot write (the storage directory replaced by a file) is
// counted as an error and leaves the last-save time where it was; once the
// directory is back, the next save succeeds, is counted and moves the time.
func TestPersistStateMetricsCountFailedSaves(t *testing.T) {
	storage := filepath.Join(t.TempDir(), "state")
	tr := newTestReceiver(t, config.Webhooks{}, storage)
	start := tr.clock.Now()
	saves := func(outcome string) float64 {
		return testkit.Value(t, tr.reg, "airudder_exporter_dedup_state_saves_total", "source", srcAcme, "outcome", outcome)
	}
	lastSave := func() float64 {
		return testkit.Value(t, tr.reg, "airudder_exporter_dedup_state_last_save_timestamp_seconds", "source", srcAcme)
	}
	// Present from the start: every outcome at 0, the time of the load.
	if ok, failed, at := saves(stateOK), saves(stateError), lastSave(); ok != 0 || failed != 0 || at != float64(start.Unix()) {
		t.Fatalf("at start: saves ok %v, error %v, last save %v (want 0, 0, %d)", ok, failed, at, start.Unix())
	}
	if n := testkit.FamilySeries(gatherMap(t, tr.reg), "airudder_exporter_dedup_state_saves_total"); n != 4 {
		t.Errorf("saves_total series at start = %d, want 4 (2 sources × ok, error)", n)
	}

	tr.post(pathAcme, []byte(acmeCall))
	if err := os.Rename(storage, storage+".away"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(storage, []byte("a file where the directory was"), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		tr.clock.Advance(time.Minute)
		if err := tr.save(false); err == nil {
			t.Fatal("save into a path that is a file succeeded")
		}
	}
	if ok, failed, at := saves(stateOK), saves(stateError), lastSave(); ok != 0 || failed != 2 || at != float64(start.Unix()) {
		t.Errorf("failing saves: ok %v, error %v, last save %v (want 0, 2, %d)", ok, failed, at, start.Unix())
	}
	if v := testkit.Value(t, tr.reg, "airudder_exporter_dedup_state_saves_total", "source", srcGlobex, "outcome", stateError); v != 0 {
		t.Errorf("globex gained no ids, yet a failed save was counted: %v", v)
	}

	if err := os.Remove(storage); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(storage+".away", storage); err != nil {
		t.Fatal(err)
	}
	tr.clock.Advance(time.Minute)
	if err := tr.save(false); err != nil {
		t.Fatalf("save with the directory back: %v", err)
	}
	if ok, failed, at := saves(stateOK), saves(stateError), lastSave(); ok != 1 || failed != 2 || at != float64(tr.clock.Now().Unix()) {
		t.Errorf("after recovery: ok %v, error %v, last save %v (want 1, 2, %d)", ok, failed, at, tr.clock.Now().Unix())
	}
	if _, err := os.Stat(filepath.Join(storage, acmeStateFile)); err != nil {
		t.Errorf("state file after recovery: %v", err)
	}
}

// The load at start is counted per source: missing on a first start, ok
// when the saved state was read, error when it could not be.
func TestPersistStateMetricsCountLoads(t *testing.T) {
	dir := t.TempDir()
	loads := func(reg prometheus.Gatherer, src string) [3]float64 {
		var out [3]float64
		for i, o := range []string{stateOK, stateError, stateMissing} {
			out[i] = testkit.Value(t, reg, "airudder_exporter_dedup_state_loads_total", "source", src, "outcome", o)
		}
		return out
	}
	first := newTestReceiver(t, config.Webhooks{}, dir)
	for _, src := range []string{srcAcme, srcGlobex} {
		if got := loads(first.reg, src); got != [3]float64{0, 0, 1} {
			t.Errorf("%s first start: loads ok, error, missing = %v", src, got)
		}
	}
	first.post(pathAcme, []byte(acmeCall))
	first.post(pathGlobex, []byte(globexPush))
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, globexStateFile), []byte("not a dedup state"), 0o644); err != nil {
		t.Fatal(err)
	}
	second := newTestReceiver(t, config.Webhooks{}, dir)
	if got := loads(second.reg, srcAcme); got != [3]float64{1, 0, 0} {
		t.Errorf("acme restart: loads ok, error, missing = %v", got)
	}
	if got := loads(second.reg, srcGlobex); got != [3]float64{0, 1, 0} {
		t.Errorf("globex corrupt: loads ok, error, missing = %v", got)
	}
}

// Without persistence (no --storage.path, or one that cannot be created)
// nothing is saved, so no dedup state family is exposed.
func TestPersistStateMetricsAbsentWithoutPersistence(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{}, "")
	if fams := stateFamilies(t, tr.reg); len(fams) != 0 {
		t.Errorf("dedup state families without --storage.path: %v", fams)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	unusable := newTestReceiver(t, config.Webhooks{}, file)
	if fams := stateFamilies(t, unusable.reg); len(fams) != 0 {
		t.Errorf("dedup state families with an unusable --storage.path: %v", fams)
	}
}

func gatherMap(t *testing.T, g prometheus.Gatherer) map[string]*dto.MetricFamily {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]*dto.MetricFamily, len(mfs))
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// A process killed mid-save (SIGKILL, OOM kill) leaves the temporary file
// SaveFile was writing: up to 12 bytes per remembered id (24 MB at 2 M
// ids) that no later save renames or removes. Each such crash added one,
// until the volume filled and every save failed. The next start removes
// the leftovers of its own state files and loads the state file as usual;
// files that are not its temporaries stay.
func TestPersistRemovesTempFilesOfAKilledSave(t *testing.T) {
	dir := t.TempDir()
	tr := newTestReceiver(t, config.Webhooks{}, dir)
	tr.post(pathAcme, []byte(acmeCall))
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	// What a killed save leaves: the name SaveFile gives its temporary.
	leftovers := []string{acmeStateFile + ".tmp-123456", acmeStateFile + ".tmp-987654", globexStateFile + ".tmp-42"}
	kept := []string{"dedup-acme.statex", "notes.tmp-1", acmeStateFile + ".bak"}
	for _, f := range append(append([]string{}, leftovers...), kept...) {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	tr2 := newTestReceiver(t, config.Webhooks{}, dir)
	for _, f := range leftovers {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("%s left by a killed save still there after a restart (%v)", f, err)
		}
	}
	for _, f := range kept {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s is not a temporary of a state file, want it kept: %v", f, err)
		}
	}
	tr2.post(pathAcme, []byte(acmeCall))
	if c, d := records(t, tr2, srcAcme, recordCounted), records(t, tr2, srcAcme, recordDuplicate); c != 0 || d != 1 {
		t.Errorf("after restart: counted %v, duplicate %v; want the saved state loaded", c, d)
	}
}
