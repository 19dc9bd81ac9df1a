package receiver

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// Who may post: the vendors sign nothing (README §1.3, §2.1), so the
// receiver brings its own protection: a shared token and/or a source
// address allow-list.

// tokenOK reports whether the request carries the token required for the
// account (its own webhook_token, else webhooks.token), as
// `Authorization: Bearer <t>` or `?token=<t>`. Both sides are hashed before
// the constant-time compare, so neither content nor length leaks by timing.
func (s *settings) tokenOK(req *http.Request, acct accountAuth) bool {
	want, has := s.tokenSum, s.hasToken
	if acct.hasToken {
		want, has = acct.tokenSum, true
	}
	if !has {
		return true
	}
	if a := req.Header.Get("Authorization"); len(a) > len("Bearer ") && strings.EqualFold(a[:len("Bearer ")], "Bearer ") {
		if tokenMatches(strings.TrimSpace(a[len("Bearer "):]), &want) {
			return true
		}
	}
	if t, ok := queryValue(req.URL.RawQuery, "token"); ok {
		return tokenMatches(t, &want)
	}
	return false
}

func tokenMatches(t string, want *[sha256.Size]byte) bool {
	sum := sha256.Sum256([]byte(t))
	return subtle.ConstantTimeCompare(sum[:], want[:]) == 1
}

// queryValue finds one query parameter without building url.Values.
func queryValue(raw, key string) (string, bool) {
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(kv, "=")
		if k != key {
			continue
		}
		if u, err := url.QueryUnescape(v); err == nil {
			return u, true
		}
		return "", false
	}
	return "", false
}

// sourceOK applies allowed_cidrs to the client address. X-Forwarded-For is
// believed only when the direct peer is a trusted proxy; the client is then
// the right-most address in the chain that is not itself a trusted proxy
// (entries further left could be forged by the client).
func (s *settings) sourceOK(req *http.Request) bool {
	if !s.allowActive {
		return true
	}
	ip, ok := clientAddr(req, s.trusted)
	return ok && inPrefixes(ip, s.allowed)
}

func clientAddr(req *http.Request, trusted []netip.Prefix) (netip.Addr, bool) {
	peer, ok := parseHostAddr(req.RemoteAddr)
	if !ok {
		return netip.Addr{}, false
	}
	if len(trusted) == 0 || !inPrefixes(peer, trusted) {
		return peer, true
	}
	hops := req.Header.Values("X-Forwarded-For")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			p := strings.TrimSpace(parts[j])
			if p == "" {
				continue
			}
			a, ok := parseHostAddr(p)
			if !ok {
				return netip.Addr{}, false // garbage in the chain: trust nothing
			}
			client = a
			if !inPrefixes(a, trusted) {
				return a, true
			}
		}
	}
	return client, true // every hop was a trusted proxy
}

// parseHostAddr accepts "ip", "ip:port" and "[ipv6]:port"; IPv4-mapped IPv6
// addresses are unmapped so IPv4 CIDRs match them, and zones dropped
// (netip.Prefix never contains an address with a zone).
func parseHostAddr(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a.Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
