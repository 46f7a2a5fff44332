package api

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api/labels"
)

const twoDocs = `# leading comment
apiVersion: v1
kind: Pod
metadata:
  name: a
  namespace: default
spec:
  containers:
  - name: c
    image: busybox
    resources:
      requests:
        cpu: 500m
        memory: 1Gi
---
# only a comment
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  selector:
    matchLabels: {app: d}
  strategy:
    rollingUpdate: {maxSurge: 2, maxUnavailable: "25%"}
  template:
    metadata:
      labels: {app: d}
    spec:
      containers:
      - name: c
        image: busybox
`

func TestDecodeMultiDocument(t *testing.T) {
	objs, err := Decode([]byte(twoDocs))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 {
		t.Fatalf("got %d objects, want 2", len(objs))
	}
	pod, ok := objs[0].(*Pod)
	if !ok {
		t.Fatalf("first object is %T", objs[0])
	}
	req := pod.Spec.Containers[0].Resources.Requests
	if got := req[ResourceCPU]; got.MilliValue() != 500 {
		t.Errorf("cpu request = %v milli, want 500", got.MilliValue())
	}
	if got := req[ResourceMemory]; got.Value() != 1<<30 {
		t.Errorf("memory request = %d, want 1Gi", got.Value())
	}
	d := objs[1].(*Deployment)
	ru := d.Spec.Strategy.RollingUpdate
	if ru.MaxSurge.IsString || ru.MaxSurge.IntVal != 2 || !ru.MaxUnavailable.IsString || ru.MaxUnavailable.StrVal != "25%" {
		t.Errorf("rollingUpdate = %+v %+v", *ru.MaxSurge, *ru.MaxUnavailable)
	}
}

func TestDecodeListAndJSON(t *testing.T) {
	in := `{"apiVersion":"v1","kind":"List","items":[
	  {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}},
	  {"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"n1","namespace":"kube-node-lease"},
	   "spec":{"holderIdentity":"n1","leaseDurationSeconds":40,"renewTime":"2026-01-02T03:04:05.123456Z"}}]}`
	objs, err := Decode([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 {
		t.Fatalf("got %d objects", len(objs))
	}
	l := objs[1].(*Lease)
	want := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	if !l.Spec.RenewTime.Time.Equal(want) {
		t.Errorf("renewTime = %v, want %v", l.Spec.RenewTime.Time, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // substrings of the error
	}{
		{"unknown field with path", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n    imagee: x\n",
			[]string{`unknown field "spec.containers[0].imagee"`, `Pod "a"`, "document 1 (line 1)"}},
		{"several unknown fields", "apiVersion: v1\nkind: Node\nmetadata: {name: node1, colour: red}\nspec: {taints: [{key: k, effect: NoSchedule, when: now}]}\n",
			[]string{`unknown field "metadata.colour"`, `unknown field "spec.taints[0].when"`}},
		{"duplicate field", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a","name":"b"}}`,
			[]string{`duplicate field "metadata.name"`}},
		{"wrong kind", "apiVersion: v1\nkind: Frobnicator\nmetadata: {name: a}\n", []string{"unknown kind", "Frobnicator"}},
		{"wrong group", "apiVersion: apps/v2\nkind: Deployment\n", []string{"unknown kind", "apps/v2"}},
		{"missing kind", "metadata: {name: a}\n", []string{"apiVersion and kind are required"}},
		{"duplicate yaml key", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  name: b\n", []string{"already set"}},
		{"malformed yaml", "apiVersion: v1\nkind: Pod\nmetadata: [\n", []string{"malformed YAML"}},
		{"not an object", "- a\n- b\n", []string{"not an object"}},
		{"bad quantity", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n    resources: {requests: {cpu: lots}}\n",
			[]string{`spec.containers[0].resources.requests[cpu]: quantity "lots"`}},
		{"bad quantity in a list", "apiVersion: v1\nkind: Node\nmetadata: {name: node1}\nstatus: {capacity: {cpu: \"4\", memory: 16GB}}\n",
			[]string{`status.capacity[memory]: quantity "16GB"`}},
		{"bad int-or-string", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {strategy: {rollingUpdate: {maxSurge: 1.5}}}\n",
			[]string{"spec.strategy.rollingUpdate.maxSurge: "}},
		{"wrong type", "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: a}\nspec: {replicas: three}\n",
			[]string{"spec.replicas"}},
		{"second document bad", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nbogus: 1\n",
			[]string{"document 2 (line 5)", `unknown field "bogus"`}},
		{"bad list item", `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod","x":1}]}`,
			[]string{"items[0]", `unknown field "x"`}},
		{"bad timestamp", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, creationTimestamp: yesterday}\n", []string{`metadata.creationTimestamp: timestamp "yesterday"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Decode([]byte(tt.in))
			if err == nil {
				t.Fatalf("no error; decoded %d objects", len(objs))
			}
			if objs != nil {
				t.Errorf("objects returned alongside an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestDecodeEmpty(t *testing.T) {
	for _, in := range []string{"", "\n", "# nothing\n---\n---\n"} {
		if _, err := Decode([]byte(in)); !errors.Is(err, ErrEmpty) {
			t.Errorf("Decode(%q) = %v, want ErrEmpty", in, err)
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	objs, err := Decode([]byte(twoDocs))
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range objs {
		js, err := Encode(obj)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeObject(js)
		if err != nil {
			t.Fatalf("re-decode %s: %v", js, err)
		}
		js2, _ := Encode(again)
		if string(js) != string(js2) {
			t.Errorf("round trip changed the object:\n%s\n%s", js, js2)
		}
	}
}

func TestEncodeSetsTypeMetaWithoutMutating(t *testing.T) {
	p := &Pod{ObjectMeta: ObjectMeta{Name: "a", Namespace: "ns"}}
	js, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"kind":"Pod","apiVersion":"v1"`) {
		t.Errorf("encoded without type meta: %s", js)
	}
	if p.Kind != "" {
		t.Error("Encode changed its argument")
	}
}

func TestTimeWireFormat(t *testing.T) {
	ts := NewTime(time.Date(2026, 11, 22, 6, 39, 1, 999, time.FixedZone("x", 3600)))
	b, _ := json.Marshal(ts)
	if string(b) != `"2026-11-22T05:39:01Z"` {
		t.Errorf("Time = %s", b)
	}
	mt := NewMicroTime(time.Date(2026, 11, 22, 6, 39, 1, 123456789, time.UTC))
	b, _ = json.Marshal(mt)
	if string(b) != `"2026-11-22T06:39:01.123456Z"` {
		t.Errorf("MicroTime = %s", b)
	}
	b, _ = json.Marshal(Time{})
	if string(b) != "null" {
		t.Errorf("zero Time = %s", b)
	}
}

func TestIntOrString(t *testing.T) {
	var v IntOrString
	if err := json.Unmarshal([]byte(`"25%"`), &v); err != nil || !v.IsString || v.StrVal != "25%" {
		t.Fatalf("string: %+v %v", v, err)
	}
	if err := json.Unmarshal([]byte(`8080`), &v); err != nil || v.IsString || v.IntVal != 8080 {
		t.Fatalf("int: %+v %v", v, err)
	}
	if err := json.Unmarshal([]byte(`1.5`), &v); err == nil {
		t.Fatal("a fraction must be rejected")
	}
	if err := json.Unmarshal([]byte(`true`), &v); err == nil {
		t.Fatal("a bool must be rejected")
	}
}

func TestScaledValue(t *testing.T) {
	pct := FromString("25%")
	tests := []struct {
		v       IntOrString
		total   int
		roundUp bool
		want    int
	}{
		{pct, 10, true, 3}, {pct, 10, false, 2}, {pct, 4, true, 1}, {pct, 4, false, 1},
		{FromString("0%"), 10, true, 0}, {FromString("100%"), 7, false, 7}, {FromInt(3), 10, false, 3},
	}
	for _, tt := range tests {
		got, err := ScaledValue(&tt.v, tt.total, tt.roundUp)
		if err != nil || got != tt.want {
			t.Errorf("ScaledValue(%v, %d, %t) = %d, %v; want %d", tt.v, tt.total, tt.roundUp, got, err, tt.want)
		}
	}
	for _, bad := range []string{"25", "x%", "-5%"} {
		v := FromString(bad)
		if _, err := ScaledValue(&v, 10, true); err == nil {
			t.Errorf("ScaledValue(%q) accepted", bad)
		}
	}
}

func TestLabelSelectorAsSelector(t *testing.T) {
	sel, err := LabelSelectorAsSelector(&LabelSelector{
		MatchLabels:      map[string]string{"app": "web"},
		MatchExpressions: []LabelSelectorRequirement{{Key: "tier", Operator: LabelSelectorOpIn, Values: []string{"a", "b"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	match := map[string]string{"app": "web", "tier": "b"}
	miss := map[string]string{"app": "web", "tier": "c"}
	if !sel.Matches(labels.Set(match)) || sel.Matches(labels.Set(miss)) {
		t.Errorf("selector %s matched wrongly", sel)
	}
	if nothing, _ := LabelSelectorAsSelector(nil); nothing.Matches(labels.Set(match)) {
		t.Error("a nil selector must match nothing")
	}
	if all, _ := LabelSelectorAsSelector(&LabelSelector{}); !all.Matches(labels.Set(miss)) {
		t.Error("an empty selector must match everything")
	}
	if _, err := LabelSelectorAsSelector(&LabelSelector{MatchExpressions: []LabelSelectorRequirement{{Key: "a", Operator: "Near"}}}); err == nil {
		t.Error("a bad operator must be rejected")
	}
}
