package dedup

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// respServer is a RESP2 server on loopback playing a Redis that misbehaves:
// answer gives the raw reply to each command (its arguments, the name in
// upper case), "" for none (a Redis that hangs). It records the commands'
// names. Cleanup closes the listener and every connection, and waits for
// their readers.
type respServer struct {
	addr string
	mu   sync.Mutex
	cmds []string
	open []net.Conn
	hung bool // hangUp ran: a connection accepted since is closed at once
}

func newRESPServer(t *testing.T, answer func(args []string) string) *respServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &respServer{addr: l.Addr().String()}
	// The accept loop holds a count of its own, so a connection's Add
	// never races Cleanup's Wait at zero.
	var conns sync.WaitGroup
	t.Cleanup(func() {
		l.Close()
		f.hangUp()
		conns.Wait()
	})
	conns.Add(1)
	go func() {
		defer conns.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.open = append(f.open, c)
			if f.hung {
				// Accepted just before the listener closed, after hangUp:
				// its reader would wait for a client that may never close.
				c.Close()
			}
			f.mu.Unlock()
			conns.Add(1)
			go func() {
				defer conns.Done()
				defer c.Close()
				f.serve(c, answer)
			}()
		}
	}()
	return f
}

func (f *respServer) serve(c net.Conn, answer func(args []string) string) {
	br := bufio.NewReader(c)
	for {
		args, err := readCommand(br)
		if err != nil {
			return
		}
		args[0] = strings.ToUpper(args[0])
		f.mu.Lock()
		f.cmds = append(f.cmds, args[0])
		f.mu.Unlock()
		if reply := answer(args); reply != "" {
			if _, err := c.Write([]byte(reply)); err != nil {
				return
			}
		}
	}
}

// hangUp closes the connections: a command waiting on one fails at once.
func (f *respServer) hangUp() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hung = true
	for _, c := range f.open {
		c.Close()
	}
}

// scripts counts the scripts run so far (claims, releases, confirms).
func (f *respServer) scripts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.cmds {
		if c == "EVALSHA" || c == "EVAL" {
			n++
		}
	}
	return n
}

// unknownCommand is Redis's answer to a command it does not know.
const unknownCommand = "-ERR unknown command\r\n"

// readCommand reads one RESP array of bulk strings.
func readCommand(br *bufio.Reader) ([]string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "*")))
	if err != nil || n < 1 {
		return nil, net.ErrClosed
	}
	args := make([]string, n)
	for i := range args {
		if _, err := br.ReadString('\n'); err != nil { // $<len>
			return nil, err
		}
		a, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		args[i] = strings.TrimRight(a, "\r\n")
	}
	return args, nil
}
