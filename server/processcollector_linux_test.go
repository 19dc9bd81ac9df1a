package server

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
)

func TestProcessCollectorExposesClientGolangsSeries(t *testing.T) {
	ours, err := openProcessCollector(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	theirs := collectors.NewProcessCollector(collectors.ProcessCollectorOpts{ReportErrors: true})
	ourText, ourMF := gatherText(t, ours)
	theirText, theirMF := gatherText(t, theirs)
	checkSameSeries(t, ourText, theirText)
	// Fixed while the test runs.
	for _, name := range []string{"process_start_time_seconds", "process_max_fds", "process_virtual_memory_max_bytes"} {
		if o, c := sampleValue(ourMF, name), sampleValue(theirMF, name); o != c {
			t.Errorf("%s = %v, client_golang's %v", name, o, c)
		}
	}
	// Moving, but not far between two reads.
	for _, name := range []string{"process_cpu_seconds_total", "process_virtual_memory_bytes", "process_resident_memory_bytes", "process_open_fds", "process_network_receive_bytes_total", "process_network_transmit_bytes_total"} {
		o, c := sampleValue(ourMF, name), sampleValue(theirMF, name)
		if o <= 0 && c > 0 || o > 2*c+64 || c > 2*o+64 {
			t.Errorf("%s = %v, client_golang's %v", name, o, c)
		}
	}
}

// The collector rereads its files on every scrape. The subject is a child
// shell, not this process: the test binary's own fd count moves with every
// connection other tests are still closing. The shell says when it runs:
// until its exec, the child holds a copy of every fd of this process.
func TestProcessCollectorRereadsItsFiles(t *testing.T) {
	child := exec.Command("sh", "-c", "echo ready; read x; exec 7</dev/null; echo opened; read y")
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		child.Wait()
	}()
	out := bufio.NewReader(stdout)
	if line, err := out.ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("child said %q, %v", line, err)
	}
	c, err := openProcessCollector(child.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	_, before := gatherText(t, c)
	if _, err := io.WriteString(stdin, "open\n"); err != nil {
		t.Fatal(err)
	}
	line, err := out.ReadString('\n')
	if err != nil || line != "opened\n" {
		t.Fatalf("child answered %q, %v", line, err)
	}
	_, after := gatherText(t, c)
	fds := func(m map[string]*dto.MetricFamily) float64 {
		return m["process_open_fds"].GetMetric()[0].GetGauge().GetValue()
	}
	if fds(after) != fds(before)+1 {
		t.Errorf("open fds %v after opening one, %v before", fds(after), fds(before))
	}
}

func TestParseStatCountsFieldsFromTheLastParenthesis(t *testing.T) {
	// A command name with blanks and a ')' must not shift the fields.
	line := "42 (a) b) c) S 1 42 42 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 8 0 1234 5000000 300 18446744073709551615\n"
	st, err := parseStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if want := (procStat{cpuTicks: 400, startTicks: 1234, vsize: 5000000, rssPages: 300}); st != want {
		t.Errorf("parseStat = %+v, want %+v", st, want)
	}
	if _, err := parseStat([]byte("42 (a) S 1 2 3\n")); err == nil {
		t.Error("parseStat of a short line: no error")
	}
}

// processValues is a collector of fixed values through the process
// collector's own send.
type processValues struct {
	c *processCollector
	v [len(processFamilies)]processValue
}

func (p processValues) Describe(ch chan<- *prometheus.Desc) { p.c.Describe(ch) }
func (p processValues) Collect(ch chan<- prometheus.Metric) { p.c.send(ch, p.v) }

// The process collector's text is expfmt's encoding of what it collects,
// byte for byte, in both text formats, for values of every shape and with
// parts left out.
func TestProcessCollectorAppendsExpfmtsText(t *testing.T) {
	c, err := openProcessCollector(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	all := func(f func(i int) processValue) (v [len(processFamilies)]processValue) {
		for i := range v {
			v[i] = f(i)
		}
		return v
	}
	cases := [][len(processFamilies)]processValue{
		c.values(c.read()),
		all(func(i int) processValue { return processValue{0, true} }),
		all(func(i int) processValue { return processValue{float64(i) * 123456789.25, true} }),
		all(func(i int) processValue { return processValue{1e21 + float64(i), true} }),
		all(func(i int) processValue { return processValue{0.01 * float64(i), i%3 != 0} }),
		all(func(i int) processValue { return processValue{math.MaxUint64, i%2 == 0} }),
	}
	for n, v := range cases {
		checkAppendsExpfmt(t, fmt.Sprintf("case %d", n), processValues{c, v}, func(b []byte, openMetrics bool) []byte {
			return c.appendValues(b, v, openMetrics)
		})
	}
}

// The server writes the process collector's families directly, in their
// place among the gathered ones (which the family gatherer gathers, all
// names legacy ones): its answer is promhttp's, values apart, for every
// text format and escaping scheme asked for.
func TestScrapeWritesTheProcessFamiliesAsPromhttp(t *testing.T) {
	checkScrapeWritesAsPromhttp(t, func(f textFamily) bool { _, ok := f.(*processCollector); return ok }, "process_open_fds")
}
