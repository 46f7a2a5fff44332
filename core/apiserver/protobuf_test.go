package apiserver_test

import (
	"net/http"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubetwin/kubetwin/core/api"
)

// protobufBody wraps a Kubernetes object's protobuf as client-go sends it.
func protobufBody(t *testing.T, apiVersion, kind string, obj interface{ Marshal() ([]byte, error) }) string {
	t.Helper()
	raw, err := obj.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	env := runtime.Unknown{TypeMeta: runtime.TypeMeta{APIVersion: apiVersion, Kind: kind}, Raw: raw}
	b, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return "k8s\x00" + string(b)
}

func TestCreateFromProtobufBody(t *testing.T) {
	e := newEnv(t)
	replicas := int32(2)
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"app": "web"}},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx:1.27"}}}}}}
	got := e.mustDo("POST", "/apis/apps/v1/namespaces/default/deployments",
		protobufBody(t, "apps/v1", "Deployment", d), http.StatusCreated, "application/vnd.kubernetes.protobuf")
	spec := got["spec"].(map[string]any)
	if spec["replicas"] != float64(2) || got["kind"] != "Deployment" {
		t.Fatalf("created %v", got)
	}
	obj, err := e.reg.Get(t.Context(), mustKind(t, api.AppsV1, "Deployment"), "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	if img := obj.(*api.Deployment).Spec.Template.Spec.Containers[0].Image; img != "nginx:1.27" {
		t.Fatalf("image %q", img)
	}
}

func TestBadEncodingsAreRefused(t *testing.T) {
	e := newEnv(t)
	const path = "/api/v1/namespaces/default/pods"
	rec := e.do("POST", path, "k8s\x00\xff\xff", "application/vnd.kubernetes.protobuf")
	mustStatusCode(t, rec, http.StatusBadRequest, api.StatusReasonBadRequest)
	rec = e.do("POST", path, "\xa1", "application/cbor")
	mustStatusCode(t, rec, http.StatusUnsupportedMediaType, api.StatusReasonUnsupportedMediaType)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}}
	rec = e.do("POST", path, protobufBody(t, "v1", "ConfigMap", cm), "application/vnd.kubernetes.protobuf")
	mustStatusCode(t, rec, http.StatusUnsupportedMediaType, api.StatusReasonUnsupportedMediaType)
}

func mustKind(t *testing.T, apiVersion, kind string) *api.Kind {
	t.Helper()
	k, err := api.LookupKind(apiVersion, kind)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
