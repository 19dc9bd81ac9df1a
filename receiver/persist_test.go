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

func TestPersistAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	ar := readFixture(t, "airudder-call-webhook.json")
	la := readFixture(t, "laaffic-ivr-push.json")

	tr := newTestReceiver(t, config.Webhooks{}, dir)
	tr.post(PathAiRudder, ar)
	tr.post(PathLaaffic, la)
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for _, f := range []string{arStateFile, laStateFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("state file: %v", err)
		}
	}

	tr2 := newTestReceiver(t, config.Webhooks{}, dir)
	tr2.post(PathAiRudder, ar)
	tr2.post(PathLaaffic, la)
	for _, src := range []string{sourceAiRudder, sourceLaaffic} {
		if c, d := records(t, tr2, src, recordCounted), records(t, tr2, src, recordDuplicate); c != 0 || d != 1 {
			t.Errorf("%s after restart: counted %v, duplicate %v", src, c, d)
		}
	}
	if v := counterValue(t, tr2.reg, "airudder_exporter_dedup_entries", "source", sourceAiRudder); v != 1 {
		t.Errorf("dedup entries = %v", v)
	}
}

func TestPersistCorruptState(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{arStateFile, laStateFile} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("definitely not a dedup state file"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var logs testkit.LogBuffer
	r, err := New(config.Webhooks{}, Options{
		Logger:      log.NewLogfmtLogger(&logs),
		Registerer:  prometheus.NewRegistry(),
		StoragePath: dir,
	})
	if err != nil {
		t.Fatalf("a corrupt state file must not stop the receiver: %v", err)
	}
	defer r.Close()
	if !strings.Contains(logs.String(), "dedup state not loaded") {
		t.Errorf("corrupt state not logged: %q", logs.String())
	}
	tr := &testReceiver{Receiver: r, h: r.Handler()}
	if rec := tr.post(PathAiRudder, readFixture(t, "airudder-call-webhook.json")); rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	if r.arDedup.Len() != 1 {
		t.Errorf("dedup entries after corrupt load + one call: %d", r.arDedup.Len())
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	// The corrupt file has been replaced by a good one.
	r2, err := New(config.Webhooks{}, Options{Registerer: prometheus.NewRegistry(), StoragePath: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if r2.arDedup.Len() != 1 {
		t.Errorf("reloaded entries: %d", r2.arDedup.Len())
	}
}

func TestPersistUnwritablePath(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := New(config.Webhooks{}, Options{Registerer: prometheus.NewRegistry(), StoragePath: file})
	if err != nil {
		t.Fatalf("an unusable storage path must not stop the receiver: %v", err)
	}
	tr := &testReceiver{Receiver: r, h: r.Handler()}
	if rec := tr.post(PathLaaffic, []byte(`{"voiceId":"v"}`)); rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	if err := r.Close(); err == nil {
		t.Error("Close must report that the state could not be saved")
	}
}

// save(false) writes only the sources that gained ids since the last save.
func TestSaveOnlyWhatChanged(t *testing.T) {
	dir := t.TempDir()
	tr := newTestReceiver(t, config.Webhooks{}, dir)
	if err := tr.save(false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, arStateFile)); !os.IsNotExist(err) {
		t.Errorf("nothing changed, yet a state file was written: %v", err)
	}
	tr.post(PathLaaffic, []byte(`{"voiceId":"v"}`))
	if err := tr.save(false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, laStateFile)); err != nil {
		t.Errorf("laaffic state not saved: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, arStateFile)); !os.IsNotExist(err) {
		t.Errorf("airudder state saved without changes: %v", err)
	}
}

func TestNoSecretsInLogs(t *testing.T) {
	var logs testkit.LogBuffer
	const tok = "very-secret-token"
	r, err := New(config.Webhooks{Token: tok}, Options{
		Logger:     log.NewLogfmtLogger(&logs), // every level, debug included
		Registerer: prometheus.NewRegistry(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tr := &testReceiver{Receiver: r, h: r.Handler()}
	tr.post(PathLaaffic+"?token=wrong-"+tok, []byte(`{"voiceId":"v","callee":"+6312345"}`))
	tr.post(PathLaaffic+"?token="+tok, []byte(`{"voiceId":"v","callee":"+6312345"`))
	tr.post(PathLaaffic, []byte(`{}`), "Authorization", "Bearer "+tok)
	if out := logs.String(); strings.Contains(out, tok) || strings.Contains(out, "6312345") {
		t.Errorf("token or phone number in logs: %s", out)
	}
}

func TestRegisterTwiceFails(t *testing.T) {
	reg := prometheus.NewRegistry()
	r, err := New(config.Webhooks{}, Options{Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	before, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(config.Webhooks{}, Options{Registerer: reg}); err == nil {
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
		r, err := New(config.Webhooks{}, Options{Logger: log.NewLogfmtLogger(&logs), Registerer: prometheus.NewRegistry(), StoragePath: dir})
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
	tr.post(PathAiRudder, readFixture(t, "airudder-call-webhook.json"))
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r2, logs := start()
	defer r2.Close()
	if !strings.Contains(logs, `msg="dedup state loaded"`) || !strings.Contains(logs, "entries=1") || strings.Contains(logs, "no saved dedup state") {
		t.Errorf("second start logs: %q", logs)
	}
}
