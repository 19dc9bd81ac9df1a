package config

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestParsePrefixes(t *testing.T) {
	cases := []struct {
		in   string
		want string // "" = error
	}{
		{"10.0.0.0/8", "10.0.0.0/8"},
		{"10.1.2.3/8", "10.0.0.0/8"}, // host bits masked
		{"0.0.0.0/0", "0.0.0.0/0"},
		{"192.0.2.7", "192.0.2.7/32"}, // bare IPv4 = one host
		{"  192.0.2.7\t", "192.0.2.7/32"},
		{"2001:db8::1", "2001:db8::1/128"}, // bare IPv6 = one host
		{"2001:db8::1/48", "2001:db8::/48"},
		{"::1", "::1/128"},
		{"::ffff:192.0.2.7", "192.0.2.7/32"}, // v4-mapped host unmapped to match v4 peers
		{"fe80::1%eth0", "fe80::1/128"},      // zone dropped
		{"", ""},
		{"10.0.0.0/33", ""},
		{"10.0.0/8", ""},
		{"10.0.0.256", ""},
		{"example.com", ""},
		{"192.0.2.7/", ""},
		{"2001:db8::/129", ""},
	}
	for _, tc := range cases {
		got, err := parsePrefixes("f", []string{tc.in})
		if tc.want == "" {
			if err == nil {
				t.Errorf("%q: accepted as %v, want an error", tc.in, got)
			} else if !strings.Contains(err.Error(), "f[0]: ") || !strings.Contains(err.Error(), "neither a CIDR nor an IP address") {
				t.Errorf("%q: error %q lacks field name or reason", tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if len(got) != 1 || got[0] != netip.MustParsePrefix(tc.want) {
			t.Errorf("%q: got %v, want %s", tc.in, got, tc.want)
		}
	}
}

func TestParsePrefixesList(t *testing.T) {
	got, err := parsePrefixes("f", []string{"10.0.0.0/8", "::1", "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("192.0.2.1/32")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v (order kept)", got, want)
	}
	// One bad entry fails the whole list: a half-applied allow-list is worse than none.
	if got, err := parsePrefixes("f", []string{"10.0.0.0/8", "bad"}); err == nil || got != nil {
		t.Errorf("got %v, %v; want nil and an error", got, err)
	}
	// Nothing configured: an empty, non-nil list.
	if got, err := parsePrefixes("f", nil); err != nil || got == nil || len(got) != 0 {
		t.Errorf("nil input: got %#v, %v", got, err)
	}
}
