package scheduler

import (
	"testing"

	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

func TestNumFeasibleNodesToFind(t *testing.T) {
	tests := []struct {
		percentage int32
		nodes      int
		want       int
	}{
		{0, 10, 10},
		{0, 99, 99},
		{0, 100, 100},     // 50-0=50% of 100 = 50 → at least 100
		{0, 1000, 420},    // 50-8 = 42%
		{0, 5000, 500},    // 50-40 = 10%
		{0, 6000, 300},    // 50-48 = 2% → 5%
		{0, 100000, 5000}, // 5%
		{30, 1000, 300},
		{1, 1000, 100}, // never below 100
		{100, 1000, 1000},
	}
	for _, tc := range tests {
		if got := numFeasibleNodesToFind(tc.percentage, tc.nodes); got != tc.want {
			t.Errorf("numFeasibleNodesToFind(%d, %d) = %d, want %d", tc.percentage, tc.nodes, got, tc.want)
		}
	}
}

func TestSelectHostReservoir(t *testing.T) {
	scores := []framework.NodeScore{{Name: "a", Score: 5}, {Name: "b", Score: 9}, {Name: "c", Score: 9}, {Name: "d", Score: 1}, {Name: "e", Score: 9}}
	// intn always 0 replaces the pick at every tie: the last tied node wins.
	if got := selectHost(scores, func(int) int { return 0 }); got != "e" {
		t.Fatalf("always-replace picked %s", got)
	}
	// intn never 0 keeps the first max.
	if got := selectHost(scores, func(n int) int { return n - 1 }); got != "b" {
		t.Fatalf("never-replace picked %s", got)
	}
}

func TestSelectHostByName(t *testing.T) {
	scores := []framework.NodeScore{{Name: "c", Score: 9}, {Name: "a", Score: 5}, {Name: "e", Score: 9}, {Name: "b", Score: 9}}
	if got := selectHostByName(scores); got != "b" {
		t.Fatalf("picked %s, want b: the smallest name among the top scores", got)
	}
}
