package apiserver_test

import (
	"context"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
)

// FuzzCreateBody posts arbitrary bodies as pods: the server must never
// panic or answer 5xx, and must store a pod exactly when it answers 201.
func FuzzCreateBody(f *testing.F) {
	for _, seed := range []string{
		podJSON("a", `"app":"web"`),
		`{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"g-"},"spec":{"containers":[{"name":"c","image":"i"}]}}`,
		`{"metadata":{"name":"nk"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`,
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: yml\nspec:\n  containers:\n  - name: c\n    image: busybox\n",
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"a"}}`,
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"other"},"spec":{}}`,
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"c"}]}}`,
		`{"apiVersion":"v1","kind":"List","items":[]}`,
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","resourceVersion":"5"},"spec":{"containers":[{"name":"c","image":"i"}]}}`,
		`null`,
		`[1,2]`,
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e := newEnv(t)
		rec := e.do("POST", "/api/v1/namespaces/default/pods", string(body))
		if rec.Code >= 500 {
			t.Fatalf("code %d for %q: %s", rec.Code, body, rec.Body.String())
		}
		kind, _ := api.LookupKind("v1", "Pod")
		res, err := e.reg.List(context.Background(), kind, store.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		if rec.Code == 201 {
			want = 1
		}
		if len(res.Items) != want {
			t.Fatalf("code %d but %d pods stored for %q", rec.Code, len(res.Items), body)
		}
	})
}

// FuzzStrategicMergePatch sends arbitrary strategic merge patches to a
// deployment: the server must never panic or answer 5xx.
func FuzzStrategicMergePatch(f *testing.F) {
	for _, seed := range []string{
		`{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"new"}]}}}}`,
		`{"spec":{"template":{"spec":{"containers":[{"name":"c","env":[{"name":"A","$patch":"delete"}]}]}}}}`,
		`{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"d"},{"name":"c"}],"containers":[{"name":"d","image":"i"}]}}}}`,
		`{"metadata":{"labels":{"$patch":"replace","x":"y"},"$deleteFromPrimitiveList/finalizers":["a"]}}`,
		`{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}`,
		`{"spec":{"template":{"spec":{"containers":[{"$patch":"replace"}]}}}}`,
		`{"spec":{"replicas":null}}`,
		`{"$patch":"delete"}`,
		`{"spec":{"template":{"spec":{"containers":[[]]}}}}`,
		`null`, `[]`, `{`, "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e := newEnv(t)
		e.mustDo("POST", "/apis/apps/v1/namespaces/default/deployments", deploymentJSON("d"), 201)
		rec := e.do("PATCH", "/apis/apps/v1/namespaces/default/deployments/d", string(body),
			"application/strategic-merge-patch+json")
		if rec.Code >= 500 {
			t.Fatalf("code %d for %q: %s", rec.Code, body, rec.Body.String())
		}
	})
}

// FuzzServerSideApply applies arbitrary configurations twice to a
// deployment: the server must never panic or answer 5xx.
func FuzzServerSideApply(f *testing.F) {
	for _, seed := range []string{
		deploymentJSON("d"),
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":3}}`,
		`{"metadata":{"name":"d","finalizers":["a"]},"spec":{"template":{"spec":{"containers":[{"name":"x"}]}}}}`,
		`{"metadata":{"name":"d","managedFields":[{"manager":"m","operation":"Apply","fieldsV1":{"f:spec":1}}]}}`,
		`null`, `[]`, "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e := newEnv(t)
		e.mustDo("POST", "/apis/apps/v1/namespaces/default/deployments", deploymentJSON("d"), 201)
		for range 2 {
			rec := e.applyDo("/apis/apps/v1/namespaces/default/deployments/d", string(body), "m")
			if rec.Code >= 500 {
				t.Fatalf("code %d for %q: %s", rec.Code, body, rec.Body.String())
			}
		}
	})
}
