package main

import (
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
)

// A bad --register-with-taints stops the agent at start, naming the flag,
// before it touches anything.
func TestAgentRejectsABadTaintAtStart(t *testing.T) {
	cmd := newAgentCommand()
	cmd.SetArgs([]string{"--kubeconfig", "/nonexistent", "--node-name", "n1", "--pod-cidr", "10.244.1.0/24",
		"--data-dir", t.TempDir(), "--register-with-taints", "dedicated=infra:NoSchedule,spot=yes"})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	if err == nil || !strings.Contains(err.Error(), `--register-with-taints: bad taint "spot=yes"`) {
		t.Fatalf("agent with a taint lacking its effect: %v", err)
	}
}

// The flag repeats and takes comma-separated lists, as the kubelet's.
func TestAgentRegisterWithTaintsFlag(t *testing.T) {
	cmd := newAgentCommand()
	if err := cmd.ParseFlags([]string{"--register-with-taints", "dedicated=infra:NoSchedule,spot:PreferNoSchedule",
		"--register-with-taints", "example.com/gpu:NoExecute"}); err != nil {
		t.Fatal(err)
	}
	specs, err := cmd.Flags().GetStringSlice("register-with-taints")
	if err != nil {
		t.Fatal(err)
	}
	o := agentOptions{nodeName: "n1", podCIDR: "10.244.1.0/24", dataDir: t.TempDir(), taints: specs}
	cfg, err := o.agentConfig()
	if err != nil {
		t.Fatal(err)
	}
	want := []api.Taint{{Key: "dedicated", Value: "infra", Effect: api.TaintEffectNoSchedule},
		{Key: "spot", Effect: api.TaintEffectPreferNoSchedule}, {Key: "example.com/gpu", Effect: api.TaintEffectNoExecute}}
	if !reflect.DeepEqual(cfg.Taints, want) {
		t.Fatalf("agent config taints %v, want %v", cfg.Taints, want)
	}
}
