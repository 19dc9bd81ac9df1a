package jsonscan

import (
	"fmt"
	"slices"
	"testing"
)

type testField uint8

const (
	tfNone testField = iota
	tfA
	tfB
	tfC
)

var testFields = NewFields(func(add func(f testField, names ...string)) {
	add(tfA, "a")
	add(tfB, "bee", "b2")
	add(tfC, "a-much-longer-key-than-sixteen")
})

// shapeFields reads the object in body key by key through s and returns the
// field of each key.
func shapeFields(t *testing.T, s *Shape[testField], body string) []testField {
	t.Helper()
	var r Reader
	r.Reset([]byte(body))
	var out []testField
	r.Open()
	next := 0
	for first := true; r.More('}', &first); {
		out = append(out, s.Next(&r, testFields, &next))
		r.Skip()
	}
	r.End()
	if err := r.Err(); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return out
}

// A shape that has learned other objects' keys reads every object as a
// fresh one does: whatever the order, optional, unknown, escaped, empty or
// repeated keys.
func TestShapeReadsKeysInAnyOrder(t *testing.T) {
	objects := []string{
		`{"a":1,"bee":2,"a-much-longer-key-than-sixteen":3}`,
		`{"bee":2,"a":1}`,
		`{"a":1,"x":0,"bee":2,"a-much-longer-key-than-sixteen":3}`,
		`{"a-much-longer-key-than-sixteen":3,"a":1}`,
		`{"\u0061":1,"b\u0065e":2,"b2":2}`,
		`{"":0,"a":1,"a":1,"quo\"te":0,"bee":2}`,
		`{}`,
		`{"a-much-longer-key-than-sixteen-not":0,"a-much-longer-key-than-sixteen":3}`,
		`{"b":0,"be":0,"beee":0,"bee":2}`,
		`{"a":1,"bee":2,"a-much-longer-key-than-sixteen":3}`,
	}
	var warm Shape[testField]
	for round := range 3 {
		for _, o := range objects {
			var fresh Shape[testField]
			want := shapeFields(t, &fresh, o)
			if got := shapeFields(t, &warm, o); !slices.Equal(got, want) {
				t.Errorf("round %d, %s: fields %v, a fresh shape reads %v", round, o, got, want)
			}
		}
	}
	if got := shapeFields(t, &warm, `{"a":1,"bee":2}`); !slices.Equal(got, []testField{tfA, tfB}) {
		t.Errorf("fields %v, want [a bee]", got)
	}
}

// A body of ever new keys does not grow a shape without bound: past the
// bounds its keys are read the slow way, still right.
func TestShapeIsBounded(t *testing.T) {
	var s Shape[testField]
	for i := range 4 * maxShapeKeys {
		body := fmt.Sprintf(`{"k%d":0,"a":1,"x%d":0,"bee":2}`, i, i)
		if got := shapeFields(t, &s, body); !slices.Equal(got, []testField{tfNone, tfA, tfNone, tfB}) {
			t.Fatalf("%s: fields %v", body, got)
		}
	}
	if len(s.keys) > maxShapeKeys || len(s.others) > maxOtherKeys {
		t.Errorf("shape holds %d keys and %d other names, bounds %d and %d", len(s.keys), len(s.others), maxShapeKeys, maxOtherKeys)
	}
}

// memberFields reads the object in body as shapeFields does, through
// Member, and returns the fields and the reader's error.
func memberFields(s *Shape[testField], body string) ([]testField, error) {
	var r Reader
	r.Reset([]byte(body))
	var out []testField
	r.Open()
	next := 0
	for first := true; ; {
		f, ok := s.Member(&r, testFields, &next, &first)
		if !ok {
			break
		}
		out = append(out, f)
		r.Skip()
	}
	r.End()
	return out, r.Err()
}

// Member reads an object as More and Next do, keys, fields and errors,
// with a shape that expects the object's keys or others.
func TestShapeMemberReadsAsMoreAndNext(t *testing.T) {
	objects := []string{
		`{"a":1,"bee":2,"b2":3}`,
		`{"a":1,"bee":2,"a-much-longer-key-than-sixteen":3}`,
		`{"a":1 ,"bee":2, "b2":3}`,
		`{"bee":2,"a":1}`,
		`{"a":1,"x":0,"bee":2}`,
		`{"a":1,"bee" :2}`,
		`{"a":1,,"bee":2}`,
		`{"a":1,}`,
		`{"a":1 "bee":2}`,
		`{"a":1,"bee"2}`,
		`{"a":1,"bee":2`,
		`{"a":1,"bee`,
		`{}`,
		`{,"a":1,"bee":2,"b2":3}`,
		`{"a":1,"b2":3,"bee":2,"a":1}`, // lacks the key expected: the one after it
		`{"a":1,"b2":3 ,"bee":2,"a":1}`,
		`{"a":1,"b2":3,"b2":3,"bee":2,"a":1}`,
		// A key longer than the words KeyIs compares first, where the shape expects it
		// or the key after it.
		`{"a":1,"a-much-longer-key-than-sixteen":3,"bee":2,"b2":3}`,
		`{"a":1,"a-much-longer-key-than-sixteen" :3,"bee":2}`,
		`{"a":1, "a-much-longer-key-than-sixteen":3}`,
		`{"a":1,"a-much-longer-key-than-sixteen"3}`,
		`{"a":1,"a-much-longer-key-than-sixteen-not":3,"bee":2}`,
		`{"a":1,"a-much-longer-key-than-sixteeN":3,"bee":2}`,
		`{"a":1,"a-much-longer-key-than-six`,
		`{"a":1,"a-much-longer-key-than-sixteen"`,
		`{"a":1,"bee":2,"a-much-longer-key-than-sixteen":3,"a-much-longer-key-than-sixteen":3}`,
	}
	var warm, trained Shape[testField]
	memberFields(&trained, `{"a":1,"a-much-longer-key-than-sixteen":3,"bee":2,"b2":3}`)
	for round := range 3 {
		for _, o := range objects {
			if round == 2 {
				// Each object, read by a shape that expects {"a", the long
				// key, "bee", "b2"}.
				warm = Shape[testField]{keys: slices.Clone(trained.keys)}
			}
			ref := Shape[testField]{keys: slices.Clone(warm.keys)}
			var r Reader
			r.Reset([]byte(o))
			var want []testField
			r.Open()
			next := 0
			for first := true; r.More('}', &first); {
				want = append(want, ref.Next(&r, testFields, &next))
				r.Skip()
			}
			r.End()
			got, err := memberFields(&warm, o)
			if !slices.Equal(got, want) || (err == nil) != (r.Err() == nil) {
				t.Errorf("round %d, %s: Member reads %v (%v), More and Next %v (%v)", round, o, got, err, want, r.Err())
			}
		}
	}
}
