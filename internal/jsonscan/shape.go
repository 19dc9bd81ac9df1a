package jsonscan

import "slices"

// Fields maps the keys of one kind of object to the caller's field
// numbers; F's zero value means "no field" (the value is skipped). It is
// built once (NewFields) and only read, so decoders share it.
type Fields[F comparable] map[string]FieldKey[F]

// FieldKey is a key and its field.
type FieldKey[F comparable] struct {
	Key   Key
	Field F
}

// NewFields returns the fields define adds: add(f, names...) maps each
// name to f. A name must hold no byte a JSON string escapes (NewKey).
func NewFields[F comparable](define func(add func(f F, names ...string))) Fields[F] {
	m := Fields[F]{}
	define(func(f F, names ...string) {
		for _, n := range names {
			m[n] = FieldKey[F]{Key: NewKey(n), Field: f}
		}
	})
	return m
}

// Shape is the keys of the objects of one kind read so far, in their
// order. A vendor's objects of one kind share one layout, so each key is
// first checked against the one expected next (KeyIs: a comparison of
// words), or the one after it (an optional key this object lacks), and only
// scanned and looked up when it is neither; such a key is then learned in
// place. A Shape belongs to one decoder (not safe for concurrent use) and
// is bounded: past maxShapeKeys keys, and for key names past maxOtherKeys
// that are no field, keys are just read the slow way.
type Shape[F comparable] struct {
	keys []FieldKey[F]
	// others holds the names that are no field, so shape can keep them
	// (each is kept once).
	others map[string]Key
}

const (
	maxShapeKeys = 128
	maxOtherKeys = 64
)

// noKey stands in a shape for a key that is no field and is not kept: it
// matches only the empty key, itself no field.
var noKey = NewKey("")

// Next reads an object's next key (with its colon) and returns its field in
// fields (zero: none). *next is the index in the shape of the key expected,
// 0 at the object's first key; it is moved past the key read.
func (s *Shape[F]) Next(r *Reader, fields Fields[F], next *int) F {
	i := *next
	if i < len(s.keys) {
		k := &s.keys[i]
		if k.Key.shortAt(r.b, r.i) {
			r.i += k.Key.short
			*next = i + 1
			return k.Field
		}
		if r.KeyIs(&k.Key) {
			*next = i + 1
			return k.Field
		}
	}
	if i+1 < len(s.keys) && r.KeyIs(&s.keys[i+1].Key) {
		*next = i + 2
		return s.keys[i+1].Field
	}
	k := r.Key()
	key, ok := fields[string(k)]
	if !ok {
		key = FieldKey[F]{Key: s.otherKey(k)}
	}
	// Further on in the shape (this object lacks the keys before it), else
	// new: it is expected here from now on.
	for j := i; j < len(s.keys) && key.Key.Name() != ""; j++ {
		if s.keys[j].Key.Name() == key.Key.Name() {
			*next = j + 1
			return key.Field
		}
	}
	if len(s.keys) < maxShapeKeys {
		s.keys = slices.Insert(s.keys, i, key)
		*next = i + 1
	}
	return key.Field
}

// Member is More('}', first) and, when it reports a member, Next: it
// iterates the members of an object after Open, returning the field of
// each key, and false at the closing brace. Use as
//
//	r.Open(); next := 0; for first := true; ; { f, ok := s.Member(r, fields, &next, &first); if !ok { break }; ... }
//
// In a compact body the comma and the key expected next are read in one
// go. That commonest case has no call in it, so the compiler keeps its
// arguments in registers: it runs once per key of every record.
func (s *Shape[F]) Member(r *Reader, fields Fields[F], next *int, first *bool) (F, bool) {
	if i, n := r.i, *next; !*first && n < len(s.keys) && i < len(r.b) && r.b[i] == ',' {
		if k := &s.keys[n]; k.Key.shortAt(r.b, i+1) {
			r.i = i + 1 + k.Key.short
			*next = n + 1
			return k.Field, true
		}
	}
	return s.member(r, fields, next, first)
}

// member is Member's other cases: a key too long for the words, the key
// after the one expected, blanks, the first key, the end of the object.
func (s *Shape[F]) member(r *Reader, fields Fields[F], next *int, first *bool) (F, bool) {
	if i, n := r.i, *next; !*first && n < len(s.keys) && i < len(r.b) && r.b[i] == ',' {
		r.i = i + 1
		// A key too long for the words is compared here too: going round
		// by More and Next would cost it a second look at the comma.
		if k := &s.keys[n]; r.KeyIs(&k.Key) {
			*next = n + 1
			return k.Field, true
		}
		// The key after it, as Next tries it: this object lacks an
		// optional key (records carry either of two amounts).
		if n+1 < len(s.keys) {
			if k := &s.keys[n+1]; r.KeyIs(&k.Key) {
				*next = n + 2
				return k.Field, true
			}
		}
		r.i = i
	}
	if !r.More('}', first) {
		var none F
		return none, false
	}
	return s.Next(r, fields, next), true
}

// otherKey is a key that is no field, as the shape keeps it: noKey when it
// holds a byte KeyIs cannot compare, or others is full.
func (s *Shape[F]) otherKey(k []byte) Key {
	if key, ok := s.others[string(k)]; ok {
		return key
	}
	for _, c := range k {
		if c == '"' || c == '\\' || c < 0x20 {
			return noKey
		}
	}
	if s.others == nil {
		s.others = make(map[string]Key)
	}
	if len(s.others) >= maxOtherKeys {
		return noKey
	}
	key := NewKey(string(k))
	s.others[key.Name()] = key
	return key
}
