package main

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Bounds on what a request may ask, so a typo cannot take the node down.
const (
	maxBurn    = 60 * time.Second
	maxHeldMiB = 4096
)

// workload is the server's state.
type workload struct {
	name string
	mu   sync.Mutex
	// ready is what /readyz reports; held is the memory /hold keeps alive.
	ready bool
	held  [][]byte
	exit  chan int
}

func newWorkload(name string) *workload {
	return &workload{name: name, exit: make(chan int, 1)}
}

func (w *workload) setReady(ready bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ready = ready
}

func (w *workload) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(rw http.ResponseWriter, _ *http.Request) { fmt.Fprintln(rw, w.name) })
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) { fmt.Fprintln(rw, "ok") })
	mux.HandleFunc("GET /readyz", w.readyz)
	mux.HandleFunc("GET /ready", func(rw http.ResponseWriter, _ *http.Request) { w.setReady(true); fmt.Fprintln(rw, "ready") })
	mux.HandleFunc("GET /unready", func(rw http.ResponseWriter, _ *http.Request) {
		w.setReady(false)
		fmt.Fprintln(rw, "unready")
	})
	mux.HandleFunc("GET /burn", w.burn)
	mux.HandleFunc("GET /hold", w.hold)
	mux.HandleFunc("GET /release", w.release)
	mux.HandleFunc("GET /exit", w.exitHandler)
	return mux
}

func (w *workload) readyz(rw http.ResponseWriter, _ *http.Request) {
	w.mu.Lock()
	ready := w.ready
	w.mu.Unlock()
	if !ready {
		http.Error(rw, "not ready", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(rw, "ok")
}

// burn spins one goroutine for the asked time, answering when done.
func (w *workload) burn(rw http.ResponseWriter, r *http.Request) {
	secs, err := strconv.ParseFloat(r.URL.Query().Get("seconds"), 64)
	d := time.Duration(secs * float64(time.Second))
	if err != nil || d <= 0 || d > maxBurn {
		http.Error(rw, fmt.Sprintf("seconds must be in (0, %v]", maxBurn.Seconds()), http.StatusBadRequest)
		return
	}
	end, x := time.Now().Add(d), uint64(1)
	for time.Now().Before(end) {
		for range 10000 {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	fmt.Fprintf(rw, "burned %v (%d)\n", d, x%10)
}

// hold allocates and touches memory so it counts against the cgroup.
func (w *workload) hold(rw http.ResponseWriter, r *http.Request) {
	mib, err := strconv.Atoi(r.URL.Query().Get("mib"))
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil || mib <= 0 || len(w.held)+mib > maxHeldMiB {
		http.Error(rw, fmt.Sprintf("mib must be positive and keep the total at most %d (holding %d)", maxHeldMiB, len(w.held)),
			http.StatusBadRequest)
		return
	}
	for range mib {
		b := make([]byte, 1<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		w.held = append(w.held, b)
	}
	fmt.Fprintf(rw, "holding %d MiB\n", len(w.held))
}

func (w *workload) release(rw http.ResponseWriter, _ *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.held = nil
	fmt.Fprintln(rw, "released")
}

// exitHandler answers, then asks run to exit with the code.
func (w *workload) exitHandler(rw http.ResponseWriter, r *http.Request) {
	code, err := strconv.Atoi(r.URL.Query().Get("code"))
	if err != nil || code < 0 || code > 255 {
		http.Error(rw, "code must be in [0, 255]", http.StatusBadRequest)
		return
	}
	fmt.Fprintf(rw, "exiting with %d\n", code)
	if f, ok := rw.(http.Flusher); ok {
		f.Flush()
	}
	select {
	case w.exit <- code:
	default: // an exit is already under way
	}
}
