package agent

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
)

func TestParseTaints(t *testing.T) {
	for _, tc := range []struct {
		name  string
		specs []string
		want  []api.Taint
		err   string // a part of the error; "" for none
	}{
		{name: "none", specs: nil, want: nil},
		{name: "key value effect", specs: []string{"dedicated=infra:NoSchedule"},
			want: []api.Taint{{Key: "dedicated", Value: "infra", Effect: api.TaintEffectNoSchedule}}},
		{name: "key and effect", specs: []string{"example.com/gpu:NoExecute", "spot:PreferNoSchedule"},
			want: []api.Taint{{Key: "example.com/gpu", Effect: api.TaintEffectNoExecute},
				{Key: "spot", Effect: api.TaintEffectPreferNoSchedule}}},
		{name: "same key, other effect", specs: []string{"k=a:NoSchedule", "k=b:NoExecute"},
			want: []api.Taint{{Key: "k", Value: "a", Effect: api.TaintEffectNoSchedule},
				{Key: "k", Value: "b", Effect: api.TaintEffectNoExecute}}},
		{name: "empty value", specs: []string{"k=:NoSchedule"},
			want: []api.Taint{{Key: "k", Effect: api.TaintEffectNoSchedule}}},
		{name: "no effect", specs: []string{"dedicated=infra"}, err: "want key=value:Effect or key:Effect"},
		{name: "unknown effect", specs: []string{"k=v:NoWay"}, err: `effect "NoWay" is not`},
		{name: "effect in lower case", specs: []string{"k:noschedule"}, err: `effect "noschedule"`},
		{name: "empty effect", specs: []string{"k=v:"}, err: `effect ""`},
		{name: "empty key", specs: []string{"=v:NoSchedule"}, err: `key ""`},
		{name: "bad key", specs: []string{"a b:NoSchedule"}, err: `key "a b"`},
		{name: "bad value", specs: []string{"k=a b:NoSchedule"}, err: `value "a b"`},
		{name: "twice", specs: []string{"k=a:NoSchedule", "k=b:NoSchedule"}, err: "given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTaints(tc.specs)
			if tc.err != "" {
				if err == nil || !errors.Is(err, ErrBadTaint) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseTaints(%q) = %v, %v; want an ErrBadTaint saying %q", tc.specs, got, err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseTaints(%q) = %v, %v; want %v", tc.specs, got, err, tc.want)
			}
		})
	}
}

func TestFormatTaintRoundTrips(t *testing.T) {
	for _, s := range []string{"dedicated=infra:NoSchedule", "spot:PreferNoSchedule", "example.com/gpu=a100:NoExecute"} {
		tt, err := ParseTaint(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatTaint(tt); got != s {
			t.Errorf("FormatTaint(ParseTaint(%q)) = %q", s, got)
		}
	}
}

// A Node registered earlier keeps the taints others gave it and gains
// only the configured ones it lacks, by key and effect.
func TestMissingTaintsOnReRegistration(t *testing.T) {
	have := []api.Taint{{Key: "dedicated", Value: "old", Effect: api.TaintEffectNoSchedule},
		{Key: api.TaintNodeUnreachable, Effect: api.TaintEffectNoExecute}}
	want := []api.Taint{{Key: "dedicated", Value: "infra", Effect: api.TaintEffectNoSchedule},
		{Key: "dedicated", Value: "infra", Effect: api.TaintEffectNoExecute},
		{Key: "spot", Effect: api.TaintEffectPreferNoSchedule}}
	got := missingTaints(have, want)
	if !reflect.DeepEqual(got, want[1:]) {
		t.Fatalf("missingTaints = %v, want %v", got, want[1:])
	}
}
