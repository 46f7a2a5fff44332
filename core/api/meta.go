package api

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubetwin/kubetwin/core/api/labels"
)

// Object is what every stored kind implements, so stores and the API server
// can handle any kind through its metadata.
type Object interface {
	GetTypeMeta() *TypeMeta
	GetObjectMeta() *ObjectMeta
	DeepCopyObject() Object
}

// TypeMeta names an object's kind and API version on the wire.
type TypeMeta struct {
	Kind       string `json:"kind,omitempty"`
	APIVersion string `json:"apiVersion,omitempty"`
}

// GetTypeMeta gives access to the embedded TypeMeta through Object.
func (t *TypeMeta) GetTypeMeta() *TypeMeta { return t }

// ObjectMeta is the metadata every object carries, as Kubernetes' metav1.ObjectMeta.
type ObjectMeta struct {
	Name                       string            `json:"name,omitempty"`
	GenerateName               string            `json:"generateName,omitempty"`
	Namespace                  string            `json:"namespace,omitempty"`
	UID                        string            `json:"uid,omitempty"`
	ResourceVersion            string            `json:"resourceVersion,omitempty"`
	Generation                 int64             `json:"generation,omitempty"`
	CreationTimestamp          Time              `json:"creationTimestamp,omitzero"`
	DeletionTimestamp          *Time             `json:"deletionTimestamp,omitempty"`
	DeletionGracePeriodSeconds *int64            `json:"deletionGracePeriodSeconds,omitempty"`
	Labels                     map[string]string `json:"labels,omitempty"`
	Annotations                map[string]string `json:"annotations,omitempty"`
	OwnerReferences            []OwnerReference  `json:"ownerReferences,omitempty"`
	Finalizers                 []string          `json:"finalizers,omitempty"`
	ManagedFields              []ManagedField    `json:"managedFields,omitempty"`
}

// GetObjectMeta gives access to the embedded ObjectMeta through Object.
func (m *ObjectMeta) GetObjectMeta() *ObjectMeta { return m }

// Key is the object's store key within its kind: "namespace/name", or
// "name" for cluster-scoped objects.
func (m *ObjectMeta) Key() string {
	if m.Namespace == "" {
		return m.Name
	}
	return m.Namespace + "/" + m.Name
}

// CompareKeys orders objects by namespace, then name: the order caches
// and controllers list in, without building key strings.
func CompareKeys(a, b *ObjectMeta) int {
	if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

// ManagedField records which manager owns which fields, for server-side apply.
type ManagedField struct {
	Manager     string        `json:"manager,omitempty"`
	Operation   string        `json:"operation,omitempty"`
	APIVersion  string        `json:"apiVersion,omitempty"`
	Time        *Time         `json:"time,omitempty"`
	FieldsType  string        `json:"fieldsType,omitempty"`
	FieldsV1    *RawExtension `json:"fieldsV1,omitempty"`
	Subresource string        `json:"subresource,omitempty"`
}

// RawExtension holds a JSON value that kubetwin stores without interpreting.
type RawExtension struct {
	Raw []byte `json:"-"`
}

// MarshalJSON writes the held JSON as is (null when empty).
func (r RawExtension) MarshalJSON() ([]byte, error) {
	if len(r.Raw) == 0 {
		return []byte("null"), nil
	}
	return r.Raw, nil
}

// UnmarshalJSON keeps a copy of the raw JSON value.
func (r *RawExtension) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		r.Raw = nil
		return nil
	}
	r.Raw = append(r.Raw[:0], b...)
	return nil
}

// OwnerReference ties an object to its owner for garbage collection and adoption.
type OwnerReference struct {
	APIVersion         string `json:"apiVersion"`
	Kind               string `json:"kind"`
	Name               string `json:"name"`
	UID                string `json:"uid"`
	Controller         *bool  `json:"controller,omitempty"`
	BlockOwnerDeletion *bool  `json:"blockOwnerDeletion,omitempty"`
}

// ObjectReference points at another object, as Events and Endpoints use it.
type ObjectReference struct {
	Kind            string `json:"kind,omitempty"`
	Namespace       string `json:"namespace,omitempty"`
	Name            string `json:"name,omitempty"`
	UID             string `json:"uid,omitempty"`
	APIVersion      string `json:"apiVersion,omitempty"`
	ResourceVersion string `json:"resourceVersion,omitempty"`
	FieldPath       string `json:"fieldPath,omitempty"`
}

// LabelSelector is the API form of a label query (matchLabels and matchExpressions).
type LabelSelector struct {
	MatchLabels      map[string]string          `json:"matchLabels,omitempty"`
	MatchExpressions []LabelSelectorRequirement `json:"matchExpressions,omitempty"`
}

// LabelSelectorOperator is the operator of a matchExpressions entry.
type LabelSelectorOperator string

// The operators a LabelSelectorRequirement may use.
const (
	LabelSelectorOpIn           LabelSelectorOperator = "In"
	LabelSelectorOpNotIn        LabelSelectorOperator = "NotIn"
	LabelSelectorOpExists       LabelSelectorOperator = "Exists"
	LabelSelectorOpDoesNotExist LabelSelectorOperator = "DoesNotExist"
)

// LabelSelectorRequirement is one matchExpressions entry.
type LabelSelectorRequirement struct {
	Key      string                `json:"key"`
	Operator LabelSelectorOperator `json:"operator"`
	Values   []string              `json:"values,omitempty"`
}

// ConditionStatus is the tri-state value of a condition.
type ConditionStatus string

// The values a condition's status takes.
const (
	ConditionTrue    ConditionStatus = "True"
	ConditionFalse   ConditionStatus = "False"
	ConditionUnknown ConditionStatus = "Unknown"
)

// LabelSelectorAsSelector converts the API form to a matcher. A nil selector
// matches nothing and an empty one matches everything, as in Kubernetes.
func LabelSelectorAsSelector(ls *LabelSelector) (labels.Selector, error) {
	if ls == nil {
		return labels.Nothing(), nil
	}
	if len(ls.MatchLabels)+len(ls.MatchExpressions) == 0 {
		return labels.Everything(), nil
	}
	reqs := make([]labels.Requirement, 0, len(ls.MatchLabels)+len(ls.MatchExpressions))
	for _, k := range sortedKeys(ls.MatchLabels) {
		r, err := labels.NewRequirement(k, labels.Equals, []string{ls.MatchLabels[k]})
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, r)
	}
	for _, e := range ls.MatchExpressions {
		op, err := selectorOperator(e.Operator)
		if err != nil {
			return nil, err
		}
		r, err := labels.NewRequirement(e.Key, op, e.Values)
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, r)
	}
	return labels.NewSelector(reqs...), nil
}

func selectorOperator(op LabelSelectorOperator) (labels.Operator, error) {
	switch op {
	case LabelSelectorOpIn:
		return labels.In, nil
	case LabelSelectorOpNotIn:
		return labels.NotIn, nil
	case LabelSelectorOpExists:
		return labels.Exists, nil
	case LabelSelectorOpDoesNotExist:
		return labels.DoesNotExist, nil
	}
	return "", fmt.Errorf("%q is not a valid label selector operator", op)
}

// sortedKeys returns a map's keys in order, so output never depends on map order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
