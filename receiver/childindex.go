package receiver

import "sync/atomic"

// ChildIndex holds the children of one metric vector for a closed set of
// label combinations that the vendor numbers 0..n-1 (one account's product ×
// type × status, say): a child is found by array index, with no hashing of
// label values and no map. A slot is resolved on first use, so a series
// still appears only once it has a value. Correct for the same reason as
// Children: the receiver never deletes a child.
type ChildIndex[M any] struct {
	slots   []atomic.Pointer[M]
	resolve func(i int) M
}

// NewChildIndex returns an index of n combinations; resolve returns the
// child of combination i (the vector's WithLabelValues, or a Children
// lookup).
func NewChildIndex[M any](n int, resolve func(i int) M) *ChildIndex[M] {
	return &ChildIndex[M]{slots: make([]atomic.Pointer[M], n), resolve: resolve}
}

// Get returns the child of combination i, resolving it on first use. Two
// first uses at once both resolve it; they get the same child.
func (x *ChildIndex[M]) Get(i int) M {
	if p := x.slots[i].Load(); p != nil {
		return *p
	}
	m := x.resolve(i)
	x.slots[i].Store(&m)
	return m
}
