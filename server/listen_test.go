package server

import (
	"net"
	"testing"
)

func TestBrowseURL(t *testing.T) {
	for addr, want := range map[string]string{
		"0.0.0.0:10133":  "http://localhost:10133",
		"[::]:10133":     "http://localhost:10133",
		"127.0.0.1:4000": "http://127.0.0.1:4000",
		"[::1]:4000":     "http://[::1]:4000",
		"10.1.2.3:80":    "http://10.1.2.3:80",
	} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := browseURL(a); got != want {
			t.Errorf("browseURL(%s) = %s, want %s", addr, got, want)
		}
	}
}
