package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubetwin/kubetwin/sim"
)

// progressBar shows a run's progress on stderr: redrawn in place on a
// terminal (at most ten times a second), a line per tenth of the run
// otherwise, so logs stay short.
type progressBar struct {
	w         io.Writer
	off, tty  bool
	last      time.Time
	lastTenth int
	drawn     bool
}

func newProgressBar(w io.Writer, off bool) *progressBar {
	b := &progressBar{w: w, off: off}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			b.tty = true
		}
	}
	return b
}

func (b *progressBar) update(p sim.Progress) {
	if b.off {
		return
	}
	frac := 0.0
	if p.Duration > 0 {
		frac = min(p.Virtual.Seconds()/p.Duration.Seconds(), 1)
	}
	line := fmt.Sprintf("[%-30s] %5.1f%%  virtual %v / %v  events %d  pods %d (%d scheduled)",
		strings.Repeat("#", int(frac*30)), 100*frac, p.Virtual.Round(time.Second), p.Duration,
		p.Events, p.Pods, p.Scheduled)
	if b.tty {
		if time.Since(b.last) >= 100*time.Millisecond {
			fmt.Fprintf(b.w, "\r%s\x1b[K", line)
			b.last, b.drawn = time.Now(), true
		}
		return
	}
	if tenth := int(frac * 10); tenth > b.lastTenth {
		b.lastTenth = tenth
		fmt.Fprintln(b.w, line)
	}
}

func (b *progressBar) done() {
	if b.drawn {
		fmt.Fprintln(b.w)
	}
}

// printSimSummary prints the figures a person looks at first.
func printSimSummary(w io.Writer, s sim.Summary, dir string) {
	clock := "virtual"
	if s.Mode != "sim" {
		clock = "run" // a live run's time is the wall clock's, so "virtual" would mislead
	}
	fmt.Fprintf(w, "%s (%s, seed %d): %s after %v of %s time, %.2f s of wall time, %d events\n",
		s.Scenario, s.Mode, s.Seed, s.Ended, secondsDuration(s.VirtualSeconds), clock, s.WallSeconds, s.Events)
	sc := s.Scheduling
	fmt.Fprintf(w, "scheduling: %d attempts, %d scheduled, %d failed; %.0f pods/s %s, %.0f pods/s wall\n",
		sc.Attempts, sc.Scheduled, sc.Failed, sc.Throughput.Virtual, clock, sc.Throughput.Wall)
	fmt.Fprintf(w, "  creation to binding: p50 %.3f s, p90 %.3f s, p99 %.3f s, max %.3f s\n",
		sc.Latency.P50, sc.Latency.P90, sc.Latency.P99, sc.Latency.Max)
	st := s.Startup
	fmt.Fprintf(w, "  creation to running: p50 %.3f s, p99 %.3f s; to ready: p50 %.3f s, p99 %.3f s\n",
		st.Running.P50, st.Running.P99, st.Ready.P50, st.Ready.P99)
	printConvergence(w, s.Convergence)
	p, n := s.Pods, s.Nodes
	fmt.Fprintf(w, "pods: %d created; %d running, %d terminating, %d starting, %d pending, %d succeeded, %d failed, %d deleted\n",
		p.Created, p.Running, p.Terminating, p.Starting, p.Pending, p.Succeeded, p.Failed, p.Deleted)
	fmt.Fprintf(w, "nodes: %d; %d ready, %d not ready, %d unknown\n", n.Total, n.Ready, n.NotReady, n.Unknown)
	fmt.Fprintf(w, "requested at the end: cpu %.1f%%, memory %.1f%% of allocatable\n",
		100*s.Utilisation.CPU, 100*s.Utilisation.Memory)
	met := 0
	for _, t := range s.Thresholds {
		if t.OK {
			met++
		}
	}
	fmt.Fprintf(w, "invariant violations: %d; thresholds met: %d of %d\n", s.Violations, met, len(s.Thresholds))
	fmt.Fprintf(w, "results: %s, %s, %s, %s, %s\n", filepath.Join(dir, sim.SummaryFile),
		filepath.Join(dir, sim.PodsFile), filepath.Join(dir, sim.NodesFile),
		filepath.Join(dir, sim.TimeSeriesFile), filepath.Join(dir, sim.TraceFile))
}

func printConvergence(w io.Writer, recs []*sim.ConvergenceRecord) {
	if len(recs) == 0 {
		return
	}
	fmt.Fprintln(w, "convergence:")
	for _, r := range recs {
		took := "not within the run"
		if r.Seconds != nil {
			took = fmt.Sprintf("%.1f s", *r.Seconds)
		}
		fmt.Fprintf(w, "  %-44s %s\n", r.Action, took)
	}
}

func secondsDuration(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond)
}
