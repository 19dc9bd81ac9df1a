package laaffic

import (
	"bytes"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"airudder_exporter/collector"
)

// apiHostilePages answers every list request with a page of pages
// claiming pages pages, its records `{}` filling about size bytes.
func apiHostilePages(pages, size int) http.Handler {
	var b bytes.Buffer
	b.WriteString(`{"status":"0","data":{"pages":` + strconv.Itoa(pages) + `,"records":[{}`)
	for b.Len() < size-4 {
		b.WriteString(`,{}`)
	}
	b.WriteString(`]}}`)
	page := b.Bytes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(page)
	})
}

// apiMeasure runs f and returns the bytes allocated meanwhile and the
// highest heap in use above what it was before, sampled every millisecond.
func apiMeasure(f func()) (alloc, peak uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var top atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > top.Load() {
				top.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	f()
	close(stop)
	<-done
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, max(top.Load(), before.HeapInuse) - before.HeapInuse
}

// A hostile list answer cannot make a fetch hold more than a few answers'
// worth of memory: pages full of empty records stop at the fetch's record
// bound (counted as too_large), and a page over the answer cap is not read
// beyond it.
func TestAPIListMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates tens of MiB")
	}
	for _, c := range []struct {
		name        string
		pages, size int
	}{
		{"5 pages of 1 MiB", 5, 1 << 20},
		{"1 page just under the answer cap", 1, 4<<20 - 64},
		{"1 page of 16 MiB", 1, 16 << 20},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := apiHostilePages(c.pages, c.size)
			var errs func(string) float64
			alloc, peak := apiMeasure(func() { errs = apiLimitsErrors(t, "sip_trunks", h, 0) })
			t.Logf("allocated %d MiB, peak heap in use +%d MiB", alloc>>20, peak>>20)
			if got := errs(apiReasonTooLarge); got != 1 {
				t.Errorf("too_large errors = %v, want 1", got)
			}
			if alloc > 96<<20 || peak > 48<<20 {
				t.Errorf("allocated %d MiB, peak heap +%d MiB: want at most 96 and 48", alloc>>20, peak>>20)
			}
		})
	}
}

// apiPages answers the n-th list request (from 1) with page(n).
func apiPages(page func(n int) string) http.Handler {
	var n atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(page(int(n.Add(1)))))
	})
}

// apiEmptyRecords is n records `{}` as a JSON array's elements.
func apiEmptyRecords(n int) string {
	return strings.TrimSuffix(strings.Repeat("{},", n), ",")
}

// The bounds hold over all the pages of a fetch, exactly: the records of
// two pages together, the bytes of several answers each under the answer
// cap together.
func TestAPIListFetchBounds(t *testing.T) {
	half := apiMaxFetchRecords / 2
	records := func(second int) http.Handler {
		return apiPages(func(n int) string {
			k := half
			if n == 2 {
				k = second
			}
			return `{"status":"0","data":{"pages":2,"records":[` + apiEmptyRecords(k) + `]}}`
		})
	}
	pad := strings.Repeat("x", 3<<20)
	bytesOf := func(pages int) http.Handler {
		return apiPages(func(n int) string {
			return `{"status":"0","pad":"` + pad + `","data":{"pages":` + strconv.Itoa(pages) + `,"records":[{"sipTrunkName":"t","state":1}]}}`
		})
	}
	for _, c := range []struct {
		name     string
		h        http.Handler
		tooLarge float64
	}{
		{"records at the bound", records(half), 0},
		{"one record over", records(half + 1), 1},
		{"5 answers of 3 MiB", bytesOf(5), 0},
		{"6 answers of 3 MiB", bytesOf(6), 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			errs := apiLimitsErrors(t, "sip_trunks", c.h, 0)
			if got := errs(apiReasonTooLarge); got != c.tooLarge {
				t.Errorf("too_large errors = %v, want %v", got, c.tooLarge)
			}
			if got := errs(collector.ReasonDecode); got != 0 {
				t.Errorf("decode errors = %v", got)
			}
		})
	}
}
