package cibxml

import (
	"hash/maphash"
	"sync"
	"unsafe"

	"pacer/crm/cib"
)

// Attribute values are copied out of the token stream only when they are
// kept, and shared when they repeat: the status section repeats the same
// feature set, agents, node names, operation names, return codes and
// digests hundreds of thousands of times. A value is looked for first in
// its column (the same attribute of the previous element at that depth:
// consecutive <lrm_rsc_op> mostly agree), then in strTable. The values of
// one element that are new are copied into a single string, one
// allocation for all of them.

// strTable is direct-mapped: a value that collides replaces the one in
// its slot, so the table never holds more than strSlots values however
// large the input.
type strTable struct {
	seed  maphash.Seed
	slots []strSlot
}

// strSlot keeps its value's hash, so that a value that is not there is
// told apart without reading the (cold) bytes of the one that is.
type strSlot struct {
	hash uint64
	s    string
}

const (
	strSlots  = 1 << 15
	maxShared = 48 // longer values are not worth sharing

	// A column whose values were new this many times in a row (ids,
	// call ids, transition keys) is no longer looked up in strTable.
	uniqueAfter = 8
	maxColumns  = 64
)

// column is what was last seen of one attribute at one depth: its value,
// and its name with the field it went to in which table.
type column struct {
	last   string
	misses uint8
	name   string
	table  any // &fs[0] of readAttrs' table
	field  int
}

// pendingValue is a value keep copied, to be set by flush.
type pendingValue struct {
	dst        *string
	start, end int
	slot       *strSlot // where to share it, if short
	hash       uint64
	col        *column
	in         int // >= 0: the value ends pending[in]'s, set by dedupe
}

// slotPool keeps the tables of finished reads: a table is 768 KiB, and
// every applied configuration change in the replicated CIB is a read, so
// allocating one each time made garbage collection the largest cost there.
var slotPool = sync.Pool{New: func() any {
	s := make([]strSlot, strSlots)
	return &s
}}

// slot returns b's slot and hash.
func (t *strTable) slot(b []byte) (*strSlot, uint64) {
	if t.slots == nil {
		t.seed = maphash.MakeSeed()
		t.slots = *slotPool.Get().(*[]strSlot)
	}
	h := maphash.Bytes(t.seed, b)
	return &t.slots[h&(strSlots-1)], h
}

// keep sets *dst to b as a string once flush is called. Until flush, dst
// must stay where it is.
func (r *reader) keep(dst *string, b []byte) {
	r.keepIn(dst, b, nil)
}

// column returns the column of attribute i of the element open at the
// current depth, or nil.
func (r *reader) column(i int) *column {
	d := r.depth
	if d >= maxPredicted || i >= maxColumns {
		return nil
	}
	for len(r.columns) <= d {
		r.columns = append(r.columns, nil)
	}
	for len(r.columns[d]) <= i {
		r.columns[d] = append(r.columns[d], column{})
	}
	return &r.columns[d][i]
}

// keepIn is keep for a value of column col (nil: none).
func (r *reader) keepIn(dst *string, b []byte, col *column) {
	if len(b) == 0 {
		*dst = ""
		return
	}
	if col != nil && col.last == string(b) {
		*dst = col.last
		col.misses = 0
		return
	}
	var slot *strSlot
	var h uint64
	if len(b) <= maxShared && (col == nil || col.misses < uniqueAfter) {
		slot, h = r.strs.slot(b)
		if slot.hash == h && slot.s == string(b) {
			*dst = slot.s
			if col != nil {
				col.last, col.misses = slot.s, 0
			}
			return
		}
	}
	if col != nil && col.misses < 255 {
		col.misses++
	}
	start := len(r.values)
	r.values = append(r.values, b...)
	r.pending = append(r.pending, pendingValue{dst: dst, start: start, end: len(r.values), slot: slot, hash: h, col: col, in: -1})
}

// flush sets the values keep was given. A value that ends another one of
// the same element is cut from it instead of copied: in the status
// section an op's id is often its operation_key, and its transition-key
// always ends its transition-magic.
func (r *reader) flush() {
	if len(r.pending) == 0 {
		return
	}
	vals := r.values
	if len(r.pending) > 1 && len(r.pending) <= maxSuffixCheck {
		vals = r.dedupe()
	}
	s := string(vals)
	for i := range r.pending {
		p := &r.pending[i]
		if p.in >= 0 {
			q := &r.pending[p.in]
			p.start, p.end = q.end-(p.end-p.start), q.end
		}
		v := s[p.start:p.end]
		*p.dst = v
		if p.slot != nil {
			*p.slot = strSlot{hash: p.hash, s: v}
		}
		if p.col != nil {
			p.col.last = v
		}
	}
	clear(r.pending)
	r.pending, r.values = r.pending[:0], r.values[:0]
}

const maxSuffixCheck = 16

// dedupe points each pending value that ends another one (the first of
// equals, or a longer one) at it, and returns the values with those left
// out; start and end of the others are moved to match.
func (r *reader) dedupe() []byte {
	found := false
	for i := range r.pending {
		p := &r.pending[i]
		v := r.values[p.start:p.end]
		for j := range r.pending {
			q := &r.pending[j]
			n := q.end - q.start
			if j == i || q.in >= 0 || n < len(v) || n == len(v) && j > i {
				continue
			}
			if string(r.values[q.end-len(v):q.end]) == string(v) {
				p.in, found = j, true
				break
			}
		}
	}
	if !found {
		return r.values
	}
	out := r.deduped[:0]
	for i := range r.pending {
		p := &r.pending[i]
		if p.in >= 0 {
			continue
		}
		start := len(out)
		out = append(out, r.values[p.start:p.end]...)
		p.start, p.end = start, len(out)
	}
	// A value may point at one that points further: follow to the end.
	for i := range r.pending {
		p := &r.pending[i]
		for p.in >= 0 && r.pending[p.in].in >= 0 {
			p.in = r.pending[p.in].in
		}
	}
	r.deduped = out
	return out
}

// str is b as a string, shared when it is short.
func (r *reader) str(b []byte) string {
	var s string
	r.keep(&s, b)
	r.flush()
	return s
}

// attrList copies all attributes of e, in order.
func (r *reader) attrList(e *start) []cib.Attr {
	if len(e.attrs) == 0 {
		return nil
	}
	out := make([]cib.Attr, len(e.attrs))
	for i, a := range e.attrs {
		out[i].Name = a.name
		r.keep(&out[i].Value, a.value)
	}
	r.flush()
	return out
}

// splitID separates the id from the other attributes of e.
func (r *reader) splitID(e *start) (string, []cib.Attr) {
	var id string
	n := 0
	for _, a := range e.attrs {
		if a.name != "id" {
			n++
		}
	}
	var rest []cib.Attr
	if n > 0 {
		rest = make([]cib.Attr, 0, n)
	}
	for _, a := range e.attrs {
		if a.name == "id" {
			r.keep(&id, a.value)
			continue
		}
		rest = append(rest, cib.Attr{Name: a.name})
		r.keep(&rest[len(rest)-1].Value, a.value)
	}
	r.flush()
	return id, rest
}

// slab is how many Attrs an extraSpace slab holds; opSlab, how many
// LRMOps fit in 64 KiB (an allocation that size is rounded to pages, not
// to a size class, so a slab of about that size wastes little).
const slab = 128

var opSlab = max(16, (64<<10)/int(unsafe.Sizeof(cib.LRMOp{})))

// extraSpace returns an empty slice with room for n attributes, cut from
// a slab: an element's Extra is allocated a few hundred at a time. Its
// capacity is n, so appending to it never reaches a neighbour's.
func (r *reader) extraSpace(n int) []cib.Attr {
	if n > slab/4 {
		return make([]cib.Attr, 0, n)
	}
	if cap(r.extras)-len(r.extras) < n {
		r.extras = make([]cib.Attr, 0, slab)
	}
	k := len(r.extras)
	r.extras = r.extras[:k+n]
	return r.extras[k : k : k+n]
}

// release empties the table (so that it keeps no string of this read
// alive) and returns it to the pool.
func (t *strTable) release() {
	if t.slots == nil {
		return
	}
	clear(t.slots)
	s := t.slots
	t.slots = nil
	slotPool.Put(&s)
}
