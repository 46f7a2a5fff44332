package apiload

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// createStats is what the creators saw.
type createStats struct {
	ok, errs int
	latMs    []float64
}

// runCreators runs the clients until the duration or the bound is reached.
func runCreators(ctx context.Context, t Target, tlsCfg *tls.Config, cfg Config, w *watcher) createStats {
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var mu sync.Mutex
	var st createStats
	c := &counter{max: int64(cfg.MaxCreates)}
	var wg sync.WaitGroup
	for range cfg.Clients {
		wg.Go(func() {
			client := newClient(tlsCfg)
			defer client.CloseIdleConnections()
			for {
				n, more := c.take()
				if !more || ctx.Err() != nil {
					return
				}
				name := fmt.Sprintf("load-%s-%d", cfg.RunID, n)
				start := time.Now()
				err := create(ctx, client, t, cfg, name)
				if err != nil && ctx.Err() != nil {
					return // cut off by the end of the run: neither a create nor an error
				}
				done := time.Now()
				if err == nil {
					w.created(name, done)
				}
				mu.Lock()
				st.record(err, done.Sub(start))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return st
}

func (st *createStats) record(err error, took time.Duration) {
	if err != nil {
		st.errs++
		return
	}
	st.ok++
	st.latMs = append(st.latMs, float64(took.Microseconds())/1000)
}

// create posts one pod and requires 201 Created.
func create(ctx context.Context, client *http.Client, t Target, cfg Config, name string) error {
	req, err := request(ctx, t, http.MethodPost, "/api/v1/namespaces/"+cfg.Namespace+"/pods", podBody(cfg, name))
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	defer drain(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("create %s: %s", name, resp.Status)
	}
	return nil
}
