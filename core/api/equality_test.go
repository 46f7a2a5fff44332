package api

import (
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api/resource"
)

func TestSemanticEqual(t *testing.T) {
	now := NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	later := NewTime(now.Add(time.Second))
	one := int32(1)
	cases := []struct {
		name string
		a, b any
		want bool
	}{
		{"nil and empty slice", PodSpec{Containers: nil}, PodSpec{Containers: []Container{}}, true},
		{"nil and empty map", ObjectMeta{Labels: nil}, ObjectMeta{Labels: map[string]string{}}, true},
		{"equal maps", map[string]string{"a": "1"}, map[string]string{"a": "1"}, true},
		{"different map value", map[string]string{"a": "1"}, map[string]string{"a": "2"}, false},
		{"nil and set pointer", DeploymentSpec{}, DeploymentSpec{Replicas: &one}, false},
		{"pointers to equal values", &one, func() *int32 { v := int32(1); return &v }(), true},
		{"times", LeaseSpec{RenewTime: &MicroTime{now.Time}}, LeaseSpec{RenewTime: &MicroTime{later.Time}}, false},
		{"same times", now, NewTime(now.Time), true},
		{"types differ", int32(1), int64(1), false},
		{"same instant, other location", now, NewTime(now.In(time.FixedZone("x", 3600))), true},
		{"quantities by value", ResourceList{"cpu": resource.MustParse("1")}, ResourceList{"cpu": resource.MustParse("1000m")}, true},
		{"different quantities", ResourceList{"cpu": resource.MustParse("1")}, ResourceList{"cpu": resource.MustParse("2")}, false},
		{"nil values", nil, nil, true},
	}
	for _, c := range cases {
		if got := SemanticEqual(c.a, c.b); got != c.want {
			t.Errorf("%s: SemanticEqual = %v, want %v", c.name, got, c.want)
		}
	}
}
