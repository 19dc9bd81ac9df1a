package server

import (
	"errors"
	"net"

	"github.com/coreos/go-systemd/v22/activation"
	"github.com/go-kit/log/level"
)

// listen opens the listeners itself (rather than exporter-toolkit's
// ListenAndServe) so the demo traffic generator knows the real port even
// for ":0".
func listen(addrs []string) ([]net.Listener, error) {
	var ls []net.Listener
	for _, a := range addrs {
		l, err := net.Listen("tcp", a)
		if err != nil {
			for _, o := range ls {
				o.Close()
			}
			return nil, err
		}
		ls = append(ls, l)
	}
	return ls, nil
}

// mainListeners opens the listeners of /metrics (and, without
// --webhook.listen-address, the webhooks). Since the server opens them
// itself (see listen), it must also honour --web.systemd-socket itself:
// exporter-toolkit adds the flag, but only its ListenAndServe acts on it.
func (s *Server) mainListeners() ([]net.Listener, error) {
	if s.o.Web.WebSystemdSocket == nil || !*s.o.Web.WebSystemdSocket {
		return listen(*s.o.Web.WebListenAddresses)
	}
	ls, err := activation.Listeners()
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 {
		return nil, errors.New("--web.systemd-socket: no socket activation file descriptors found (LISTEN_FDS/LISTEN_PID)")
	}
	for _, l := range ls {
		if l == nil {
			return nil, errors.New("--web.systemd-socket: a passed file descriptor is not a socket listener")
		}
	}
	level.Info(s.logger).Log("msg", "Listening on systemd activated listeners instead of --web.listen-address", "listeners", len(ls))
	return ls, nil
}

// webhookURL turns a listener address into a loopback base URL.
func webhookURL(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	return "http://127.0.0.1:" + port
}

// browseURL is the base URL a browser on this host reaches addr with: an
// unspecified address (":10133", "0.0.0.0", "[::]") becomes localhost.
func browseURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
