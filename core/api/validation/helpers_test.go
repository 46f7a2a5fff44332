package validation_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/field"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/api/resource"
	"github.com/kubetwin/kubetwin/core/api/validation"
)

// testCase is one object and the exact errors validation must report for
// it, each as "<type> <field path>", e.g. "Required spec.containers";
// no wants means the object must be valid.
type testCase struct {
	name string
	obj  api.Object
	want []string
}

// runCases validates every case's object and compares the errors found,
// type and path, with the ones wanted.
func runCases(t *testing.T, cases []testCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := validation.ValidateObject(tc.obj)
			checkErrors(t, errs, tc.want)
		})
	}
}

func checkErrors(t *testing.T, errs field.ErrorList, want []string) {
	t.Helper()
	got := summarize(errs)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("errors:\n got  %q\n want %q\nfull: %v", got, want, errs.ToAggregate())
	}
	for _, e := range errs {
		if e.Field == "" || strings.Contains(e.Field, "<nil>") {
			t.Errorf("error without a field path: %v", e)
		}
	}
}

func summarize(errs field.ErrorList) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, strings.TrimPrefix(string(e.Type), "FieldValue")+" "+e.Field)
	}
	slices.Sort(out)
	return out
}

// Each builder starts from a valid, defaulted object and applies changes,
// so a case states only what makes it different.

func pod(change func(*api.Pod)) *api.Pod {
	p := fixtures.MakePod().Name("p").Obj()
	api.Default(p)
	change(p)
	return p
}

func deployment(change func(*api.Deployment)) *api.Deployment {
	d := fixtures.MakeDeployment("web").Obj()
	api.Default(d)
	change(d)
	return d
}

func replicaSet(change func(*api.ReplicaSet)) *api.ReplicaSet {
	rs := fixtures.MakeReplicaSet("web-1").Obj()
	api.Default(rs)
	change(rs)
	return rs
}

func daemonSet(change func(*api.DaemonSet)) *api.DaemonSet {
	ds := fixtures.MakeDaemonSet("agent")
	api.Default(ds)
	change(ds)
	return ds
}

func job(change func(*api.Job)) *api.Job {
	j := fixtures.MakeJob("batch", 3, 1)
	api.Default(j)
	change(j)
	return j
}

func service(change func(*api.Service)) *api.Service {
	s := fixtures.MakeService("web", 80, 8080)
	api.Default(s)
	change(s)
	return s
}

func node(change func(*api.Node)) *api.Node {
	n := fixtures.MakeNode().Name("n1").CPU("4").Memory("8Gi").Obj()
	api.Default(n)
	change(n)
	return n
}

func noChange[T any](T) {}

func ptr[T any](v T) *T { return &v }

func quantities(kv ...string) api.ResourceList {
	l := api.ResourceList{}
	for i := 0; i+1 < len(kv); i += 2 {
		l[api.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return l
}

func container(p *api.Pod) *api.Container { return &p.Spec.Containers[0] }
