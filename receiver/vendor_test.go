package receiver

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
	"airudder_exporter/internal/labelcap"
)

// The two test vendors: the core is exercised with two sources, so that
// every per-source rule (routes, accounts, id spaces, state files,
// self-metric series) is checked against a second one.
const (
	srcAcme   = "acme"   // object bodies only; accounts from cfg.AiRudderAccounts
	srcGlobex = "globex" // objects or JSON arrays; accounts from cfg.LaafficAccounts

	pathAcme   = pathPrefix + srcAcme
	pathGlobex = pathPrefix + srcGlobex

	testIDLabel = "id" // exemplar label of testVendor's value histogram
)

// testVendors returns fresh acme and globex vendors (a vendor belongs to
// one receiver).
func testVendors() []Vendor {
	return []Vendor{
		&testVendor{name: srcAcme, accounts: func(c config.Webhooks) map[string]config.Secret { return c.AiRudderAccounts }},
		&testVendor{name: srcGlobex, lists: true, accounts: func(c config.Webhooks) map[string]config.Secret { return c.LaafficAccounts }},
	}
}

// testVendor is a minimal Vendor. A record is an object
// {"id":"x","kind":"k","n":1}: the id is required, n (default 0) must be a
// non-negative number. A body is one record, {"items":[records...]}, or
// (lists) a JSON array of records. It counts records in
// <name>_records_total{account,kind} (kind capped by max_label_values) and
// observes n in <name>_record_value{account} with the id as exemplar.
type testVendor struct {
	name     string
	lists    bool
	accounts func(config.Webhooks) map[string]config.Secret

	env     *Env
	kinds   *labelcap.Cap
	records *prometheus.CounterVec
	values  *prometheus.HistogramVec
}

func (v *testVendor) Name() string { return v.name }

func (v *testVendor) Accounts(cfg config.Webhooks) map[string]config.Secret { return v.accounts(cfg) }

func (v *testVendor) Init(env *Env) []prometheus.Collector {
	v.env = env
	v.records = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: v.name + "_records_total", Help: "Test records by kind.",
	}, []string{"account", "kind"})
	v.values = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: v.name + "_record_value", Help: "Test record values.", Buckets: []float64{1, 10},
	}, []string{"account"})
	v.kinds = env.NewCap(v.name+"_records_total", config.DefaultMaxLabelValues)
	return []prometheus.Collector{v.records, v.values}
}

func (v *testVendor) ApplyConfig(cfg config.Webhooks) { v.kinds.SetMax(cfg.MaxLabelValues) }

func (v *testVendor) NewBody() Body { return &testBody{v: v} }

type testRecord struct {
	id, kind string
	n        float64
}

type testBody struct {
	v       *testVendor
	recs    []testRecord
	invalid []InvalidReason
}

// Decode returns only fixed errors: they are answered and logged, and must
// not echo the body.
func (b *testBody) Decode(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return ErrEmptyBody
	}
	var top any
	if json.Unmarshal(data, &top) != nil {
		return ErrNotJSON
	}
	var elems []any
	switch t := top.(type) {
	case map[string]any:
		if items, ok := t["items"]; ok {
			if elems, ok = items.([]any); !ok {
				return ErrNotObjectOrList
			}
		} else {
			elems = []any{t}
		}
	case []any:
		if !b.v.lists {
			return ErrNotObject
		}
		elems = t
	default:
		if b.v.lists {
			return ErrNotObjectOrList
		}
		return ErrNotObject
	}
	for _, e := range elems {
		if reason := b.add(e); reason != "" {
			b.invalid = append(b.invalid, reason)
		}
	}
	return nil
}

func (b *testBody) add(e any) InvalidReason {
	o, ok := e.(map[string]any)
	if !ok {
		return ReasonNotObject
	}
	id, _ := o["id"].(string)
	if strings.TrimSpace(id) == "" {
		return ReasonMissingID
	}
	r := testRecord{id: id}
	r.kind, _ = o["kind"].(string)
	if n, present := o["n"]; present {
		f, ok := n.(float64)
		switch {
		case !ok:
			return ReasonBadType
		case f < 0:
			return ReasonNegativeValue
		}
		r.n = f
	}
	b.recs = append(b.recs, r)
	return ""
}

func (b *testBody) Keys(dst []string) []string {
	for _, r := range b.recs {
		dst = append(dst, r.id)
	}
	return dst
}

func (b *testBody) Invalid() []InvalidReason { return b.invalid }

func (b *testBody) Record(account string, _ time.Time, fresh []bool) (counted, duplicates int) {
	v := b.v
	for i, r := range b.recs {
		if !fresh[i] {
			duplicates++
			continue
		}
		kind := r.kind
		if kind == "" {
			kind = ValueNone
		} else {
			kind = v.kinds.Value(kind)
		}
		v.records.WithLabelValues(account, kind).Inc()
		v.env.Exemplars.Observe(v.values.WithLabelValues(account), r.n, testIDLabel, r.id)
		counted++
	}
	return counted, duplicates
}

func (b *testBody) Release() {
	clear(b.recs)
	b.recs, b.invalid = b.recs[:0], b.invalid[:0]
}

// New refuses vendor names that cannot be a path segment or are given
// twice.
func TestNewRefusesBadVendorNames(t *testing.T) {
	named := func(name string) Vendor {
		return &testVendor{name: name, accounts: func(config.Webhooks) map[string]config.Secret { return nil }}
	}
	for _, vs := range [][]Vendor{
		{named("")},
		{named("a/b")},
		{named("acme"), named("acme")},
		{named(ValueOther)},
	} {
		if r, err := New(config.Webhooks{}, Options{}, vs...); err == nil {
			r.Close()
			t.Errorf("New with vendors %q: no error", vs[len(vs)-1].Name())
		}
	}
	r, err := New(config.Webhooks{}, Options{}, named("acme"), named("globex"))
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
}
