package apiserver

import (
	"bytes"
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubetwin/kubetwin/core/registry"
)

// protobufType is the media type of Kubernetes' protobuf encoding, which
// kubectl's typed clients (create deployment, run, expose) send.
const protobufType = "application/vnd.kubernetes.protobuf"

// protobufMagic starts every protobuf-encoded Kubernetes object.
var protobufMagic = []byte("k8s\x00")

// protoMessage is a Kubernetes API type generated with protobuf decoding.
type protoMessage interface{ Unmarshal([]byte) error }

// protobufTypes are Kubernetes' own Go types for the kinds kubetwin
// serves, used only to read protobuf bodies, which are then handled as JSON.
var protobufTypes = map[string]func() protoMessage{
	"v1/Pod":                             func() protoMessage { return &corev1.Pod{} },
	"v1/Node":                            func() protoMessage { return &corev1.Node{} },
	"v1/Namespace":                       func() protoMessage { return &corev1.Namespace{} },
	"v1/Service":                         func() protoMessage { return &corev1.Service{} },
	"v1/Endpoints":                       func() protoMessage { return &corev1.Endpoints{} },
	"v1/Event":                           func() protoMessage { return &corev1.Event{} },
	"v1/Binding":                         func() protoMessage { return &corev1.Binding{} },
	"apps/v1/Deployment":                 func() protoMessage { return &appsv1.Deployment{} },
	"apps/v1/ReplicaSet":                 func() protoMessage { return &appsv1.ReplicaSet{} },
	"apps/v1/DaemonSet":                  func() protoMessage { return &appsv1.DaemonSet{} },
	"batch/v1/Job":                       func() protoMessage { return &batchv1.Job{} },
	"coordination.k8s.io/v1/Lease":       func() protoMessage { return &coordinationv1.Lease{} },
	"scheduling.k8s.io/v1/PriorityClass": func() protoMessage { return &schedulingv1.PriorityClass{} },
}

// protobufToJSON turns a protobuf body into the JSON of the same object.
// The envelope names the body's kind; a kind kubetwin does not serve is a
// 415, as is a body that is not Kubernetes protobuf.
func protobufToJSON(body []byte) ([]byte, error) {
	if !bytes.HasPrefix(body, protobufMagic) {
		return nil, registry.NewBadRequest("protobuf body without the k8s envelope")
	}
	var env runtime.Unknown
	if err := env.Unmarshal(body[len(protobufMagic):]); err != nil {
		return nil, registry.NewBadRequest(fmt.Sprintf("malformed protobuf envelope: %v", err))
	}
	newMsg, ok := protobufTypes[env.APIVersion+"/"+env.Kind]
	if !ok {
		return nil, registry.NewUnsupportedMediaType(fmt.Sprintf("%s for %s %s", protobufType, env.APIVersion, env.Kind))
	}
	msg := newMsg()
	if err := msg.Unmarshal(env.Raw); err != nil {
		return nil, registry.NewBadRequest(fmt.Sprintf("malformed protobuf %s: %v", env.Kind, err))
	}
	js, err := json.Marshal(msg)
	if err != nil {
		return nil, registry.NewInternalError(fmt.Errorf("re-encode protobuf %s as JSON: %w", env.Kind, err))
	}
	return withTypeMeta(js, env.APIVersion, env.Kind)
}

// withTypeMeta puts apiVersion and kind back, since Kubernetes' protobuf
// carries them in the envelope, not in the object.
func withTypeMeta(js []byte, apiVersion, kind string) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, registry.NewInternalError(fmt.Errorf("re-encode protobuf %s: %w", kind, err))
	}
	m["apiVersion"], _ = json.Marshal(apiVersion)
	m["kind"], _ = json.Marshal(kind)
	out, err := json.Marshal(m)
	if err != nil {
		return nil, registry.NewInternalError(fmt.Errorf("re-encode protobuf %s: %w", kind, err))
	}
	return out, nil
}
