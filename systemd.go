package main

import (
	"errors"
	"net"

	"github.com/coreos/go-systemd/v22/activation"
	"github.com/go-kit/log/level"
)

// mainListeners opens the listeners of /metrics (and, without
// --webhook.listen-address, the webhooks). The server opens them itself
// rather than through web.ListenAndServe (see listen), so it must also
// honour --web.systemd-socket itself: exporter-toolkit adds the flag, but
// only its ListenAndServe acts on it.
func (s *server) mainListeners() ([]net.Listener, error) {
	if s.webFlags.WebSystemdSocket == nil || !*s.webFlags.WebSystemdSocket {
		return listen(*s.webFlags.WebListenAddresses)
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
