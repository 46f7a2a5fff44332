package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kubetwin/kubetwin/core/api"
)

// Handler serves the agent's read-only endpoints: /healthz, /pods (this
// node's pods as a v1 PodList), /metrics from gatherer, and
// /containerLogs/NAMESPACE/POD/CONTAINER, which the API server proxies
// kubectl logs to (query: previous, follow, tailLines, limitBytes).
func (a *Agent) Handler(gatherer prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /pods", a.servePods)
	if gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	}
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", a.serveLogs)
	return mux
}

func (a *Agent) servePods(w http.ResponseWriter, _ *http.Request) {
	objs := a.pods.List("", nil)
	items := make([]json.RawMessage, 0, len(objs))
	for _, o := range objs {
		b, err := api.Encode(o)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		items = append(items, b)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"apiVersion": "v1", "kind": "PodList", "items": items})
}

// serveLogs answers with a container's log file, following it while the
// container runs when asked to.
func (a *Agent) serveLogs(w http.ResponseWriter, r *http.Request) {
	ns, name, cname := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	path, running, err := a.logFile(ns, name, cname, r.URL.Query().Get("previous") == "true")
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		http.Error(w, fmt.Sprintf("log of container %s: %v", cname, err), http.StatusNotFound)
		return
	}
	defer f.Close()
	q := r.URL.Query()
	if err := seekTail(f, q.Get("tailLines")); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var out io.Writer = w
	if lb, err := strconv.ParseInt(q.Get("limitBytes"), 10, 64); err == nil && lb > 0 {
		out = &limitWriter{w: w, left: lb}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if _, err := io.Copy(out, f); err != nil || q.Get("follow") != "true" || !running {
		return
	}
	a.follow(r.Context(), w, out, f, ns, name, cname)
}

// follow copies what is appended to the log until the container stops
// or the client goes away.
func (a *Agent) follow(ctx context.Context, w http.ResponseWriter, out io.Writer, f *os.File, ns, name, cname string) {
	flusher, _ := w.(http.Flusher)
	for {
		if flusher != nil {
			flusher.Flush()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
		if _, err := io.Copy(out, f); err != nil {
			return
		}
		if _, running, err := a.logFile(ns, name, cname, false); err != nil || !running {
			_, _ = io.Copy(out, f)
			return
		}
	}
}

// logFile finds a container's current (or previous) log file.
func (a *Agent) logFile(ns, name, cname string, previous bool) (string, bool, error) {
	w := a.workerOf(ns, name)
	if w == nil {
		return "", false, fmt.Errorf("pod %s/%s is not running on node %s", ns, name, a.cfg.NodeName)
	}
	w.mu.Lock()
	info, ok := w.logs[cname]
	w.mu.Unlock()
	if !ok {
		return "", false, fmt.Errorf("container %s is not valid for pod %s", cname, name)
	}
	attempt := info.attempts - 1
	if previous {
		attempt--
	}
	if attempt < 0 {
		what := "has not started"
		if previous {
			what = "has no previous run"
		}
		return "", false, fmt.Errorf("container %q in pod %q %s", cname, name, what)
	}
	return info.path(attempt), info.running && !previous, nil
}

// seekTail positions f at the start of its last n lines ("" keeps it all).
func seekTail(f *os.File, n string) error {
	if n == "" {
		return nil
	}
	lines, err := strconv.Atoi(n)
	if err != nil || lines < 0 {
		return fmt.Errorf("tailLines %q is not a count", n)
	}
	var offsets []int64
	var pos int64
	sc := bufio.NewReader(f)
	for {
		offsets = append(offsets, pos)
		line, err := sc.ReadString('\n')
		pos += int64(len(line))
		if err != nil {
			break
		}
	}
	if pos == offsets[len(offsets)-1] {
		offsets = offsets[:len(offsets)-1] // no partial last line
	}
	start := int64(0)
	if len(offsets) > lines {
		start = offsets[len(offsets)-lines]
	}
	if lines == 0 {
		start = pos
	}
	_, err = f.Seek(start, io.SeekStart)
	return err
}

// limitWriter stops writing after a number of bytes.
type limitWriter struct {
	w    io.Writer
	left int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, io.ErrShortWrite
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.w.Write(p)
	l.left -= int64(n)
	return n, err
}
