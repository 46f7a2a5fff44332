package plugins_test

import (
	"context"
	"slices"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins"
)

// build makes an in-tree plugin from its registry entry with JSON args.
func build(t *testing.T, name, args string) framework.Plugin {
	t.Helper()
	var raw []byte
	if args != "" {
		raw = []byte(args)
	}
	pl, err := plugins.NewInTreeRegistry()[name](raw, nil)
	if err != nil {
		t.Fatalf("build %s: %v", name, err)
	}
	return pl
}

// filter runs PreFilter (when the plugin has one) and Filter like the framework.
func filter(t *testing.T, pl framework.Plugin, pod *api.Pod, ni *framework.NodeInfo) *framework.Status {
	t.Helper()
	ctx, state := context.Background(), framework.NewCycleState()
	if pf, ok := pl.(framework.PreFilterPlugin); ok {
		st := pf.PreFilter(ctx, state, pod)
		if st.IsSkip() {
			return nil
		}
		if !st.IsSuccess() {
			return st
		}
	}
	return pl.(framework.FilterPlugin).Filter(ctx, state, pod, ni)
}

// scores runs PreScore, Score and NormalizeScore over nodes like the framework.
func scores(t *testing.T, pl framework.Plugin, pod *api.Pod, nodes ...*framework.NodeInfo) []int64 {
	t.Helper()
	ctx, state := context.Background(), framework.NewCycleState()
	if ps, ok := pl.(framework.PreScorePlugin); ok {
		if st := ps.PreScore(ctx, state, pod, nodes); st.IsSkip() {
			return make([]int64, len(nodes))
		} else if !st.IsSuccess() {
			t.Fatalf("prescore: %v", st)
		}
	}
	sp := pl.(framework.ScorePlugin)
	list := make([]framework.NodeScore, len(nodes))
	for i, n := range nodes {
		s, st := sp.Score(ctx, state, pod, n)
		if !st.IsSuccess() {
			t.Fatalf("score: %v", st)
		}
		list[i] = framework.NodeScore{Name: n.Name(), Score: s}
	}
	if ext := sp.ScoreExtensions(); ext != nil {
		if st := ext.NormalizeScore(ctx, state, pod, list); !st.IsSuccess() {
			t.Fatalf("normalize: %v", st)
		}
	}
	out := make([]int64, len(list))
	for i := range list {
		out[i] = list[i].Score
	}
	return out
}

// checkStatus compares a status's code and reasons.
func checkStatus(t *testing.T, got *framework.Status, code framework.Code, reasons ...string) {
	t.Helper()
	if got.Code() != code || !slices.Equal(got.Reasons(), reasons) {
		t.Fatalf("status %v, want %v %q", got, code, reasons)
	}
}
