package laaffic

import (
	"testing"

	"airudder_exporter/internal/webhookgolden"
	"airudder_exporter/receiver"
)

// Benchmarks print figures; none of them asserts a speed (the machine is
// shared). Every iteration carries new ids, so each record goes the whole
// way: decode, dedup (a miss), record.

func benchDecodeLaaffic(b *testing.B, body string, records int) {
	st := webhookgolden.NewIDStamper(body)
	var d laDecoder
	batch := pushBatch{strs: receiver.NewInterner(64)}
	b.ReportAllocs()
	b.SetBytes(int64(len(st.Body)))
	webhookgolden.AllocsPerRecord(b, records, func() {
		for b.Loop() {
			if err := d.decode(st.Next(), &batch); err != nil || len(batch.Calls) != records {
				b.Fatalf("decode: %v, %d calls %v", err, len(batch.Calls), batch.Invalid)
			}
		}
	})
}

// The decoder alone (no dedup, no metrics).
func BenchmarkDecodeLaafficSingle(b *testing.B) {
	benchDecodeLaaffic(b, webhookgolden.LaafficRecord(0), 1)
}
func BenchmarkDecodeLaafficBatch100(b *testing.B) {
	benchDecodeLaaffic(b, webhookgolden.LaafficBatch(100), 100)
}

// Decode + record through the vendor's Body, called directly (no dedup).
func BenchmarkLaafficSingle(b *testing.B) {
	webhookgolden.BenchBody(b, NewPushes(), webhookgolden.LaafficRecord(0), 1)
}
func BenchmarkLaafficBatch100(b *testing.B) {
	webhookgolden.BenchBody(b, NewPushes(), webhookgolden.LaafficBatch(100), 100)
}

// The whole request through the receiver's HTTP handler.
func BenchmarkHandlerLaafficSingle(b *testing.B) {
	webhookgolden.BenchHandler(b, NewPushes(), pushPath, webhookgolden.LaafficRecord(0), 1)
}
func BenchmarkHandlerLaafficBatch100(b *testing.B) {
	webhookgolden.BenchHandler(b, NewPushes(), pushPath, webhookgolden.LaafficBatch(100), 100)
}
