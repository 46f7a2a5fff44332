// Package events records core/v1 Events, the "what happened and why" that
// kubectl describe and kubectl get events show: a controller or the
// scheduler says Eventf(pod, Warning, "FailedScheduling", ...) and the
// Sink writes an Event in the involved object's namespace.
//
// As Kubernetes' event machinery does, the sink keeps events cheap for the
// cluster: an identical event bumps the count of the one already written
// instead of adding another, a token bucket per involved object bounds a
// noisy source, and events expire after a TTL. Recording never fails the
// caller: events are best-effort, so write errors are only counted.
package events

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/registry"
)

// Recorder is what components hold to report events about objects.
type Recorder interface {
	// Eventf records an event of eventType (api.EventTypeNormal or
	// api.EventTypeWarning) with a CamelCase reason about obj.
	Eventf(obj api.Object, eventType, reason, messageFmt string, args ...any)
}

// Nop is a Recorder that records nothing, for components run without events.
var Nop Recorder = nop{}

type nop struct{}

func (nop) Eventf(api.Object, string, string, string, ...any) {}

// Writer is the part of the registry the sink writes through;
// *registry.Registry satisfies it.
type Writer interface {
	Create(ctx context.Context, kind *api.Kind, namespace string, obj api.Object, opts registry.CreateOptions) (api.Object, error)
	Update(ctx context.Context, kind *api.Kind, obj api.Object, opts registry.UpdateOptions) (api.Object, error)
	Delete(ctx context.Context, kind *api.Kind, namespace, name string, opts registry.DeleteOptions) (api.Object, bool, error)
}

var _ Writer = (*registry.Registry)(nil)

// Defaults as in Kubernetes: the spam filter lets an object's source burst
// 25 events and then one per five minutes; the API server keeps events an hour.
const (
	DefaultBurst       = 25
	DefaultRefillEvery = 5 * time.Minute
	DefaultTTL         = time.Hour
	// DefaultMaxTracked bounds the correlation state (LRU).
	DefaultMaxTracked = 4096
)

// Options tune a Sink; zero values take the defaults.
type Options struct {
	Burst       int
	RefillEvery time.Duration
	TTL         time.Duration
	MaxTracked  int
	// Host is reported as source.host (e.g. a node agent's node name).
	Host string
	// Buffer > 0 makes writes asynchronous through a queue of that size
	// (dropping when full), for real-time drivers whose reconciles must not
	// wait on the store; 0 writes synchronously, which keeps simulations
	// deterministic.
	Buffer int
}

// Sink correlates events and writes them; it is safe for concurrent use.
type Sink struct {
	w     Writer
	clock clock.Clock
	opts  Options

	mu      sync.Mutex
	written *lru[string, *api.Event] // by correlation key
	buckets *lru[string, *bucket]    // by source and involved object
	expiry  expiryQueue
	stats   Stats
	// lastNano is the time in the last event name written, kept unique.
	lastNano int64

	queue chan write
	done  chan struct{}
}

// Stats count what the sink did, for tests and metrics.
type Stats struct {
	Created, Updated, Expired, Filtered, Dropped, Failed int
}

// NewSink returns a sink writing through w on clock c.
func NewSink(w Writer, c clock.Clock, opts Options) *Sink {
	opts = withDefaults(opts)
	s := &Sink{w: w, clock: c, opts: opts,
		written: newLRU[string, *api.Event](opts.MaxTracked),
		buckets: newLRU[string, *bucket](opts.MaxTracked)}
	if opts.Buffer > 0 {
		s.queue, s.done = make(chan write, opts.Buffer), make(chan struct{})
		go s.drain(s.queue)
	}
	return s
}

func withDefaults(o Options) Options {
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
	}
	if o.RefillEvery <= 0 {
		o.RefillEvery = DefaultRefillEvery
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.MaxTracked <= 0 {
		o.MaxTracked = DefaultMaxTracked
	}
	return o
}

// Recorder returns a recorder reporting as component (source.component and
// reportingComponent, e.g. "default-scheduler" or "replicaset-controller").
func (s *Sink) Recorder(component string) Recorder {
	return &recorder{sink: s, component: component}
}

// Stats returns a copy of the counters.
func (s *Sink) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Close flushes an asynchronous sink's queue and stops its writer; a
// synchronous sink has nothing to do. Events recorded after Close are dropped.
func (s *Sink) Close() {
	if s.queue == nil {
		return
	}
	s.mu.Lock()
	q := s.queue
	s.queue = nil
	s.mu.Unlock()
	if q != nil {
		close(q)
		<-s.done
	}
}

type recorder struct {
	sink      *Sink
	component string
}

func (r *recorder) Eventf(obj api.Object, eventType, reason, messageFmt string, args ...any) {
	r.sink.record(obj, r.component, eventType, reason, fmt.Sprintf(messageFmt, args...))
}
