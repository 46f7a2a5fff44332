package memory

import (
	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
)

// change is one write as it happened: the object after it and before it.
// For Deleted, obj is a copy of the last stored state stamped with the
// deletion's revision, and prev that state as it was stored.
type change struct {
	rev  int64
	ks   *kindState
	key  string
	typ  store.EventType
	obj  api.Object
	prev api.Object // nil for Added
}

// before is the object's state just before the change, nil if it did not exist.
func (c *change) before() api.Object {
	if c.typ == store.Added {
		return nil
	}
	return c.prev
}

// history is a ring buffer of the most recent changes. Every write makes
// exactly one change, so the changes held have consecutive revisions and
// the one at revision r sits at offset r - (first revision held). The
// buffer grows on demand up to size, then overwrites its oldest change.
type history struct {
	buf   []change
	start int // offset in buf of the oldest change
	n     int // changes held
	size  int // most changes held
}

// push appends the newest change, forgetting the oldest when full.
func (h *history) push(c change) {
	switch {
	case h.n < len(h.buf):
		h.buf[(h.start+h.n)%len(h.buf)] = c
		h.n++
	case len(h.buf) < h.size:
		h.linearize()
		h.buf = append(h.buf, c)
		h.n++
	default:
		h.buf[h.start] = c
		h.start = (h.start + 1) % len(h.buf)
	}
}

// linearize moves the held changes to the front of buf, so it can grow.
func (h *history) linearize() {
	if h.start == 0 {
		return
	}
	out := make([]change, h.n, max(2*h.n, 16))
	for i := range h.n {
		out[i] = *h.at(i)
	}
	h.buf, h.start = out, 0
}

// at is the i-th oldest change held.
func (h *history) at(i int) *change {
	return &h.buf[(h.start+i)%len(h.buf)]
}

// dropOldest forgets the k oldest changes (all of them if k >= n).
func (h *history) dropOldest(k int) {
	k = min(k, h.n)
	for i := range k {
		*h.at(i) = change{} // release the objects
	}
	if len(h.buf) > 0 {
		h.start = (h.start + k) % len(h.buf)
	}
	h.n -= k
}

// since calls fn for each change held with a revision greater than rev,
// oldest first; newest is the revision of the newest change held.
func (h *history) since(rev, newest int64, fn func(c *change)) {
	first := newest - int64(h.n) + 1
	for i := max(rev+1-first, 0); i < int64(h.n); i++ {
		fn(h.at(int(i)))
	}
}

// newest is the most recent change held; the history must not be empty.
func (h *history) newest() *change {
	return h.at(h.n - 1)
}
