package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func get(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestWorkloadEndpoints(t *testing.T) {
	w := newWorkload("web-1")
	w.setReady(true)
	srv := httptest.NewServer(w.handler())
	defer srv.Close()
	steps := []struct {
		path string
		code int
		body string
	}{
		{"/", 200, "web-1\n"},
		{"/healthz", 200, "ok\n"},
		{"/readyz", 200, "ok\n"},
		{"/unready", 200, "unready\n"},
		{"/readyz", 503, "not ready\n"},
		{"/ready", 200, "ready\n"},
		{"/readyz", 200, "ok\n"},
		{"/burn?seconds=0.05", 200, "burned 50ms"},
		{"/burn?seconds=61", 400, "seconds must be in (0, 60]"},
		{"/burn", 400, "seconds must be"},
		{"/hold?mib=3", 200, "holding 3 MiB\n"},
		{"/hold?mib=4094", 400, "mib must be positive and keep the total at most 4096 (holding 3)"},
		{"/release", 200, "released\n"},
		{"/exit?code=300", 400, "code must be"},
		{"/nope", 404, ""},
	}
	for _, s := range steps {
		code, body := get(t, srv, s.path)
		if code != s.code || !strings.HasPrefix(body, s.body) {
			t.Errorf("GET %s: %d %q, want %d %q", s.path, code, body, s.code, s.body)
		}
	}
	if code, body := get(t, srv, "/exit?code=3"); code != 200 || body != "exiting with 3\n" {
		t.Fatalf("exit: %d %q", code, body)
	}
	select {
	case c := <-w.exit:
		if c != 3 {
			t.Fatalf("exit code %d", c)
		}
	case <-time.After(time.Second):
		t.Fatal("no exit requested")
	}
}

// TestRunExitsAfter: -exit-after ends the process with -exit-code, for Jobs and crash loops.
func TestRunExitsAfter(t *testing.T) {
	if code := run("127.0.0.1:0", 7, 50*time.Millisecond, false, 0); code != 7 {
		t.Fatalf("exit code %d, want 7", code)
	}
}

// TestSIGTERMDrains: with -drain the server keeps answering after SIGTERM,
// with readiness failing, and exits 0 once the drain is over.
func TestSIGTERMDrains(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	done := make(chan int, 1)
	go func() { done <- run(addr, 0, 0, false, time.Second) }()
	base := "http://" + addr
	waitFor(t, func() bool { code, _ := getURL(base + "/readyz"); return code == 200 })
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { code, _ := getURL(base + "/readyz"); return code == 503 })
	if code, body := getURL(base + "/"); code != 200 || body == "" {
		t.Fatalf("while draining GET /: %d %q", code, body)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit code %d after SIGTERM", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("still serving 5 s after SIGTERM with a 1 s drain")
	}
}

func getURL(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 5 s")
}
