package field

import "testing"

func TestPathString(t *testing.T) {
	tests := []struct {
		path *Path
		want string
	}{
		{NewPath("metadata", "name"), "metadata.name"},
		{NewPath("spec").Child("containers").Index(0).Child("image"), "spec.containers[0].image"},
		{NewPath("metadata").Child("labels").Key("app"), "metadata.labels[app]"},
		{NewPath("spec").Child("template", "spec", "containers").Index(2), "spec.template.spec.containers[2]"},
	}
	for _, tt := range tests {
		if got := tt.path.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	p := NewPath("spec", "replicas")
	tests := []struct {
		err  *Error
		want string
	}{
		{Invalid(p, int32(-1), "must be greater than or equal to 0"), "spec.replicas: Invalid value: -1: must be greater than or equal to 0"},
		{Required(NewPath("metadata", "name"), "name or generateName is required"), "metadata.name: Required value: name or generateName is required"},
		{NotSupported(NewPath("spec", "restartPolicy"), "Sometimes", []string{"Always", "Never"}), `spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never"`},
		{Duplicate(NewPath("spec", "containers").Index(1).Child("name"), "a"), `spec.containers[1].name: Duplicate value: "a"`},
		{Forbidden(NewPath("spec", "selector"), "field is immutable"), "spec.selector: Forbidden: field is immutable"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q\nwant %q", got, tt.want)
		}
	}
}

func TestAggregate(t *testing.T) {
	var l ErrorList
	if l.ToAggregate() != nil {
		t.Fatal("empty list must aggregate to nil")
	}
	l = append(l, Required(NewPath("a"), ""), Required(NewPath("b"), ""))
	if got := l.ToAggregate().Error(); got != "[a: Required value, b: Required value]" {
		t.Fatalf("got %q", got)
	}
}
