package memory

import (
	"slices"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
)

// trigger is a field that watchers commonly pin to one value (a node
// agent's pods: spec.nodeName=node-1). Watchers that do are indexed by the
// value, so a change is offered only to the watchers it can concern
// instead of to every node's watcher: with thousands of simulated nodes
// this is the difference between O(1) and O(nodes) work per pod write.
type trigger struct {
	field string
	// value reads the field without building the kind's whole field set;
	// it must agree with api.Kind.ObjectFields.
	value func(api.Object) string
}

// triggers holds the indexed field of each kind that has one, by resource.
var triggers = map[string]*trigger{
	"pods": {field: "spec.nodeName", value: func(o api.Object) string { return o.(*api.Pod).Spec.NodeName }},
}

// filter prepares a change for fanning out to watchers.
func (c *change) filter() store.ChangeFilter {
	return store.ChangeFilter{Kind: c.ks.kind, Type: c.typ, Obj: c.obj, Prev: c.before(), Rev: c.rev}
}

// register adds a watcher to the kind, indexed when it pins the trigger
// field. Callers hold s.mu.
func (ks *kindState) register(w *watcher) {
	if ks.trigger != nil && w.opts.Fields != nil {
		if v, ok := w.opts.Fields.RequiresExactMatch(ks.trigger.field); ok {
			w.indexed, w.triggerValue = true, v
			ks.byValue[v] = append(ks.byValue[v], w)
			return
		}
	}
	ks.watchers = append(ks.watchers, w)
}

// unregister removes a watcher from the kind. Callers hold s.mu.
func (ks *kindState) unregister(w *watcher) {
	is := func(x *watcher) bool { return x == w }
	if !w.indexed {
		ks.watchers = slices.DeleteFunc(ks.watchers, is)
		return
	}
	ks.setValueWatchers(w.triggerValue, slices.DeleteFunc(ks.byValue[w.triggerValue], is))
}

func (ks *kindState) setValueWatchers(v string, ws []*watcher) {
	if len(ws) == 0 {
		delete(ks.byValue, v)
		return
	}
	ks.byValue[v] = ws
}

// hasWatchers reports whether any watcher may want a change of this kind.
func (ks *kindState) hasWatchers() bool {
	return len(ks.watchers) > 0 || len(ks.byValue) > 0
}

// publish offers a change to the kind's watchers it can concern and drops
// those that have ended. Callers hold s.mu.
func (ks *kindState) publish(c *change) {
	cf := c.filter()
	ks.watchers = offerAll(ks.watchers, &cf)
	if len(ks.byValue) == 0 {
		return
	}
	v := ks.trigger.value(c.obj)
	ks.offerValue(v, &cf)
	if cf.Prev != nil {
		if pv := ks.trigger.value(cf.Prev); pv != v {
			ks.offerValue(pv, &cf)
		}
	}
}

func (ks *kindState) offerValue(v string, cf *store.ChangeFilter) {
	if ws, ok := ks.byValue[v]; ok {
		ks.setValueWatchers(v, offerAll(ws, cf))
	}
}

// offerAll offers the change to each watcher and returns the list without
// the watchers that have ended.
func offerAll(ws []*watcher, cf *store.ChangeFilter) []*watcher {
	ended := false
	for _, w := range ws {
		if !w.offer(cf) {
			ended = true
		}
	}
	if ended {
		ws = slices.DeleteFunc(ws, (*watcher).ended)
	}
	return ws
}

// stopAll ends every watcher of the kind, in a fixed order. Callers hold s.mu.
func (ks *kindState) stopAll() {
	for _, w := range ks.watchers {
		w.Stop()
	}
	values := make([]string, 0, len(ks.byValue))
	for v := range ks.byValue {
		values = append(values, v)
	}
	slices.Sort(values)
	for _, v := range values {
		for _, w := range ks.byValue[v] {
			w.Stop()
		}
	}
	ks.watchers, ks.byValue = nil, map[string][]*watcher{}
}
