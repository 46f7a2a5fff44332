// Command workload is the program in kubetwin's test image: an HTTP server
// that answers with its pod's name and, on request, burns CPU, holds
// memory, fails readiness or exits with a code, so tests and scenarios can
// make a real pod behave as they need. It is built static
// (CGO_ENABLED=0) and packed into an image by `kubetwin image build`.
//
//	GET /                  the pod name (POD_NAME, else the host name)
//	GET /healthz           200 while alive
//	GET /readyz            200 while ready, 503 after /unready
//	GET /unready, /ready   turn readiness off and on
//	GET /burn?seconds=S    keep one CPU busy for S seconds (at most 60)
//	GET /hold?mib=N        allocate and touch N MiB more (at most 4096 in all); /release frees them
//	GET /exit?code=N       answer, then exit with code N
//
// Flags: -listen ADDR (default :8080); -exit-code N with -exit-after D
// exits on its own after D (for Jobs and crash loops); -unready starts not
// ready; -drain D keeps serving for D after SIGTERM, not ready, as a
// well-behaved server does so that Services stop sending to it before it
// closes (Endpoints and proxies learn of the deletion while it drains).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	listen := flag.String("listen", ":8080", "address to serve on")
	exitCode := flag.Int("exit-code", 0, "code to exit with after -exit-after")
	exitAfter := flag.Duration("exit-after", 0, "exit on its own after this long (0: never)")
	unready := flag.Bool("unready", false, "start not ready")
	drain := flag.Duration("drain", 0, "after SIGTERM, keep serving (not ready) this long before closing")
	flag.Parse()
	os.Exit(run(*listen, *exitCode, *exitAfter, *unready, *drain))
}

// run serves until SIGTERM (exit 0), an /exit request or -exit-after.
func run(listen string, exitCode int, exitAfter time.Duration, unready bool, drain time.Duration) int {
	// Handle SIGTERM before anything else: a signal that arrives before
	// Notify would kill the process with Go's default exit code 2, and the
	// start line below tells watchers that termination is now graceful.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	w := newWorkload(podName())
	w.setReady(!unready)
	srv := &http.Server{Addr: listen, Handler: w.handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	// A line at start and at exit, so a pod's log shows its life.
	fmt.Printf("workload: %s serving on %s\n", podName(), listen)
	var timeout <-chan time.Time
	if exitAfter > 0 {
		timeout = time.After(exitAfter)
	}
	code := 0
	select {
	case err := <-errc:
		fmt.Fprintln(os.Stderr, "workload:", err)
		return 1
	case <-sigs:
		fmt.Println("workload: terminating")
		if drain > 0 {
			w.setReady(false)
			fmt.Printf("workload: draining for %v\n", drain)
			time.Sleep(drain)
		}
	case <-timeout:
		code = exitCode
	case code = <-w.exit:
	}
	fmt.Printf("workload: exiting with code %d\n", code)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "workload: shutdown:", err)
	}
	return code
}

// podName is what / answers: POD_NAME (set through the downward API or
// env), else the host name, which a pod's UTS namespace sets to its name.
func podName() string {
	if n := os.Getenv("POD_NAME"); n != "" {
		return n
	}
	if h, err := os.Hostname(); err == nil {
		return h
	}
	return "unknown"
}
