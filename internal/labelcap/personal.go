package labelcap

import (
	"net/netip"
	"strings"
)

// Personal reports whether v looks like a phone number or holds an IP
// address. Such a value says who was called or which host answered, and a
// label value is kept by every Prometheus that scrapes the exporter, for as
// long as its retention: a Cap folds it into Other, as a value over the cap.
//
// The test is a heuristic that errs on the side of folding:
//   - a phone number is a value made only of digits and the separators
//     people write them with (space - . / ( )), with 7 to 15 digits (E.164
//     allows 15), optionally after "+" or a tel:/sip: scheme; or a "+"
//     followed by 7 or more digits anywhere (sip:+62812...@pbx). Written
//     with separators and without "+", it needs 9 digits, so a date such as
//     2026-12-02 stays; so does an eight- or fourteen-digit value that reads
//     as a date (20261202, 20261202153000);
//   - an IP address is an IPv4 dotted quad anywhere in v (10.1.2.3,
//     sip:user@10.1.2.3:5060), or an IPv6 address, alone or as a part
//     between brackets, '@' or '/'.
//
// So a numeric id of 7 to 15 digits folds too: name such ids in the
// configuration (webhooks.laaffic_scripts, webhooks.robots) to keep them.
func Personal(v string) bool {
	return phoneLike(v) || hasIP(v)
}

// PersonalID is Personal for a value that is a record's id (an exemplar):
// a number alone is kept, as vendors number their records (AiRudder's id,
// LAAFFIC's voiceId), while a "+" number, a number written with
// separators, or an IP address is not an id.
func PersonalID(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return Personal(v)
		}
	}
	return false
}

func phoneLike(v string) bool {
	s := strings.TrimSpace(v)
	for _, scheme := range []string{"tel:", "sip:", "sips:"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			s = s[len(scheme):]
			break
		}
	}
	if at := strings.IndexByte(s, '@'); at >= 0 {
		s = s[:at] // a SIP URI's user part
	}
	if plusDigits(v) {
		return true
	}
	plus := strings.HasPrefix(s, "+")
	if plus {
		s = s[1:]
	}
	digits, separators := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')':
			separators++
		default:
			return false
		}
	}
	if digits < 7 || digits > 15 {
		return false
	}
	if plus {
		return true
	}
	if separators > 0 {
		return digits >= 9
	}
	return !dateLike(s)
}

// plusDigits: a "+" followed by at least 7 digits, single spaces or dashes
// allowed between them.
func plusDigits(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] != '+' {
			continue
		}
		digits := 0
		for j := i + 1; j < len(v); j++ {
			c := v[j]
			if c >= '0' && c <= '9' {
				digits++
				continue
			}
			if (c == ' ' || c == '-') && j+1 < len(v) && v[j+1] >= '0' && v[j+1] <= '9' && digits > 0 {
				continue
			}
			break
		}
		if digits >= 7 {
			return true
		}
	}
	return false
}

// dateLike: eight or fourteen digits that start with a date of the years
// 1900 to 2099 (yyyyMMdd, yyyyMMddHHmmss).
func dateLike(s string) bool {
	if len(s) != 8 && len(s) != 14 {
		return false
	}
	n := func(i, j int) int {
		x := 0
		for _, c := range s[i:j] {
			x = x*10 + int(c-'0')
		}
		return x
	}
	y, m, d := n(0, 4), n(4, 6), n(6, 8)
	if y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	return len(s) == 8 || n(8, 10) < 24 && n(10, 12) < 60 && n(12, 14) < 60
}

func hasIP(v string) bool {
	if ipv4Within(v) {
		return true
	}
	// IPv6: v itself, or a part of it between brackets, '@' or '/'
	// (sip:[2001:db8::1]:5060, user@fe80::1%eth0).
	for _, part := range strings.FieldsFunc(v, func(r rune) bool {
		return r == '[' || r == ']' || r == '@' || r == '/' || r == ' ' || r == ';' || r == ','
	}) {
		if strings.Count(part, ":") < 2 {
			continue
		}
		if _, err := netip.ParseAddr(part); err == nil {
			return true
		}
		// host:port after an address without brackets is ambiguous in
		// IPv6; an address followed by :port is tried without its last
		// field.
		if k := strings.LastIndexByte(part, ':'); k > 0 {
			if _, err := netip.ParseAddr(part[:k]); err == nil {
				return true
			}
		}
	}
	return false
}

// ipv4Within: four dot-separated numbers of at most three digits, each at
// most 255, anywhere in v, not part of a longer run of digits.
func ipv4Within(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' || (i > 0 && v[i-1] >= '0' && v[i-1] <= '9') {
			continue
		}
		j, ok := i, true
		for part := 0; part < 4 && ok; part++ {
			if part > 0 {
				if j >= len(v) || v[j] != '.' {
					ok = false
					break
				}
				j++
			}
			k, x := j, 0
			for k < len(v) && k-j < 4 && v[k] >= '0' && v[k] <= '9' {
				x = x*10 + int(v[k]-'0')
				k++
			}
			if k == j || k-j > 3 || x > 255 {
				ok = false
			}
			j = k
		}
		if ok {
			return true
		}
	}
	return false
}
