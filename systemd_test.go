package main

import (
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"airudder_exporter/internal/testkit"
)

// --web.systemd-socket serves on the socket systemd passes (fd 3,
// LISTEN_FDS/LISTEN_PID) instead of opening --web.listen-address.
func TestSystemdSocketActivation(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to set LISTEN_PID to the exporter's own pid")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f, err := l.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unused := testkit.FreeAddr(t)
	logs := &testkit.LogBuffer{}
	// exec keeps the shell's pid, which is what LISTEN_PID must name.
	cmd := exec.Command(sh, "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"`, testkit.ExporterBinary(t),
		"--web.systemd-socket", "--web.listen-address="+unused, "--config.file=config.yml", "--storage.path="+t.TempDir())
	cmd.ExtraFiles = []*os.File{f} // fd 3
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })

	addr := l.Addr().String()
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, _ := httpGet("http://" + addr + "/-/ready")
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready on the activated socket %s within 15s:\n%s", addr, logs.String())
		}
		select {
		case err := <-done:
			t.Fatalf("exporter exited: %v\n%s", err, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	if code, body := httpGet("http://" + addr + "/metrics"); code != 200 || len(body) == 0 {
		t.Errorf("/metrics on the activated socket = %d", code)
	}
	if c, err := net.DialTimeout("tcp", unused, time.Second); err == nil {
		c.Close()
		t.Errorf("--web.listen-address %s is listening too; with --web.systemd-socket only the passed socket may be", unused)
	}
}
