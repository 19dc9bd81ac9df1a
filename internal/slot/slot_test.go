package slot

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestAcquireTakesFreeSlotsAtOnce(t *testing.T) {
	s := New(2)
	if s.Size() != 2 {
		t.Fatalf("Size = %d, want 2", s.Size())
	}
	for i := 0; i < 2; i++ {
		if !s.Acquire(context.Background(), 0) {
			t.Fatalf("slot %d not free", i)
		}
	}
	if s.Acquire(context.Background(), 0) {
		t.Fatal("a third slot out of two")
	}
	s.Release()
	if !s.Acquire(context.Background(), 0) {
		t.Fatal("a released slot is not free again")
	}
}

func TestNewHasAtLeastOneSlot(t *testing.T) {
	if n := New(0).Size(); n != 1 {
		t.Errorf("New(0).Size() = %d, want 1", n)
	}
}

func TestAcquireGivesUpAfterWait(t *testing.T) {
	s := New(1)
	s.Acquire(context.Background(), 0)
	start := time.Now()
	if s.Acquire(context.Background(), 50*time.Millisecond) {
		t.Fatal("acquired a slot that was never released")
	}
	if took := time.Since(start); took < 50*time.Millisecond {
		t.Errorf("gave up after %v, before the 50ms wait", took)
	}
}

func TestAcquireGetsASlotReleasedDuringTheWait(t *testing.T) {
	s := New(1)
	s.Acquire(context.Background(), 0)
	go func() {
		time.Sleep(20 * time.Millisecond)
		s.Release()
	}()
	if !s.Acquire(context.Background(), 5*time.Second) {
		t.Fatal("did not get the slot released while waiting")
	}
}

func TestAcquireStopsWhenTheContextEnds(t *testing.T) {
	s := New(1)
	s.Acquire(context.Background(), 0)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(20 * time.Millisecond)
		cancel()
	}()
	start := time.Now()
	if s.Acquire(ctx, 5*time.Second) {
		t.Fatal("acquired a slot that was never released")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("waited %v after the context ended", took)
	}
}

// Never more holders than slots, whatever the interleaving.
func TestSlotsBoundConcurrency(t *testing.T) {
	s := New(3)
	var mu sync.Mutex
	in, peak := 0, 0
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !s.Acquire(context.Background(), 5*time.Second) {
				t.Error("no slot within 5s")
				return
			}
			mu.Lock()
			in++
			peak = max(peak, in)
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			in--
			mu.Unlock()
			s.Release()
		}()
	}
	wg.Wait()
	if peak > 3 {
		t.Errorf("%d holders at once, want at most 3", peak)
	}
}
