package receiver

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// The same bytes give the same shared string, before and after the values
// move to the lock-free map; past the bound and past the label length
// values are still returned, only not kept.
func TestInternerSharesOneStringPerValue(t *testing.T) {
	in := NewInterner(100)
	first := map[string]string{}
	for round := 0; round < 50; round++ {
		for i := 0; i < 120; i++ {
			v := fmt.Sprintf("value-%d", i)
			got := in.Get([]byte(v))
			if got != v {
				t.Fatalf("Get(%q) = %q", v, got)
			}
			if i >= 100 {
				continue // over the bound: a copy each time
			}
			if f, ok := first[v]; !ok {
				first[v] = got
			} else if unsafe.StringData(f) != unsafe.StringData(got) {
				t.Fatalf("round %d: Get(%q) returned a new string, not the shared one", round, v)
			}
		}
	}
	if n := len(*in.read.Load()) + len(in.dirty); n != 100 {
		t.Errorf("interner holds %d values, want its bound 100", n)
	}
	long := strings.Repeat("x", 200)
	if got := in.Get([]byte(long)); got != long {
		t.Errorf("long value came back as %q", got)
	}
	if in.Get(nil) != "" {
		t.Error("empty value is not empty")
	}
}

func TestInternerConcurrentGet(t *testing.T) {
	in := NewInterner(1000)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5000; i++ {
				v := fmt.Sprintf("v%d", i%300)
				if got := in.Get([]byte(v)); got != v {
					t.Errorf("Get(%q) = %q", v, got)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := len(*in.read.Load()) + len(in.dirty); n != 300 {
		t.Errorf("interner holds %d values, want 300", n)
	}
}
