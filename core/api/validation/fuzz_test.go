package validation_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/validation"
)

// fuzzSeeds are manifests of every sort the decoder meets: valid ones of
// several kinds, streams and lists, and the usual mistakes.
var fuzzSeeds = []string{
	// a valid Pod
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  containers:\n  - name: c\n    image: busybox\n    resources: {limits: {cpu: 500m, memory: 1Gi}}\n",
	// a valid Deployment
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: default}\nspec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec: {containers: [{name: c, image: 'nginx:1.27'}]}\n",
	// a valid Service
	"apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: default}\nspec: {selector: {app: d}, ports: [{port: 80, targetPort: 8080}]}\n",
	// a multi-document stream with comments and an empty document
	"# head\napiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n---\n# nothing\n---\napiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 1000\n",
	// a List
	`{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},"status":{"capacity":{"cpu":"4","pods":"110"}}},{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"n1","namespace":"kube-node-lease"},"spec":{"leaseDurationSeconds":40}}]}`,
	// malformed YAML
	"apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n",
	// an unknown field
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x, imagePolicy: Always}]}\n",
	// a kind kubetwin doesn't serve
	"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: b}\n",
	// a bad quantity
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x, resources: {requests: {cpu: 1.5.5}}}]}\n",
	// a bad name
	"apiVersion: v1\nkind: Pod\nmetadata: {name: Not_A_Name}\nspec: {containers: [{name: C, image: x}]}\n",
	// numbers too big for their fields
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 99999999999999999999, selector: {matchLabels: {a: b}}, template: {spec: {containers: []}}}\n",
	// deep nesting
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: " + strings.Repeat("[", 200) + strings.Repeat("]", 200) + "\n",
	// a JSON Job
	`{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j","namespace":"default"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x"}]}}}}`,
	// a DaemonSet with a percentage surge and an Endpoints object
	"apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: ds}\nspec:\n  selector: {matchLabels: {a: b}}\n  updateStrategy: {rollingUpdate: {maxSurge: 10%, maxUnavailable: 0}}\n  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: x}]}}\n---\napiVersion: v1\nkind: Endpoints\nmetadata: {name: s}\nsubsets: [{addresses: [{ip: 10.0.0.1}], ports: [{port: 80}]}]\n",
	// an Event with a duplicate key
	"apiVersion: v1\nkind: Event\nmetadata: {name: e, namespace: default}\ninvolvedObject: {kind: Pod, name: p, namespace: default}\nreason: Started\nreason: Again\nreportingComponent: kubelet\nreportingInstance: n1\n",
	// a valid Event and a ReplicaSet with an owner
	"apiVersion: v1\nkind: Event\nmetadata: {name: p.1, namespace: default}\ninvolvedObject: {kind: Pod, name: p, namespace: default}\nreason: Started\ntype: Normal\nreportingComponent: kubelet\nreportingInstance: n1\n---\napiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web-1, namespace: default, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u1, controller: true}]}\nspec: {replicas: 2, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: x}]}}}\n",
}

// FuzzDecode feeds arbitrary manifests through the path every object takes
// into the store: decode, default, validate. It checks that nothing panics,
// that defaulting twice changes nothing, and that a valid object survives
// an encode and decode unchanged.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := api.Decode(data)
		if err != nil {
			return
		}
		for _, obj := range objs {
			checkDecodedObject(t, obj)
		}
	})
}

func checkDecodedObject(t *testing.T, obj api.Object) {
	api.Default(obj)
	once := mustEncode(t, obj)
	api.Default(obj)
	if twice := mustEncode(t, obj); !bytes.Equal(once, twice) {
		t.Fatalf("Default is not idempotent:\nonce:  %s\ntwice: %s", once, twice)
	}
	if errs := validation.ValidateObject(obj); len(errs) > 0 {
		return
	}
	again, err := api.Decode(once)
	if err != nil {
		t.Fatalf("a valid object doesn't decode after encoding: %v\n%s", err, once)
	}
	if len(again) != 1 {
		t.Fatalf("re-decoding gave %d objects", len(again))
	}
	if round := mustEncode(t, again[0]); !bytes.Equal(once, round) {
		t.Fatalf("round trip changed a valid object:\nbefore: %s\nafter:  %s", once, round)
	}
}

func mustEncode(t *testing.T, obj api.Object) []byte {
	t.Helper()
	b, err := api.Encode(obj)
	if err != nil {
		t.Fatalf("encode %T: %v", obj, err)
	}
	return b
}

// TestTestdataManifests requires the realistic manifests in testdata to
// decode, default and validate without a single error.
func TestTestdataManifests(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata manifests: %v", err)
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := api.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			for _, obj := range objs {
				api.Default(obj)
				if errs := validation.ValidateObject(obj); len(errs) > 0 {
					t.Errorf("%s %q: %v", obj.GetTypeMeta().Kind, obj.GetObjectMeta().Name, errs.ToAggregate())
				}
				checkDecodedObject(t, obj)
			}
		})
	}
}
