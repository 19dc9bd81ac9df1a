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
//   - a phone number is also a run of digits and those separators inside
//     longer text ("call 0812-3456-7890", "tel (021) 555-0199 office"),
//     bounded by any other character or the ends, judged as a whole value
//     is: 7 to 15 digits, 9 if written with separators, not a date-like
//     number. Parts of a run that are not a number of their own do not
//     count and split it: a date (2026-12-02, 02/12/2026, 1999.01.31,
//     20261202), so "run 2026-12-02 10:00" stays, and digits written against
//     a Latin letter, which belong to a word (Q4, v2, ab12cd34). In text, a
//     run grouped in threes by dots is an amount and stays (Rp 150.000.000);
//   - an IP address is an IPv4 dotted quad anywhere in v (10.1.2.3,
//     sip:user@10.1.2.3:5060), or an IPv6 address, alone or as a part
//     between brackets, '@' or '/'.
//
// So a numeric id of 7 to 15 digits folds too, alone or in text ("order
// 1234567"): name such ids in the configuration (webhooks.laaffic_scripts,
// webhooks.robots) to keep them. A run of more than 15 digits (two numbers
// written one after the other with only separators between them) is not
// taken for a phone number, nor is a number written against a letter
// ("cb081234567890").
func Personal(v string) bool {
	return phoneLike(v) || phoneWithin(v) || hasIP(v)
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

// phoneWithin: a run of digits and separators in v, less its dates and
// the digits that belong to a word, holds a phone number. Each byte is
// looked at a bounded number of times: linear in len(v).
func phoneWithin(v string) bool {
	for i := 0; i < len(v); {
		if !isDigit(v[i]) && !isSeparator(v[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(v) && (isDigit(v[j]) || isSeparator(v[j])) {
			j++
		}
		if phoneRun(v, i, j) {
			return true
		}
		i = j
	}
	return false
}

// group is a run of digits, v[start:end]; skip marks one that is no part of
// a phone number (a date, digits of a word), which splits the run.
type group struct {
	start, end int
	skip       bool
}

// phoneRun: v[i:j], made of digits and separators, holds a phone number.
// Its groups are read in order, each held back until the two after it are
// seen, as a date is three groups: no allocation, whatever the run's length.
func phoneRun(v string, i, j int) bool {
	var held [3]group // the last groups read, oldest first
	n := 0
	var seg segment
	// next takes the oldest held group into the segment; a skipped one ends
	// it, and the segment is judged.
	next := func() bool {
		g := held[0]
		copy(held[:], held[1:n])
		n--
		if g.skip {
			phone := seg.phone(v)
			seg = segment{}
			return phone
		}
		seg.add(v, g)
		return false
	}
	for k := i; k < j; {
		if !isDigit(v[k]) {
			k++
			continue
		}
		e := k + 1
		for e < j && isDigit(v[e]) {
			e++
		}
		g := group{start: k, end: e, skip: dateLike(v[k:e]) ||
			// Q4, v2, ab12: a word's digits, not a number of their own.
			k == i && i > 0 && isLetter(v[i-1]) || e == j && j < len(v) && isLetter(v[j])}
		if n == len(held) && next() {
			return true
		}
		held[n] = g
		n++
		if n == 3 && dateGroups(v, held[0], held[1], held[2]) {
			held[0].skip, held[1].skip, held[2].skip = true, true, true
		}
		k = e
	}
	for n > 0 {
		if next() {
			return true
		}
	}
	return seg.phone(v)
}

// segment tallies consecutive groups of a run with only separators between
// them, to judge them by the rule for a whole value.
type segment struct {
	first          group // to tell a lone group that reads as a date
	groups, digits int
	lastEnd        int
	// thousands: 150.000.000 so far, an amount as Indonesia and much of
	// Europe write it: 1 to 3 digits, then groups of three after one dot.
	thousands bool
}

func (s *segment) add(v string, g group) {
	n := g.end - g.start
	if s.groups == 0 {
		*s = segment{first: g, groups: 1, digits: n, lastEnd: g.end, thousands: n <= 3}
		return
	}
	s.thousands = s.thousands && n == 3 && v[s.lastEnd:g.start] == "."
	s.groups++
	s.digits += n
	s.lastEnd = g.end
}

func (s *segment) phone(v string) bool {
	if s.digits < 7 || s.digits > 15 {
		return false
	}
	if s.groups == 1 {
		return !dateLike(v[s.first.start:s.first.end])
	}
	return s.digits >= 9 && !s.thousands
}

// dateGroups: a, b and c write a date, year first or last, with one and
// the same separator among - / . between them (2026-12-02, 02/12/2026).
func dateGroups(v string, a, b, c group) bool {
	s1, s2 := v[a.end:b.start], v[b.end:c.start]
	if len(s1) != 1 || s1 != s2 || (s1[0] != '-' && s1[0] != '/' && s1[0] != '.') {
		return false
	}
	year := func(g group) bool {
		x, ok := number(v, g, 4, 4)
		return ok && x >= 1900 && x <= 2099
	}
	between := func(g group, lo, hi int) bool {
		x, ok := number(v, g, 1, 2)
		return ok && x >= lo && x <= hi
	}
	return between(b, 1, 12) && (year(a) && between(c, 1, 31) || between(a, 1, 31) && year(c))
}

// number is the value of group g if it has fewest to most digits.
func number(v string, g group, fewest, most int) (int, bool) {
	if n := g.end - g.start; n < fewest || n > most {
		return 0, false
	}
	x := 0
	for k := g.start; k < g.end; k++ {
		x = x*10 + int(v[k]-'0')
	}
	return x, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isSeparator(c byte) bool {
	return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')'
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

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
