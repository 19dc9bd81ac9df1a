package receiver

import (
	"strings"
	"time"

	"airudder_exporter/config"
	"airudder_exporter/internal/jsonscan"
	"airudder_exporter/internal/labelcap"
)

// Pieces a vendor builds its Body from, so every vendor reads a body's
// outline and hands its records over the same way.

// Batch is what a vendor's decoder fills from one body.
type Batch interface {
	// Keys appends the dedup keys of the records to dst, in the order the
	// vendor's record function reads their claim results.
	Keys(dst []string) []string
	// InvalidReasons is the reason of every record that cannot be counted.
	InvalidReasons() []InvalidReason
}

// NewBody is a vendor's Body made of its parts: decode fills batch
// (resetting it first), record counts it, release drops the decoder's
// references to the request's data.
func NewBody[B Batch](batch B, decode func(data []byte, b B) error,
	record func(b B, account string, now time.Time, fresh []bool) (counted, duplicates int),
	release func()) Body {
	return &batchBody[B]{batch: batch, decode: decode, record: record, release: release}
}

type batchBody[B Batch] struct {
	batch   B
	decode  func(data []byte, b B) error
	record  func(b B, account string, now time.Time, fresh []bool) (counted, duplicates int)
	release func()
}

func (b *batchBody[B]) Decode(data []byte) error   { return b.decode(data, b.batch) }
func (b *batchBody[B]) Keys(dst []string) []string { return b.batch.Keys(dst) }
func (b *batchBody[B]) Invalid() []InvalidReason   { return b.batch.InvalidReasons() }
func (b *batchBody[B]) Release()                   { b.release() }
func (b *batchBody[B]) Record(account string, now time.Time, fresh []bool) (counted, duplicates int) {
	return b.record(b.batch, account, now, fresh)
}

// StartBody resets r to data and returns the body's first byte, one of
// open ('{', '['), or the error the body is refused with: ErrEmptyBody,
// BodyError's, or notWanted for valid JSON of another type.
func StartBody(r *jsonscan.Reader, data []byte, open string, notWanted error) (byte, error) {
	r.Reset(data)
	c := r.Peek()
	switch {
	case c == 0:
		return 0, ErrEmptyBody
	case strings.IndexByte(open, c) >= 0:
		return c, nil
	}
	r.Skip()
	r.End()
	if err := BodyError(r); err != nil {
		return 0, err
	}
	return 0, notWanted
}

// NextRecord moves r to the next object of the array it has opened
// (first as for Reader.More), skipping the elements that are not objects
// and adding ReasonNotObject for each to *invalid. It returns false at the
// array's end.
func NextRecord(r *jsonscan.Reader, first *bool, invalid *[]InvalidReason) bool {
	for r.More(']', first) {
		if r.Peek() == '{' {
			return true
		}
		r.Skip()
		*invalid = append(*invalid, ReasonNotObject)
	}
	return false
}

// LabelCap returns a cap for a label of metric sized by
// webhooks.max_label_values: the default of config until the vendor's
// ApplyConfig sets the configured size (Cap.SetMax).
func (e *Env) LabelCap(metric string) *labelcap.Cap {
	return e.NewCap(metric, config.DefaultMaxLabelValues)
}
