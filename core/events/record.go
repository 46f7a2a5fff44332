package events

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
)

var eventKind = func() *api.Kind {
	k, err := api.LookupKind(api.CoreV1, "Event")
	if err != nil {
		panic(fmt.Sprintf("events: %v", err))
	}
	return k
}()

// clusterScopedNamespace holds events about cluster-scoped objects such as
// Nodes, as in Kubernetes.
const clusterScopedNamespace = "default"

// createAttempts bounds the retries with a later name when two events for
// one object land in the same nanosecond (common on a virtual clock).
const createAttempts = 8

// write is one recorded event on its way to the store.
type write struct {
	ref       api.ObjectReference
	component string
	eventType string
	reason    string
	message   string
	at        time.Time
}

// spamKey identifies a source reporting about one object.
func (w *write) spamKey(host string) string {
	return w.component + "\x00" + host + "\x00" + w.ref.Kind + "\x00" + w.ref.Namespace + "\x00" +
		w.ref.Name + "\x00" + w.ref.UID
}

// correlationKey identifies events that are the same but for their time.
func (w *write) correlationKey(host string) string {
	return w.spamKey(host) + "\x00" + w.eventType + "\x00" + w.reason + "\x00" + w.message
}

// record turns a call into a write and performs it now or queues it.
func (s *Sink) record(obj api.Object, component, eventType, reason, message string) {
	ref, err := reference(obj)
	if err != nil {
		s.count(func(st *Stats) { st.Failed++ })
		return
	}
	w := write{ref: ref, component: component, eventType: eventType, reason: reason, message: message,
		at: s.clock.Now()}
	s.mu.Lock()
	q := s.queue
	if q == nil && s.done != nil { // closed asynchronous sink
		s.stats.Dropped++
		s.mu.Unlock()
		return
	}
	if q != nil {
		select {
		case q <- w:
		default:
			s.stats.Dropped++
		}
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.apply(context.Background(), w)
}

func (s *Sink) count(f func(*Stats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

// drain performs queued writes until q is closed.
func (s *Sink) drain(q <-chan write) {
	defer close(s.done)
	for w := range q {
		s.apply(context.Background(), w)
	}
}

// reference describes obj as an event's involvedObject.
func reference(obj api.Object) (api.ObjectReference, error) {
	k, err := api.KindOf(obj)
	if err != nil {
		return api.ObjectReference{}, fmt.Errorf("event reference: %w", err)
	}
	m := obj.GetObjectMeta()
	return api.ObjectReference{Kind: k.Kind, APIVersion: k.APIVersion(), Namespace: m.Namespace,
		Name: m.Name, UID: m.UID, ResourceVersion: m.ResourceVersion}, nil
}

// apply expires old events, filters spam, then bumps the count of an
// identical event or creates a new one. The lock is held across the store
// writes so that correlation sees every earlier write.
func (s *Sink) apply(ctx context.Context, w write) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked(ctx, w.at)
	if !s.allowLocked(w.spamKey(s.opts.Host), w.at) {
		s.stats.Filtered++
		return
	}
	key := w.correlationKey(s.opts.Host)
	if prev, ok := s.written.get(key); ok {
		ev := prev.DeepCopy()
		ev.Count++
		ev.LastTimestamp = api.NewTime(w.at)
		if out, err := s.w.Update(ctx, eventKind, ev, registry.UpdateOptions{}); err == nil {
			s.written.put(key, out.(*api.Event))
			s.stats.Updated++
			return
		}
		// Expired or removed behind our back: write it afresh.
	}
	ev, err := s.create(ctx, w)
	if err != nil {
		s.stats.Failed++
		return
	}
	s.written.put(key, ev)
	s.expiry.push(expiring{key: key, namespace: ev.Namespace, name: ev.Name, at: w.at.Add(s.opts.TTL)})
	s.stats.Created++
}

// create writes a new Event named as Kubernetes names them, object name
// then the time in hex nanoseconds. The sink never reuses a nanosecond
// (events often share an instant on a virtual clock) and moves on one
// more on a clash with another sink.
func (s *Sink) create(ctx context.Context, w write) (*api.Event, error) {
	ns := w.ref.Namespace
	if ns == "" {
		ns = clusterScopedNamespace
	}
	instance := s.opts.Host
	if instance == "" {
		instance = w.component
	}
	var err error
	for range createAttempts {
		s.lastNano = max(w.at.UnixNano(), s.lastNano+1)
		ev := &api.Event{
			ObjectMeta:     api.ObjectMeta{Name: fmt.Sprintf("%s.%x", w.ref.Name, s.lastNano), Namespace: ns},
			InvolvedObject: w.ref, Reason: w.reason, Message: w.message, Type: w.eventType,
			Source:         api.EventSource{Component: w.component, Host: s.opts.Host},
			FirstTimestamp: api.NewTime(w.at), LastTimestamp: api.NewTime(w.at), Count: 1,
			ReportingController: w.component, ReportingInstance: instance,
		}
		var out api.Object
		out, err = s.w.Create(ctx, eventKind, ns, ev, registry.CreateOptions{})
		if err == nil {
			return out.(*api.Event), nil
		}
		if !isAlreadyExists(err) {
			break
		}
	}
	return nil, fmt.Errorf("create event for %s %s/%s: %w", w.ref.Kind, w.ref.Namespace, w.ref.Name, err)
}

func isAlreadyExists(err error) bool {
	var se *registry.StatusError
	return errors.As(err, &se) && se.Status.Reason == api.StatusReasonAlreadyExists
}
