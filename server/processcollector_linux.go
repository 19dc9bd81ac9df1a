package server

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"

	"airudder_exporter/internal/metricvec"
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat; the kernel
// exports them in USER_HZ, which is 100 on every Linux architecture (the
// value procfs assumes too).
const userHZ = 100

// processCollector exposes the series of client_golang's process collector
// (same names, help, types) from files it opens once. client_golang's opens
// and parses /proc/<pid>/stat, /proc/<pid>/limits, /proc/<pid>/net/netstat,
// the fd directory and the whole of /proc/stat on every scrape, the largest
// part of an idle scrape's CPU. Here the start time is computed once (neither
// the boot time nor the process's start move), the limits come from
// getrlimit, the fd count from fstat of the kept-open fd directory, and
// stat and netstat are re-read from offset 0 of their kept-open files (a
// /proc seq file regenerates its text when read from offset 0).
type processCollector struct {
	descs [len(processFamilies)]*prometheus.Desc // in processFamilies' order

	startTimeSeconds float64
	pageSize         float64

	stat, netstat, fdDir *os.File
	statConn, netConn    syscall.RawConn

	// names are processFamilies' names; headers their header lines in the
	// text format and in OpenMetrics.
	names   []string
	headers [][2]string

	mu  sync.Mutex // guards buf: concurrent scrapes share it
	buf []byte
}

// newProcessCollector returns the process collector of this pid, or
// client_golang's when /proc cannot be read as expected (the series are the
// same; only their cost differs).
func newProcessCollector() prometheus.Collector {
	c, err := openProcessCollector(os.Getpid())
	if err != nil {
		return collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})
	}
	return c
}

func openProcessCollector(pid int) (*processCollector, error) {
	dir := "/proc/" + strconv.Itoa(pid)
	c := &processCollector{
		pageSize: float64(os.Getpagesize()),
		buf:      make([]byte, 8<<10),
	}
	for i, f := range processFamilies {
		c.descs[i] = prometheus.NewDesc(f.name, f.help, nil, nil)
		c.names = append(c.names, f.name)
		typ := dto.MetricType_GAUGE
		if f.counter {
			typ = dto.MetricType_COUNTER
		}
		c.headers = append(c.headers, [2]string{metricvec.Header(f.name, f.help, typ, false), metricvec.Header(f.name, f.help, typ, true)})
	}
	bootTime, err := readBootTime()
	if err != nil {
		return nil, err
	}
	var files []*os.File
	fail := func(err error) (*processCollector, error) {
		for _, f := range files {
			f.Close()
		}
		return nil, err
	}
	for _, o := range []struct {
		f    **os.File
		conn *syscall.RawConn
		name string
	}{{&c.stat, &c.statConn, "stat"}, {&c.netstat, &c.netConn, "net/netstat"}, {&c.fdDir, nil, "fd"}} {
		f, err := os.Open(dir + "/" + o.name)
		if err != nil {
			return fail(err)
		}
		files = append(files, f)
		*o.f = f
		if o.conn != nil {
			if *o.conn, err = f.SyscallConn(); err != nil {
				return fail(err)
			}
		}
	}
	st, err := c.readStat()
	if err != nil {
		return fail(err)
	}
	c.startTimeSeconds = float64(bootTime) + float64(st.startTicks)/userHZ
	if _, _, err := c.readNetstat(); err != nil {
		return fail(err)
	}
	return c, nil
}

// readBootTime is the btime line of /proc/stat (seconds since the epoch).
func readBootTime() (uint64, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte{'\n'})
		if v, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			return strconv.ParseUint(string(bytes.TrimSpace(v)), 10, 64)
		}
		data = rest
	}
	return 0, fmt.Errorf("/proc/stat has no btime line")
}

// pread reads the whole of a /proc file from offset 0 into c.buf (grown as
// needed) with one pread. c.mu is held.
func (c *processCollector) pread(conn syscall.RawConn) ([]byte, error) {
	for {
		var n int
		var rerr error
		if err := conn.Read(func(fd uintptr) bool {
			n, rerr = syscall.Pread(int(fd), c.buf, 0)
			return rerr != syscall.EAGAIN
		}); err != nil {
			return nil, err
		}
		if rerr != nil {
			return nil, rerr
		}
		if n < len(c.buf) {
			return c.buf[:n], nil
		}
		c.buf = make([]byte, 2*len(c.buf))
	}
}

type procStat struct {
	cpuTicks, startTicks, vsize, rssPages uint64
}

// readStat reads /proc/<pid>/stat. c.mu is held (or c not yet shared).
func (c *processCollector) readStat() (procStat, error) {
	data, err := c.pread(c.statConn)
	if err != nil {
		return procStat{}, err
	}
	return parseStat(data)
}

// parseStat parses the fields of a /proc/<pid>/stat text the series need.
func parseStat(data []byte) (procStat, error) {
	// The command name (field 2) is in parentheses and may hold blanks and
	// parentheses itself: the fields are counted from the last ')'.
	r := bytes.LastIndexByte(data, ')')
	if r < 0 {
		return procStat{}, fmt.Errorf("/proc stat: no command name in %q", data)
	}
	var st procStat
	field := 2
	for rest := data[r+1:]; ; {
		var f []byte
		f, rest = nextField(rest)
		if f == nil {
			break
		}
		field++
		var dst *uint64
		var add bool
		switch field {
		case 14, 15: // utime, stime
			dst, add = &st.cpuTicks, true
		case 22:
			dst = &st.startTicks
		case 23:
			dst = &st.vsize
		case 24:
			dst = &st.rssPages
		default:
			continue
		}
		v, ok := parseDecimal(f)
		if !ok {
			return procStat{}, fmt.Errorf("/proc stat: field %d is %q", field, f)
		}
		if add {
			*dst += v
		} else {
			*dst = v
		}
		if field == 24 {
			return st, nil
		}
	}
	return procStat{}, fmt.Errorf("/proc stat: %d fields, want at least 24", field)
}

// readNetstat is InOctets and OutOctets of the IpExt lines of
// /proc/<pid>/net/netstat (a line of names, then a line of values); 0 when
// the kernel has no such column, as client_golang reports it.
func (c *processCollector) readNetstat() (in, out float64, err error) {
	data, err := c.pread(c.netConn)
	if err != nil {
		return 0, 0, err
	}
	prefix := []byte("IpExt:")
	for len(data) > 0 {
		var names, values []byte
		names, data, _ = bytes.Cut(data, []byte{'\n'})
		values, data, _ = bytes.Cut(data, []byte{'\n'})
		if !bytes.HasPrefix(names, prefix) {
			continue
		}
		names, values = names[len(prefix):], values[len(prefix):]
		for {
			var n, v []byte
			n, names = nextField(names)
			v, values = nextField(values)
			if n == nil || v == nil {
				break
			}
			var dst *float64
			switch string(n) {
			case "InOctets":
				dst = &in
			case "OutOctets":
				dst = &out
			default:
				continue
			}
			x, ok := parseDecimal(v)
			if !ok {
				return 0, 0, fmt.Errorf("/proc netstat: IpExt %s is %q", n, v)
			}
			*dst = float64(x)
		}
		return in, out, nil
	}
	return 0, 0, nil
}

// nextField splits off the first blank-separated field of b; nil when b
// has none left.
func nextField(b []byte) (field, rest []byte) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\n') {
		i++
	}
	if i == len(b) {
		return nil, nil
	}
	j := i
	for j < len(b) && b[j] != ' ' && b[j] != '\n' {
		j++
	}
	return b[i:j], b[j:]
}

// parseDecimal parses an unsigned decimal; ok is false for anything else,
// including a value that overflows 64 bits.
func parseDecimal(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var v uint64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (^uint64(0)-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// openFDCount is the number of open file descriptors: the size of the fd
// directory (Linux 6.2 and later report the count there), else its entries.
func (c *processCollector) openFDCount() (int, error) {
	fi, err := c.fdDir.Stat()
	if err != nil {
		return 0, err
	}
	if n := fi.Size(); n > 0 {
		return int(n), nil
	}
	if _, err := c.fdDir.Seek(0, 0); err != nil {
		return 0, err
	}
	names, err := c.fdDir.Readdirnames(-1)
	return len(names), err
}

// Describe sends the nine descriptions.
func (c *processCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// processSample is one reading of the series; a part that cannot be read
// is left out (its ok false), as client_golang's collector leaves it out
// without ReportErrors.
type processSample struct {
	st                  procStat
	in, out             float64
	fds                 int
	nofile, as          syscall.Rlimit
	statOK, netOK, fdOK bool
	limitsOK            bool
}

func (c *processCollector) read() processSample {
	var p processSample
	var statErr, netErr, fdErr error
	c.mu.Lock()
	p.st, statErr = c.readStat()
	p.in, p.out, netErr = c.readNetstat()
	p.fds, fdErr = c.openFDCount()
	c.mu.Unlock()
	p.statOK, p.netOK, p.fdOK = statErr == nil, netErr == nil, fdErr == nil
	p.limitsOK = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &p.nofile) == nil && syscall.Getrlimit(syscall.RLIMIT_AS, &p.as) == nil
	return p
}

// Collect sends the series in the order client_golang's collector does.
func (c *processCollector) Collect(ch chan<- prometheus.Metric) { c.send(ch, c.values(c.read())) }

func (c *processCollector) send(ch chan<- prometheus.Metric, v [len(processFamilies)]processValue) {
	for _, i := range [...]int{procCPUSeconds, procVirtual, procResident, procStartTime, procOpenFDs, procMaxFDs, procVirtualMax, procNetReceive, procNetTransmit} {
		if v[i].ok {
			typ := prometheus.GaugeValue
			if processFamilies[i].counter {
				typ = prometheus.CounterValue
			}
			ch <- prometheus.MustNewConstMetric(c.descs[i], typ, v[i].v)
		}
	}
}

// processValue is a family's value, if its part could be read.
type processValue struct {
	v  float64
	ok bool
}

// values are p's values in processFamilies' order.
func (c *processCollector) values(p processSample) [len(processFamilies)]processValue {
	var v [len(processFamilies)]processValue
	v[procCPUSeconds] = processValue{float64(p.st.cpuTicks) / userHZ, p.statOK}
	v[procMaxFDs] = processValue{float64(p.nofile.Cur), p.limitsOK}
	v[procNetReceive] = processValue{p.in, p.netOK}
	v[procNetTransmit] = processValue{p.out, p.netOK}
	v[procOpenFDs] = processValue{float64(p.fds), p.fdOK}
	v[procResident] = processValue{float64(p.st.rssPages) * c.pageSize, p.statOK}
	v[procStartTime] = processValue{c.startTimeSeconds, p.statOK}
	v[procVirtual] = processValue{float64(p.st.vsize), p.statOK}
	v[procVirtualMax] = processValue{float64(p.as.Cur), p.limitsOK}
	return v
}

// The indices of processFamilies.
const (
	procCPUSeconds = iota
	procMaxFDs
	procNetReceive
	procNetTransmit
	procOpenFDs
	procResident
	procStartTime
	procVirtual
	procVirtualMax
)

// processFamilies are the collector's families in name order, as a text
// scrape writes them.
var processFamilies = [...]struct {
	name, help string
	counter    bool
}{
	{"process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", true},
	{"process_max_fds", "Maximum number of open file descriptors.", false},
	{"process_network_receive_bytes_total", "Number of bytes received by the process over the network.", true},
	{"process_network_transmit_bytes_total", "Number of bytes sent by the process over the network.", true},
	{"process_open_fds", "Number of open file descriptors.", false},
	{"process_resident_memory_bytes", "Resident memory size in bytes.", false},
	{"process_start_time_seconds", "Start time of the process since unix epoch in seconds.", false},
	{"process_virtual_memory_bytes", "Virtual memory size in bytes.", false},
	{"process_virtual_memory_max_bytes", "Maximum amount of virtual memory available in bytes.", false},
}

// FamilyName is the first of FamilyNames.
func (c *processCollector) FamilyName() string { return processFamilies[0].name }

// FamilyNames are the names of the nine families, sorted.
func (c *processCollector) FamilyNames() []string { return c.names }

// LegacyNames: the names need no quoting.
func (*processCollector) LegacyNames() bool { return true }

// AppendText appends the families Collect sends, in name order, as expfmt
// encodes them: the text format, or OpenMetrics (a counter's family named
// without its _total suffix).
func (c *processCollector) AppendText(b []byte, openMetrics bool) []byte {
	return c.appendValues(b, c.values(c.read()), openMetrics)
}

func (c *processCollector) appendValues(b []byte, values [len(processFamilies)]processValue, openMetrics bool) []byte {
	om := 0
	if openMetrics {
		om = 1
	}
	for i, v := range values {
		if v.ok {
			b = append(b, c.headers[i][om]...)
			b = append(b, processFamilies[i].name...)
			b = append(b, ' ')
			b = metricvec.AppendFloat(b, v.v, openMetrics)
			b = append(b, '\n')
		}
	}
	return b
}
