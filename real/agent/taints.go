package agent

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/labels"
)

// ErrBadTaint is a taint that --register-with-taints cannot take.
var ErrBadTaint = errors.New("bad taint")

// ParseTaints reads taints as the kubelet's --register-with-taints takes
// them, key=value:Effect or key:Effect. It rejects what the API would
// reject at registration (a bad key, value or effect, or a key and effect
// given twice), so a mistake stops the agent at start with the flag named
// rather than failing every registration attempt.
func ParseTaints(specs []string) ([]api.Taint, error) {
	var out []api.Taint
	seen := map[string]bool{}
	for _, s := range specs {
		t, err := ParseTaint(s)
		if err != nil {
			return nil, err
		}
		key := t.Key + ":" + string(t.Effect)
		if seen[key] {
			return nil, fmt.Errorf("%w %q: key %s and effect %s given twice", ErrBadTaint, s, t.Key, t.Effect)
		}
		seen[key] = true
		out = append(out, t)
	}
	return out, nil
}

// ParseTaint reads one key=value:Effect or key:Effect.
func ParseTaint(s string) (api.Taint, error) {
	kv, effect, ok := strings.Cut(s, ":")
	if !ok {
		return api.Taint{}, fmt.Errorf("%w %q: want key=value:Effect or key:Effect", ErrBadTaint, s)
	}
	key, value, _ := strings.Cut(kv, "=")
	t := api.Taint{Key: key, Value: value, Effect: api.TaintEffect(effect)}
	if p := labels.IsQualifiedName(key); len(p) > 0 {
		return api.Taint{}, fmt.Errorf("%w %q: key %q: %s", ErrBadTaint, s, key, strings.Join(p, "; "))
	}
	if p := labels.ValidateLabelValue(value); len(p) > 0 {
		return api.Taint{}, fmt.Errorf("%w %q: value %q: %s", ErrBadTaint, s, value, strings.Join(p, "; "))
	}
	switch t.Effect {
	case api.TaintEffectNoSchedule, api.TaintEffectPreferNoSchedule, api.TaintEffectNoExecute:
		return t, nil
	}
	return api.Taint{}, fmt.Errorf("%w %q: effect %q is not NoSchedule, PreferNoSchedule or NoExecute", ErrBadTaint, s, effect)
}

// FormatTaint is the inverse of ParseTaint, for passing a taint on as a flag.
func FormatTaint(t api.Taint) string {
	if t.Value == "" {
		return t.Key + ":" + string(t.Effect)
	}
	return t.Key + "=" + t.Value + ":" + string(t.Effect)
}

// missingTaints are the configured taints a registered Node lacks (by key
// and effect), so a Node that outlived its agent's configuration (a
// cluster brought up again over its old data) gets them, as it gets the
// configured labels. Taints others added, such as the node lifecycle
// controller's, are left as they are.
func missingTaints(have, want []api.Taint) []api.Taint {
	var out []api.Taint
	for _, w := range want {
		found := false
		for _, h := range have {
			if h.Key == w.Key && h.Effect == w.Effect {
				found = true
				break
			}
		}
		if !found {
			out = append(out, w)
		}
	}
	return out
}
