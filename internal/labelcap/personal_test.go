package labelcap

import (
	"strings"
	"testing"
)

func TestPersonal(t *testing.T) {
	for _, v := range []string{
		// Phone numbers, as vendors and people write them.
		"6281234567890", "+6281234567890", "+62 812-3456-7890", "(021) 555-1234-56", "0812 3456 7890",
		"63123456788", "1234567", "+1 (415) 555-0100", "tel:+14155550100", "sip:6281234567890@pbx.example.com",
		"call +62 81234567890 failed", "sips:+44 20 7946 0958",
		// IP addresses.
		"10.1.2.3", "192.168.1.1", "sip:user@10.1.2.3:5060", "gw-10.0.0.254-a", "::1", "2001:db8::1",
		"sip:[2001:db8::1]:5060", "fe80::1%eth0", "user@2001:db8::7", "line/2001:db8::7",
	} {
		if !Personal(v) {
			t.Errorf("Personal(%q) = false, want true", v)
		}
	}
	for _, v := range []string{
		// Names, ids and values labels do carry.
		"collections-v2", "robot 7", "line-1", "India(Karnataka)", "20+20", "60+60", "YES", "123", "123124",
		"2026-12-02", "20261202", "20261202153000", "12:30:45", "v1.2.3", "a1b2c3d4e5f6", "other", "",
		"+62", "SIP trunk 2", "USD", "1.5", "3f2a9c1e7b", "12345", "+123456", "2026/12/02", "1999.01.31",
		"22121121451211349002", // twenty digits: an id, no phone number
		"256.1.2.3",            // no octet
	} {
		if Personal(v) {
			t.Errorf("Personal(%q) = true, want false", v)
		}
	}
}

func TestCapFoldsPersonalValues(t *testing.T) {
	folds := 0
	c := New(10, func() { folds++ })
	for _, v := range []string{"+6281234567890", "10.1.2.3", "sip:user@192.168.0.1"} {
		if got := c.Value(v); got != Other {
			t.Errorf("Value(%q) = %q, want %q", v, got, Other)
		}
	}
	if got := c.Value("robot-a"); got != "robot-a" {
		t.Errorf("Value(robot-a) = %q", got)
	}
	if folds != 3 || c.Len() != 1 {
		t.Errorf("folds %d, admitted %d; want 3 and 1 (personal values take no slot)", folds, c.Len())
	}
}

func TestPersonalID(t *testing.T) {
	for v, want := range map[string]bool{
		"931888898": false, "22121121451211349002": false, "6281234567890": false, "ic9adfe00d474b5351bc0": false,
		"+6281234567890": true, "0812 3456 7890": true, "10.1.2.3": true, "sip:user@10.1.2.3": true, "": false,
	} {
		if got := PersonalID(v); got != want {
			t.Errorf("PersonalID(%q) = %v, want %v", v, got, want)
		}
	}
}

// A phone number written inside other text (an AiRudder story key, a result
// label) is as personal as one alone: it folds.
func TestPersonalPhoneNumberWithinText(t *testing.T) {
	for _, v := range []string{
		"call 0812-3456-7890", "callback 081234567890 tomorrow", "tel (021) 555-0199 office",
		"cs: 62 812 3456 7890", "HP:081234567890", "telp.0812.3456.7890.", "no 1234567 called",
		"call 2026-12-02 to 0812 3456 7890", // a date next to it does not hide it
		"Q4 0812 3456 7890",                 // nor a word's digits before it
		"20261202 0812345678",               // nor a date-like number
		"电话081234567890",                    // nor text that is not Latin
	} {
		if !Personal(v) {
			t.Errorf("Personal(%q) = false, want true", v)
		}
	}
}

// Numbers that text labels do carry (dates, times, versions, short numbers,
// amounts, ids mixed with letters) stay.
func TestPersonalKeepsNumbersWithinText(t *testing.T) {
	for _, v := range []string{
		"campaign 2026-12-02", "run 2026-12-02 10:00", "run 2026-12-02 10.30", "20261202 batch", "Q4 2026",
		"from 02/12/2026 09:00", "2026-12-01 - 2026-12-02", "batch 20261202153000 done",
		"v1.2.3", "script 2.10.4", "press 1", "top 100", "room 101", "order 12345", "price 1,299.00",
		"cost 12.50 EUR", "loan Rp 150.000.000", "task-ab12cd34", "robot2026120201", "ab1234567cd",
		"hours 08.00-17.00", "step 1 of 3",
	} {
		if Personal(v) {
			t.Errorf("Personal(%q) = true, want false", v)
		}
	}
}

// longValues are values of 256 KiB built to make a scan of v revisit its
// bytes: runs of digit groups, dates, '+' numbers, dotted groups, words and
// colons.
func longValues() []string {
	const n = 1 << 18
	return []string{
		strings.Repeat("1", n), strings.Repeat("1-", n/2), strings.Repeat("2026-12-02 ", n/11),
		strings.Repeat("+1", n/2), strings.Repeat("1.", n/2), strings.Repeat("a1 ", n/3), strings.Repeat("::1:", n/4),
	}
}

// The scan for a phone number inside text runs on every new label value
// a client sends: it keeps no list of the groups it has read, so a long
// run of groups costs no memory. (Its speed on these values, linear in
// their length, is BenchmarkPersonalLongValues': a timed test would fail on
// a loaded machine.)
func TestPhoneWithinAllocatesNothing(t *testing.T) {
	for _, v := range longValues() {
		if a := testing.AllocsPerRun(2, func() { phoneWithin(v) }); a != 0 {
			t.Errorf("phoneWithin(%q...) of %d bytes: %v allocations, want 0", v[:8], len(v), a)
		}
	}
}

func BenchmarkPersonalLongValues(b *testing.B) {
	vs := longValues()
	b.SetBytes(int64(len(vs[0])))
	for b.Loop() {
		for _, v := range vs {
			Personal(v)
			PersonalID(v)
		}
	}
}

// FuzzPersonal: Personal and PersonalID never panic, and a phone number
// found inside v is found in the same v written inside other text, as a
// story key or a result label carries it.
func FuzzPersonal(f *testing.F) {
	for _, v := range []string{
		"call 0812-3456-7890", "tel (021) 555-0199 office", "run 2026-12-02 10:00", "Q4 2026", "v1.2.3",
		"loan Rp 150.000.000", "+62 812-3456-7890", "sip:[2001:db8::1]:5060", "10.1.2.3", "02/12/2026 0812345678",
	} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		Personal(v)
		PersonalID(v)
		within := phoneWithin(v)
		if padded := phoneWithin(" " + v + " "); padded != within {
			t.Errorf("phoneWithin(%q) = %v, but %v with spaces around it", v, within, padded)
		}
		if within && !Personal("note "+v+" end") {
			t.Errorf("Personal(%q) finds a phone number, Personal(%q) does not", v, "note "+v+" end")
		}
	})
}
