package main

import (
	"bytes"
	"encoding/json"
	"testing"
)

// records decodes a body into its records, checking the shape of kind.
func records(t *testing.T, kind string, body []byte) []map[string]any {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: body is not valid JSON: %v\n%s", kind, err, body)
	}
	var list []any
	switch kind {
	case KindAiRudderSingle, KindAiRudderMulti:
		obj, ok := v.(map[string]any)
		if !ok || obj["task_id"] == nil {
			t.Fatalf("%s: want a task object, got %T", kind, v)
		}
		list, _ = obj["details"].([]any)
	case KindLaafficSingle:
		list = []any{v}
	case KindLaafficArray:
		obj, ok := v.(map[string]any)
		if !ok || len(obj) != 1 {
			t.Fatalf("%s: want {\"array\":[...]}, got %T", kind, v)
		}
		list, _ = obj["array"].([]any)
	case KindLaafficBare:
		list, _ = v.([]any)
	}
	out := make([]map[string]any, len(list))
	for i, r := range list {
		m, ok := r.(map[string]any)
		if !ok {
			t.Fatalf("%s: record %d is %T", kind, i, r)
		}
		out[i] = m
	}
	return out
}

func TestPayloadsHaveUniqueIDsAndRightShape(t *testing.T) {
	for _, kind := range Kinds {
		t.Run(kind, func(t *testing.T) {
			g, err := NewGenerator(kind, 7, "12345678")
			if err != nil {
				t.Fatal(err)
			}
			want := 7
			if kind == KindAiRudderSingle || kind == KindLaafficSingle {
				want = 1
			}
			if g.PerRequest != want {
				t.Fatalf("PerRequest %d, want %d", g.PerRequest, want)
			}
			seen := map[string]bool{}
			seenInt := map[float64]bool{}
			var buf []byte
			for req := 0; req < 40; req++ { // more than the number of templates
				base := uint64(req * g.PerRequest)
				buf = g.Fill(buf, base)
				recs := records(t, kind, buf)
				if len(recs) != want {
					t.Fatalf("body %d has %d records, want %d", req, len(recs), want)
				}
				for i, r := range recs {
					idKey := "voiceId"
					if g.Source == "airudder" {
						idKey = "call_id"
						id, ok := r["id"].(float64)
						if !ok || seenInt[id] {
							t.Fatalf("numeric id %v missing or repeated", r["id"])
						}
						seenInt[id] = true
					}
					id, _ := r[idKey].(string)
					if id == "" || seen[id] {
						t.Fatalf("%s %q missing or repeated", idKey, id)
					}
					if id != g.RecordID(base+uint64(i)) {
						t.Errorf("%s %q, want %q", idKey, id, g.RecordID(base+uint64(i)))
					}
					seen[id] = true
				}
			}
			again := g.Fill(nil, 3*uint64(g.PerRequest))
			if !bytes.Equal(again, g.Fill(nil, 3*uint64(g.PerRequest))) {
				t.Error("the same base must give the same bytes (re-sends are duplicates)")
			}
		})
	}
}

func TestPayloadsVaryEnumsWithinBoundedSets(t *testing.T) {
	g, err := NewGenerator(KindAiRudderMulti, 50, "00000001")
	if err != nil {
		t.Fatal(err)
	}
	results := map[any]bool{}
	for req := 0; req < 4; req++ {
		for _, r := range records(t, KindAiRudderMulti, g.Fill(nil, uint64(req*50))) {
			results[r["result"]] = true
			if !contains(arRingTypes, r["ring_type"]) || !contains(arHangups, r["hangup_type"]) {
				t.Fatalf("enum outside the bounded set: %v %v", r["ring_type"], r["hangup_type"])
			}
		}
	}
	if len(results) < 3 {
		t.Errorf("only %d distinct results: want variety", len(results))
	}

	lg, err := NewGenerator(KindLaafficBare, 50, "00000001")
	if err != nil {
		t.Fatal(err)
	}
	statuses, currencies := map[any]bool{}, map[any]bool{}
	for _, r := range records(t, KindLaafficBare, lg.Fill(nil, 0)) {
		statuses[r["callStatus"]] = true
		currencies[r["currency"]] = true
		if !contains(lfCurrencies, r["currency"]) {
			t.Fatalf("currency %v outside the set", r["currency"])
		}
	}
	if len(statuses) < 3 || len(currencies) < 2 {
		t.Errorf("statuses %v currencies %v: want variety", statuses, currencies)
	}
}

func contains(set []string, v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	for _, x := range set {
		if x == s {
			return true
		}
	}
	return false
}

func TestNewGeneratorRejectsBadInput(t *testing.T) {
	cases := []struct {
		kind  string
		batch int
		run   string
	}{
		{"nope", 1, "12345678"},
		{KindLaafficArray, 0, "12345678"},
		{KindAiRudderMulti, maxBatch + 1, "12345678"},
		{KindLaafficSingle, 1, "1234"},
		{KindLaafficSingle, 1, "1234567a"},
	}
	for _, c := range cases {
		if _, err := NewGenerator(c.kind, c.batch, c.run); err == nil {
			t.Errorf("NewGenerator(%q, %d, %q) accepted", c.kind, c.batch, c.run)
		}
	}
}

func TestFillDoesNotAllocateWithACapacityBuffer(t *testing.T) {
	g, err := NewGenerator(KindLaafficArray, 20, "12345678")
	if err != nil {
		t.Fatal(err)
	}
	buf := g.Fill(nil, 0)
	base := uint64(0)
	allocs := testing.AllocsPerRun(100, func() {
		base += 20
		buf = g.Fill(buf, base)
	})
	if allocs != 0 {
		t.Errorf("Fill allocates %.1f times per body", allocs)
	}
}
