package labelcap

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestCapAdmitsUpToMaxThenFolds(t *testing.T) {
	folds := 0
	c := New(3, func() { folds++ })
	for _, v := range []string{"a", "b", "c", "a"} {
		if got := c.Value(v); got != v {
			t.Fatalf("Value(%q) = %q, want it admitted", v, got)
		}
	}
	if got := c.Value("d"); got != Other {
		t.Fatalf("4th distinct value = %q, want %q", got, Other)
	}
	if got := c.Value(Other); got != Other || c.Len() != 3 {
		t.Fatalf("other must not use a slot: got %q, len %d", got, c.Len())
	}
	if folds != 1 {
		t.Fatalf("folds = %d, want 1", folds)
	}
}

func TestCapRejectsUnprintable(t *testing.T) {
	c := New(10, nil)
	for _, v := range []string{"", strings.Repeat("x", MaxValueLen+1), "a\nb", "\xff"} {
		if got := c.Value(v); got != Other {
			t.Errorf("Value(%q) = %q, want %q", v, got, Other)
		}
	}
	if c.Len() != 0 {
		t.Fatalf("unprintable values used %d slots", c.Len())
	}
}

func TestCapSetMaxKeepsAdmitted(t *testing.T) {
	c := New(2, nil)
	c.Value("a")
	c.Value("b")
	c.SetMax(1)
	if c.Value("a") != "a" || c.Value("z") != Other {
		t.Fatal("lowering the cap must keep admitted values and refuse new ones")
	}
}

func TestCapConcurrentNeverExceedsMax(t *testing.T) {
	c := New(10, nil)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				c.Value(fmt.Sprintf("v%d", (g*1000+i)%37))
			}
		}(g)
	}
	wg.Wait()
	if c.Len() != 10 {
		t.Fatalf("Len = %d, want exactly 10", c.Len())
	}
}

func BenchmarkCapAdmitted(b *testing.B) {
	c := New(50, nil)
	c.Value("finished")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.Value("finished")
	}
}

// Invisible and bidi-control characters fold like other unprintable ones:
// "pa\u200bid" would look like "paid" on a dashboard, U+202E reverses what
// follows it.
func TestCapFoldsInvisibleAndBidiCharacters(t *testing.T) {
	c := New(100, nil)
	for _, v := range []string{
		"pa\u200bid",     // zero-width space
		"a\u200cb",       // zero-width non-joiner
		"a\u200db",       // zero-width joiner
		"\ufeffpaid",     // byte order mark / zero-width no-break space
		"x\u202egnp.exe", // right-to-left override
		"a\u202ab",       // right-to-left embedding
		"a\u2066b\u2069", // left-to-right isolate
		"a\u200fb",       // right-to-left mark
		"a\u2028b",       // line separator
		"a\u00adb",       // soft hyphen
		"a\u0085b",       // NEL (C1 control)
		"a\ue000b",       // private use
	} {
		if got := c.Value(v); got != Other {
			t.Errorf("Value(%q) = %q, want %q", v, got, Other)
		}
	}
	for _, v := range []string{"paid", "Überweisung", "客服", "India(Karnataka)", "a b-c_d.e:f"} {
		if got := c.Value(v); got != v {
			t.Errorf("Value(%q) = %q, want it admitted", v, got)
		}
	}
}

// Per-round caps recover: after one answer with 100 000 junk keys filled
// every slot, the next answer's real keys get their own values at once, and
// the cap never holds more than max values.
func TestCapRoundsRecoverFromJunk(t *testing.T) {
	const max = 20
	c := New(max, nil)
	c.BeginRound()
	for i := 0; i < 100_000; i++ {
		c.Value(fmt.Sprintf("junk-%d", i))
	}
	if c.Len() != max {
		t.Fatalf("len %d after the junk round, want %d", c.Len(), max)
	}
	real := []string{"greeting", "billing", "complaint"}
	c.BeginRound()
	for _, v := range real {
		if got := c.Value(v); got != v {
			t.Errorf("round after the junk: Value(%q) = %q, want it admitted", v, got)
		}
	}
	if c.Len() > max {
		t.Errorf("len %d > max %d", c.Len(), max)
	}
	// Within one round, values already offered keep their slots: more
	// new values than slots fold rather than evicting this round's values.
	c.BeginRound()
	for _, v := range real {
		c.Value(v)
	}
	for i := 0; i < 100; i++ {
		c.Value(fmt.Sprintf("new-%d", i))
	}
	for _, v := range real {
		if got := c.Value(v); got != v {
			t.Errorf("value %q offered in this round was replaced", v)
		}
	}
	if c.Len() != max {
		t.Errorf("len %d, want %d", c.Len(), max)
	}
}

// Without rounds (webhook counters) admitted values stay for good.
func TestCapWithoutRoundsNeverForgets(t *testing.T) {
	c := New(2, nil)
	c.Value("a")
	c.Value("b")
	for i := 0; i < 10; i++ {
		if c.Value(fmt.Sprintf("n%d", i)) != Other {
			t.Fatal("a value was admitted beyond the cap")
		}
	}
	if c.Value("a") != "a" || c.Value("b") != "b" {
		t.Fatal("admitted values forgotten")
	}
}
