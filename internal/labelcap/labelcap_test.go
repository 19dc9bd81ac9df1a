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
