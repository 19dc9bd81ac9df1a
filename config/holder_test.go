package config

import (
	"sync"
	"testing"
)

func TestHolderZeroValue(t *testing.T) {
	var h Holder
	if h.Get() != nil {
		t.Error("zero Holder should hold nil")
	}
	c := mustParse(t, "")
	h.Set(c)
	if h.Get() != c {
		t.Error("Set then Get returned another config")
	}
}

// Readers racing a writer always see a whole config (one of those stored),
// never nil. Run with -race to check the swap itself.
func TestHolderConcurrent(t *testing.T) {
	const readers, rounds = 4, 2000
	a := mustParse(t, "webhooks: {max_label_values: 10}\nairudder:\n  accounts:\n    - {max_label_values: 10}\n")
	b := mustParse(t, "webhooks: {max_label_values: 20}\nairudder:\n  accounts:\n    - {max_label_values: 20}\n")
	h := NewHolder(a)

	var wg sync.WaitGroup
	errs := make(chan string, readers)
	for r := 0; r < readers; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				c := h.Get()
				if c == nil || (c != a && c != b) {
					errs <- "Get returned an unknown config"
					return
				}
				// Both halves come from the same file.
				if c.Webhooks.MaxLabelValues != c.AiRudder.Accounts[0].MaxLabelValues {
					errs <- "Get returned a mixed config"
					return
				}
			}
		}()
	}
	for i := 0; i < rounds; i++ {
		if i%2 == 0 {
			h.Set(b)
		} else {
			h.Set(a)
		}
	}
	h.Set(b)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if h.Get() != b {
		t.Error("last Set did not win")
	}
}
