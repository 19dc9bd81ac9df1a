package testkit

import (
	"net"
	"strconv"
	"testing"
)

// A picked port is free, and below the ephemeral range where the kernel
// reports one with room beneath it.
func TestFreeAddrAvoidsTheEphemeralRange(t *testing.T) {
	lo := ephemeralLow()
	for range 20 {
		addr := FreeAddr(t)
		_, p, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatal(err)
		}
		port, _ := strconv.Atoi(p)
		if lo > 11000 && (port < 10000 || port >= lo) {
			t.Errorf("port %d outside [10000, %d)", port, lo)
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("%s not free: %v", addr, err)
		}
		l.Close()
	}
}
