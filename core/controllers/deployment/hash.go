package deployment

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"

	"github.com/kubetwin/kubetwin/core/api"
)

// safeChars are the characters a template hash is rendered in, as
// Kubernetes' rand.SafeEncodeString uses: no vowels (no words) and no
// characters that look alike.
const safeChars = "bcdfghjklmnpqrstvwxz2456789"

// ComputeHash is the pod-template-hash of template: FNV-32a over the
// template's canonical JSON plus collisionCount, rendered in safe
// characters, so the same template always names the same ReplicaSet and a
// collision can be escaped by bumping the count.
func ComputeHash(template *api.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	b, err := json.Marshal(template)
	if err != nil {
		panic(fmt.Sprintf("deployment: marshal pod template: %v", err)) // plain data always marshals
	}
	h.Write(b)
	if collisionCount != nil {
		buf := make([]byte, 8)
		binary.LittleEndian.PutUint32(buf, uint32(*collisionCount))
		h.Write(buf)
	}
	return safeEncode(fmt.Sprint(h.Sum32()))
}

// safeEncode maps each byte of s onto safeChars.
func safeEncode(s string) string {
	out := make([]byte, len(s))
	for i := range len(s) {
		out[i] = safeChars[int(s[i])%len(safeChars)]
	}
	return string(out)
}

// templateKey is the canonical JSON of template without the
// pod-template-hash label, so a Deployment's template can be matched to
// the ReplicaSet stamped from it.
func templateKey(template *api.PodTemplateSpec) string {
	t := template.DeepCopy()
	if _, ok := t.Labels[api.DefaultDeploymentUniqueLabelKey]; ok {
		t.Labels = maps.Clone(t.Labels)
		delete(t.Labels, api.DefaultDeploymentUniqueLabelKey)
	}
	if len(t.Labels) == 0 {
		t.Labels = nil
	}
	b, err := json.Marshal(t)
	if err != nil {
		panic(fmt.Sprintf("deployment: marshal pod template: %v", err))
	}
	return string(b)
}

// equalIgnoreHash reports whether two templates are equal but for the
// pod-template-hash label.
func equalIgnoreHash(a, b *api.PodTemplateSpec) bool {
	return templateKey(a) == templateKey(b)
}
