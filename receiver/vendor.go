package receiver

import (
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
	"airudder_exporter/internal/labelcap"
)

// Vendor is one webhook source plugged into the receiver: it is served at
// /webhooks/<Name>[/<account>], turns bodies into records and counts them.
// The receiver does everything around that (access, limits, encodings,
// dedup claims, self-metrics), the same for every vendor.
type Vendor interface {
	// Name is the path segment after /webhooks/ and the `source` label
	// value of the receiver's self-metrics; it also names the dedup state
	// file (dedup-<name>.state) and the Redis key space.
	Name() string
	// Accounts returns the vendor's named webhook accounts of cfg with
	// their own tokens ("" = the shared webhooks.token).
	Accounts(cfg config.Webhooks) map[string]config.Secret
	// Init is called once, by New, before the first ApplyConfig: env is
	// what the receiver lends the vendor. It returns the vendor's
	// collectors, which New registers.
	Init(env *Env) []prometheus.Collector
	// ApplyConfig applies a (re)loaded webhooks section (defaults filled
	// in); counters and admitted label values are kept.
	ApplyConfig(cfg config.Webhooks)
	// NewBody returns fresh per-request state; the receiver pools it.
	NewBody() Body
}

// BodyLimiter is implemented by a vendor whose bodies have their own size
// limit; the others get webhooks.max_body_bytes.
type BodyLimiter interface {
	// MaxBodyBytes is the largest body of cfg (defaults filled in) the
	// vendor's route reads; a larger one is answered 413.
	MaxBodyBytes(cfg config.Webhooks) int64
}

// Body is a vendor's reusable per-request state: one body at a time, not
// safe for concurrent use. The receiver calls Decode, then Keys and Invalid,
// claims the keys, then Record; Release before pooling it.
type Body interface {
	// Decode parses data, which stays valid until Release. An error means
	// the body as a whole is unusable: it is answered 400 with the error's
	// text (which must not echo request data) and nothing is recorded.
	Decode(data []byte) error
	// Keys appends the dedup keys of the decoded records to dst, in the
	// order Record reads their claim results.
	Keys(dst []string) []string
	// Invalid is the reason of every record that cannot be counted.
	Invalid() []InvalidReason
	// Record counts the decoded records posted for account: fresh[i]
	// reports whether the i-th key of Keys was claimed by this body (false:
	// a re-delivery). It returns how many records it counted and how many
	// it dropped as duplicates (invalid ones are counted by the receiver).
	Record(account string, now time.Time, fresh []bool) (counted, duplicates int)
	// Release drops references to the request's data before pooling.
	Release()
}

// Env is what a Receiver lends its vendors: everything that belongs to the
// receiver instance rather than to the process.
type Env struct {
	Logger    log.Logger
	Now       func() time.Time
	Strings   *Interner  // shared label strings of this receiver's decoders
	Exemplars *Exemplars // exemplar gate of this receiver's histograms
	folded    *CounterVec
}

// NewCap returns a cap of max values for a label of metric; values past it
// fold into "other" and count in airudder_exporter_label_values_folded_total.
func (e *Env) NewCap(metric string, max int) *labelcap.Cap {
	return labelcap.New(max, e.Folds(metric).Inc)
}

// Folds is the folded-values counter of metric, for values an allow-list
// refused (Capped).
func (e *Env) Folds(metric string) prometheus.Counter {
	return e.folded.WithLabelValues(metric)
}
