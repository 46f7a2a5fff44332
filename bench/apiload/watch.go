package apiload

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/kubetwin/kubetwin/bench"
)

// watcher pairs each create's response time with its ADDED event, in
// whichever order the two arrive.
type watcher struct {
	mu      sync.Mutex
	respAt  map[string]time.Time
	eventAt map[string]time.Time
	latMs   []float64
	cancel  context.CancelFunc
	done    chan struct{}
}

// startWatch lists the run's (absent) pods for a revision and watches from
// it, so no create can slip in before the watch is open.
func startWatch(ctx context.Context, t Target, tlsCfg *tls.Config, cfg Config) (*watcher, error) {
	client := newClient(tlsCfg)
	sel := url.QueryEscape("apiload=" + cfg.RunID)
	path := "/api/v1/namespaces/" + cfg.Namespace + "/pods?labelSelector=" + sel
	rv, err := listRevision(ctx, client, t, path)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	req, err := request(wctx, t, http.MethodGet, path+"&watch=true&resourceVersion="+rv, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		cancel()
		if err == nil {
			drain(resp.Body)
			err = fmt.Errorf("status %s", resp.Status)
		}
		return nil, fmt.Errorf("apiload: watch pods: %w", err)
	}
	w := &watcher{respAt: map[string]time.Time{}, eventAt: map[string]time.Time{}, cancel: cancel,
		done: make(chan struct{})}
	go w.read(resp)
	return w, nil
}

// listRevision returns the resourceVersion of a list.
func listRevision(ctx context.Context, client *http.Client, t Target, path string) (string, error) {
	req, err := request(ctx, t, http.MethodGet, path, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("apiload: list pods: %w", err)
	}
	defer drain(resp.Body)
	var list struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("apiload: list pods: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return "", fmt.Errorf("apiload: list pods: %w", err)
	}
	return list.Metadata.ResourceVersion, nil
}

// read consumes the stream until it ends.
func (w *watcher) read(resp *http.Response) {
	defer close(w.done)
	defer drain(resp.Body)
	dec := json.NewDecoder(resp.Body)
	for {
		var ev struct {
			Type   string `json:"type"`
			Object struct {
				Metadata struct {
					Name string `json:"name"`
				} `json:"metadata"`
			} `json:"object"`
		}
		if err := dec.Decode(&ev); err != nil {
			return
		}
		if ev.Type == "ADDED" {
			w.added(ev.Object.Metadata.Name, time.Now())
		}
	}
}

// added records an event; its latency is known once the response is.
func (w *watcher) added(name string, at time.Time) { w.pair(name, at, w.respAt, w.eventAt, true) }

// created records a create's response; an event that came first counts as 0 ms.
func (w *watcher) created(name string, at time.Time) { w.pair(name, at, w.eventAt, w.respAt, false) }

// pair matches one side (a response or an event) of a create with the
// other side if it has arrived, else parks it in mine.
func (w *watcher) pair(name string, at time.Time, other, mine map[string]time.Time, isEvent bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	o, ok := other[name]
	if !ok {
		mine[name] = at
		return
	}
	delete(other, name)
	lat := at.Sub(o) // event after response
	if !isEvent {
		lat = o.Sub(at)
	}
	w.latMs = append(w.latMs, max(0, float64(lat.Microseconds())/1000))
}

// waitFor waits until n creates have been paired with events, or grace passes.
func (w *watcher) waitFor(n int, grace time.Duration) {
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		w.mu.Lock()
		seen := len(w.latMs)
		w.mu.Unlock()
		if seen >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (w *watcher) stop() {
	w.cancel()
	<-w.done
}

// summarize turns the counts and samples into a Result.
func summarize(cfg Config, st createStats, w *watcher, elapsed time.Duration) (*Result, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	res := &Result{Clients: cfg.Clients, Creates: st.ok, Errors: st.errs, Seconds: elapsed.Seconds(),
		CreatesPerSecond: float64(st.ok) / elapsed.Seconds(), RequestMs: bench.Summarize(st.latMs),
		WatchMs: bench.Summarize(w.latMs), WatchMissing: st.ok - len(w.latMs)}
	if st.ok == 0 {
		return res, fmt.Errorf("apiload: %w (%d errors)", ErrNoCreates, st.errs)
	}
	return res, nil
}
