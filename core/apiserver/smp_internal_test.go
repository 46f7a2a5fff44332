package apiserver

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
)

func TestStrategicMerge(t *testing.T) {
	pod := reflect.TypeOf(api.Pod{})
	svc := reflect.TypeOf(api.Service{})
	dep := reflect.TypeOf(api.Deployment{})
	const base = `{"metadata":{"name":"p","labels":{"a":"1","b":"2"},"finalizers":["x","y"]},"spec":{` +
		`"containers":[{"name":"a","image":"i1","env":[{"name":"E1","value":"1"},{"name":"E2","value":"2"}],` +
		`"ports":[{"containerPort":80},{"containerPort":81}]},{"name":"b","image":"i2"}],` +
		`"tolerations":[{"key":"t1"},{"key":"t2"}]}}`
	for _, tc := range []struct {
		name, doc, patch, want string
		t                      reflect.Type
	}{
		{"image by name", base, `{"spec":{"containers":[{"name":"b","image":"new"}]}}`,
			`{"spec":{"containers":[{"name":"a"},{"name":"b","image":"new"}]}}`, pod},
		{"new container appended", base, `{"spec":{"containers":[{"name":"c","image":"i3"}]}}`,
			`{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c","image":"i3"}]}}`, pod},
		{"delete env", base, `{"spec":{"containers":[{"name":"a","env":[{"name":"E1","$patch":"delete"}]}]}}`,
			`{"spec":{"containers":[{"name":"a","env":[{"name":"E2","value":"2"}]},{"name":"b"}]}}`, pod},
		{"null deletes label", base, `{"metadata":{"labels":{"a":null,"c":"3"}}}`,
			`{"metadata":{"labels":{"b":"2","c":"3"}}}`, pod},
		{"tolerations atomic", base, `{"spec":{"tolerations":[{"key":"t3"}]}}`,
			`{"spec":{"tolerations":[{"key":"t3"}]}}`, pod},
		{"port by containerPort", base, `{"spec":{"containers":[{"name":"a","ports":[{"containerPort":81,"name":"m"}]}]}}`,
			`{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80},{"containerPort":81,"name":"m"}]},{"name":"b"}]}}`, pod},
		{"finalizers united and deleted", base, `{"metadata":{"finalizers":["z"],"$deleteFromPrimitiveList/finalizers":["x"]}}`,
			`{"metadata":{"finalizers":["y","z"]}}`, pod},
		{"replace list", base, `{"spec":{"containers":[{"$patch":"replace"},{"name":"only","image":"o"}]}}`,
			`{"spec":{"containers":[{"name":"only","image":"o"}]}}`, pod},
		{"replace map", base, `{"metadata":{"labels":{"$patch":"replace","z":"9"}}}`,
			`{"metadata":{"labels":{"z":"9"}}}`, pod},
		{"delete map", base, `{"metadata":{"labels":{"$patch":"delete"}}}`, `{"metadata":{"labels":null}}`, pod},
		{"set element order", base, `{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],` +
			`"containers":[{"name":"a","image":"n"}]}}`, `{"spec":{"containers":[{"name":"b"},{"name":"a","image":"n"}]}}`, pod},
		{"service port by port", `{"spec":{"ports":[{"port":80,"name":"h"},{"port":443,"name":"s"}]}}`,
			`{"spec":{"ports":[{"port":443,"targetPort":8443}]}}`,
			`{"spec":{"ports":[{"port":80},{"port":443,"name":"s","targetPort":8443}]}}`, svc},
		{"retain keys", `{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}`,
			`{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}`,
			`{"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}}`, dep},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := strategicMerge([]byte(tc.doc), []byte(tc.patch), tc.t)
			if err != nil {
				t.Fatal(err)
			}
			var got, want map[string]any
			_ = json.Unmarshal(out, &got)
			_ = json.Unmarshal([]byte(tc.want), &want)
			if !subsetOf(want, got) {
				t.Fatalf("got %s, want (subset) %s", out, tc.want)
			}
		})
	}
}

// subsetOf reports whether got has every value of want (lists compared
// element by element and by length; a nil in want means absent).
func subsetOf(want, got any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			gv, present := g[k]
			if v == nil && present || v != nil && !subsetOf(v, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !subsetOf(w[i], g[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(want, got)
}

func TestStrategicMergeErrors(t *testing.T) {
	pod := reflect.TypeOf(api.Pod{})
	for _, p := range []string{
		`{"$patch":"delete"}`,
		`{"spec":{"containers":[{"image":"x"}]}}`,
		`{"spec":{"containers":[1]}}`,
		`{"metadata":{"$patch":"bogus"}}`,
		`{"metadata":{"$retainKeys":"x"}}`,
		`[1]`,
	} {
		if _, err := strategicMerge([]byte(`{"spec":{}}`), []byte(p), pod); err == nil {
			t.Errorf("patch %s: no error", p)
		}
	}
}
