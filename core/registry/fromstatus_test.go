package registry_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// TestFromStatusRoundTrip sends each API error through its wire form, as
// an HTTP client sees it, and checks the rebuilt error answers errors.Is
// and the Is* helpers as the original does.
func TestFromStatusRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		err  *registry.StatusError
		want error // the sentinel the rebuilt error must wrap; nil: none
	}{
		{"not found", registry.NewNotFound(podKind, "a"), store.ErrNotFound},
		{"already exists", registry.NewAlreadyExists(podKind, "a"), store.ErrAlreadyExists},
		{"conflict", registry.NewConflict(podKind, "a"), store.ErrConflict},
		{"gone", registry.NewGone("too old"), store.ErrCompacted},
		{"bad request", registry.NewBadRequest("no"), store.ErrInvalid},
		{"forbidden", registry.NewForbidden(podKind, "a", errors.New("rule")), nil},
		{"internal", registry.NewInternalError(errors.New("boom")), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.err.Status)
			if err != nil {
				t.Fatal(err)
			}
			var st api.Status
			if err := json.Unmarshal(b, &st); err != nil {
				t.Fatal(err)
			}
			got := registry.FromStatus(st)
			if got.Error() != tc.err.Error() || got.Status.Code != tc.err.Status.Code {
				t.Errorf("got %q (code %d), want %q (code %d)", got, got.Status.Code, tc.err, tc.err.Status.Code)
			}
			if tc.want != nil && !errors.Is(got, tc.want) {
				t.Errorf("errors.Is(%v, %v) = false", got, tc.want)
			}
			if tc.want == nil && got.Unwrap() != nil {
				t.Errorf("cause %v, want none", got.Unwrap())
			}
			if registry.IsNotFound(got) != registry.IsNotFound(tc.err) || registry.IsConflict(got) != registry.IsConflict(tc.err) {
				t.Errorf("Is* helpers disagree with the original")
			}
		})
	}
}

// TestFromStatusCodeOnly maps a Status without a reason by its code.
func TestFromStatusCodeOnly(t *testing.T) {
	for code, want := range map[int32]error{404: store.ErrNotFound, 409: store.ErrConflict, 410: store.ErrCompacted,
		400: store.ErrInvalid, 422: store.ErrInvalid} {
		got := registry.FromStatus(*api.NewStatus(api.StatusFailure, code, "", "x"))
		if !errors.Is(got, want) {
			t.Errorf("code %d: cause %v, want %v", code, got.Unwrap(), want)
		}
	}
	if got := registry.FromStatus(*api.NewStatus(api.StatusFailure, 500, "", "x")); got.Unwrap() != nil {
		t.Errorf("code 500: cause %v, want none", got.Unwrap())
	}
}
