package metricvec

import (
	"errors"
	"sync"
	"unicode/utf8"
)

// family is a vector's children by label values, each created on first
// use and never deleted.
type family[C any] struct {
	labels []string // label names, in the order the values come
	mu     sync.RWMutex
	m      map[string]*C // by label values joined with keySep
}

// keySep joins label values into a map key. It is not valid UTF-8, which
// every label value is, so distinct value lists never share a key.
const keySep = '\xff'

func newFamily[C any](labels []string) family[C] {
	return family[C]{labels: labels, m: map[string]*C{}}
}

// child returns the child for the label values lvs, made by create when
// there is none (under the write lock, so create may note it elsewhere
// too). For values client_golang refuses (a wrong number of them, or one
// that is not valid UTF-8) it returns the error refused gives, which is
// client_golang's.
func (f *family[C]) child(lvs []string, refused func() error, create func() *C) (*C, error) {
	var buf [256]byte
	key := buf[:0]
	for i, lv := range lvs {
		if i > 0 {
			key = append(key, keySep)
		}
		key = append(key, lv...)
	}
	f.mu.RLock()
	c := f.m[string(key)]
	f.mu.RUnlock()
	if c != nil && len(lvs) == len(f.labels) {
		return c, nil
	}
	if len(lvs) != len(f.labels) || !allValid(lvs) {
		err := refused()
		if err == nil {
			err = errors.New("metricvec: label values refused") // not reached: the checks match
		}
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.m[string(key)]; c != nil {
		return c, nil
	}
	c = create()
	f.m[string(key)] = c
	return c, nil
}

func allValid(lvs []string) bool {
	for _, lv := range lvs {
		if !utf8.ValidString(lv) {
			return false
		}
	}
	return true
}
