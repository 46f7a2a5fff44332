package live

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/real/client"
	"github.com/kubetwin/kubetwin/sim"
)

// scrapeEvery bounds how often the counters reread /metrics: progress
// lines and samples may ask more often than the server needs to be read.
const scrapeEvery = time.Second

// metricPrefixes are the families a live run records: the control plane's
// own, named as the simulator names them, and the API server's. The Go
// runtime's and the process's would be noise in a comparison.
var metricPrefixes = []string{"scheduler_", "workqueue_", "apiserver_", "etcd_"}

// scraper reads the server's metrics, at most every scrapeEvery unless a
// fresh reading is forced (the summary's, at the end).
type scraper struct {
	c       *client.Client
	last    time.Time
	samples []sim.MetricSample
	errors  int
}

func (s *scraper) read(ctx context.Context, force bool) []sim.MetricSample {
	if !force && !s.last.IsZero() && time.Since(s.last) < scrapeEvery {
		return s.samples
	}
	s.last = time.Now()
	families, err := s.c.Metrics(ctx)
	if err != nil {
		s.errors++
		return s.samples
	}
	s.samples = s.samples[:0]
	for _, m := range sim.Samples(families) {
		if hasPrefix(m.Name, metricPrefixes) {
			s.samples = append(s.samples, m)
		}
	}
	return s.samples
}

func hasPrefix(name string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// counters derives the scheduler's counters from its metrics:
// scheduler_schedule_attempts_total by result, summed over profiles.
func (s *scraper) counters(ctx context.Context) sim.Counters {
	c := sim.Counters{MetricErrors: s.errors}
	for _, m := range s.read(ctx, false) {
		name, labels, _ := strings.Cut(m.Name, "{")
		if name != "scheduler_schedule_attempts_total" {
			continue
		}
		n := int(m.Value)
		c.Attempts += n
		switch {
		case strings.Contains(labels, `result="scheduled"`):
			c.Scheduled += n
		case strings.Contains(labels, `result="unschedulable"`):
			c.Failed += n
		case strings.Contains(labels, `result="error"`):
			c.Failed += n
			c.SchedulerErrors += n
		}
	}
	return c
}

// newMode is the live cluster as a run sees it: the client writes, the
// caches answer convergence checks, nodes take the faults.
func newMode(ctx context.Context, name string, c *client.Client, set *cache.Set, nodes NodeSet, creates *asyncCreates) (*sim.Mode, *scraper) {
	s := &scraper{c: c}
	return &sim.Mode{
		Name: name, API: creates, Caches: set, Nodes: nodes,
		// Creations still on their way have not been seen yet.
		Running: func() int { return nodes.Running() + creates.queued() },
		Current: func(ctx context.Context, kind *api.Kind, ns, name string) (api.Object, error) {
			return current(ctx, c, set, kind, ns, name)
		},
		Counters: func() sim.Counters {
			n := s.counters(ctx)
			n.NodeWrites, _ = nodes.WriteErrors()
			n.ApplyErrors, n.FirstApplyError = creates.errs()
			return n
		},
		Metrics: func() []sim.MetricSample { return s.read(ctx, false) },
	}, s
}

// current reads an object from its cache, or from the server for a kind
// the run does not follow.
func current(ctx context.Context, c *client.Client, set *cache.Set, kind *api.Kind, ns, name string) (api.Object, error) {
	ch := set.Lookup(kind)
	if ch == nil {
		return c.Get(ctx, kind, ns, name)
	}
	if o, ok := ch.Get(ns, name); ok {
		return o, nil
	}
	return nil, fmt.Errorf("%s %s/%s: %w", kind.Kind, ns, name, store.ErrNotFound)
}
