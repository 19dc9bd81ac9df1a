package reliability

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// rawRequest is an HTTP/1.1 POST as bytes, for clients that misbehave on
// purpose.
func rawRequest(addr, pathQuery string, body []byte, contentLength int) []byte {
	h := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
		pathQuery, addr, contentLength)
	return append([]byte(h), body...)
}

// Ways a delivery can be cut, as a vendor would see it: no answer, so it
// retries the same body.
const (
	cutNone         = iota
	cutAfterBody    // whole request written, connection closed before the answer
	cutTinyTimeout  // client gives up after 1 ms, anywhere in the exchange
	cutHalfBody     // connection closed halfway through the body
	numCutFlavours  = 3
	exactlyOnceSeed = 20240601
)

type delivery struct {
	body
	dup bool
	cut int
}

// TestExactlyOnceUnderLoad: 8 concurrent clients deliver both vendors'
// bodies (AiRudder batches of 1..10, LAAFFIC object / {"array"} / bare
// array), 20% of them twice, some batches overlapping earlier ones, and
// ~10% first cut off (then retried until 200). Every unique call must be
// counted exactly once.
func TestExactlyOnceUnderLoad(t *testing.T) {
	skipShort(t)
	const token = "eo-token"
	p := start(t, opts{config: "webhooks:\n  token: " + token + "\n"})
	g := newGen(t, "eo")
	rnd := rand.New(rand.NewPCG(exactlyOnceSeed, 1))

	var bodies []delivery
	unique := map[string]int{pathAR: 0, pathLA: 0}
	var arSeen []map[string]any
	var laSeen []map[string]any
	for i := 0; i < 500; i++ {
		n := 1 + rnd.IntN(10)
		calls := make([]map[string]any, n)
		for k := range calls {
			calls[k] = g.arCall()
		}
		unique[pathAR] += n
		// An aggregated re-delivery: one call already sent in another batch.
		if len(arSeen) > 0 && rnd.IntN(10) == 0 {
			calls = append(calls, arSeen[rnd.IntN(len(arSeen))])
		}
		arSeen = append(arSeen, calls[:n]...)
		bodies = append(bodies, delivery{body: body{pathAR, arBody(calls), len(calls)}})
	}
	for i := 0; i < 500; i++ {
		shape := i % 3
		n := 1
		if shape != shapeObject {
			n = 1 + rnd.IntN(10)
		}
		recs := make([]map[string]any, n)
		for k := range recs {
			recs[k] = g.laRec()
		}
		unique[pathLA] += n
		if shape != shapeObject && len(laSeen) > 0 && rnd.IntN(10) == 0 {
			recs = append(recs, laSeen[rnd.IntN(len(laSeen))])
		}
		laSeen = append(laSeen, recs[:n]...)
		bodies = append(bodies, delivery{body: body{pathLA, laBody(shape, recs), len(recs)}})
	}
	deliveries := append([]delivery(nil), bodies...)
	for k := 0; k < len(bodies)/5; k++ {
		d := bodies[rnd.IntN(len(bodies))]
		d.dup = true
		deliveries = append(deliveries, d)
	}
	for i := range deliveries {
		if rnd.IntN(10) == 0 {
			deliveries[i].cut = 1 + rnd.IntN(numCutFlavours)
		}
	}
	rnd.Shuffle(len(deliveries), func(i, j int) { deliveries[i], deliveries[j] = deliveries[j], deliveries[i] })

	type tally struct {
		okRecords, cutRecords map[string]int
		cuts, dups, retries   int
		failures              []string
	}
	var mu sync.Mutex
	tl := tally{okRecords: map[string]int{}, cutRecords: map[string]int{}}
	work := make(chan delivery)
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	tiny := &http.Client{Timeout: time.Millisecond}
	t0 := time.Now()
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range work {
				url := p.hookURL(d.path, token)
				if d.cut != cutNone {
					cutDelivery(tiny, p.hookAddr, d.path+"?token="+token, url, d)
				}
				code, err := post(client, url, d.data)
				retried := false
				if err != nil || code != 200 {
					retried = true
					err = postUntilOK(client, url, d.data)
				} else {
					err = nil
				}
				mu.Lock()
				if d.cut != cutNone {
					tl.cuts++
					tl.cutRecords[d.path] += d.records
				}
				if d.dup {
					tl.dups++
				}
				if retried {
					tl.retries++
				}
				if err != nil {
					tl.failures = append(tl.failures, fmt.Sprintf("%s: %v", d.path, err))
				} else {
					tl.okRecords[d.path] += d.records
				}
				mu.Unlock()
			}
		}()
	}
	for _, d := range deliveries {
		work <- d
	}
	close(work)
	wg.Wait()
	took := time.Since(t0)
	if len(tl.failures) > 0 {
		t.Fatalf("%d deliveries never got a 200, e.g. %s", len(tl.failures), tl.failures[0])
	}

	s := p.settledMetrics()
	t.Logf("exactly-once: %d bodies, %d deliveries (%d duplicate deliveries, %d cut then retried, %d needed a retry) in %v (%.0f req/s); unique calls airudder=%d laaffic=%d",
		len(bodies), len(deliveries), tl.dups, tl.cuts, tl.retries, took.Round(time.Millisecond),
		float64(len(deliveries)+tl.cuts)/took.Seconds(), unique[pathAR], unique[pathLA])
	for _, c := range vendors() {
		want := float64(unique[c.path])
		counted, dup, invalid := s.records(c.source, "counted"), s.records(c.source, "duplicate"), s.records(c.source, "invalid")
		t.Logf("%s: %s summed=%v, records counted=%v duplicate=%v invalid=%v, dedup_entries=%v",
			c.source, c.calls, s.sum(c.calls, nil), counted, dup, invalid,
			s.sum("airudder_exporter_dedup_entries", map[string]string{"source": c.source}))
		if got := s.sum(c.calls, nil); got != want {
			t.Errorf("%s summed = %v, want exactly the %v unique calls sent", c.calls, got, want)
		}
		if got := s.sum(c.duration, nil); got != want {
			t.Errorf("%s count = %v, want %v (one observation per unique call)", c.duration, got, want)
		}
		if counted != want {
			t.Errorf("records_total{source=%q,outcome=\"counted\"} = %v, want %v", c.source, counted, want)
		}
		if invalid != 0 {
			t.Errorf("records_total{source=%q,outcome=\"invalid\"} = %v, want 0", c.source, invalid)
		}
		if got := s.sum("airudder_exporter_dedup_entries", map[string]string{"source": c.source}); got != want {
			t.Errorf("dedup_entries{source=%q} = %v, want %v", c.source, got, want)
		}
		// Every record of a 200-answered delivery was seen; cut deliveries
		// may or may not have reached the recorder.
		seen := counted + dup
		lo, hi := float64(tl.okRecords[c.path]), float64(tl.okRecords[c.path]+tl.cutRecords[c.path])
		if seen < lo || seen > hi {
			t.Errorf("%s: counted+duplicate = %v, want between %v (records in 200-answered deliveries) and %v (plus cut ones)", c.source, seen, lo, hi)
		}
	}
}

// cutDelivery sends d in a way that loses the answer.
func cutDelivery(tiny *http.Client, addr, pathQuery, url string, d delivery) {
	switch d.cut {
	case cutAfterBody, cutHalfBody:
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			return
		}
		req := rawRequest(addr, pathQuery, d.data, len(d.data))
		if d.cut == cutHalfBody {
			req = req[:len(req)-len(d.data)/2-1]
		}
		_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		_, _ = conn.Write(req)
		conn.Close()
	case cutTinyTimeout:
		_, _ = post(tiny, url, d.data)
	}
}
