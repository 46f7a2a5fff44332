package store

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fields"
	"github.com/kubetwin/kubetwin/core/api/labels"
)

// This file holds the storage rules every Store shares, as pure functions,
// so the memory and etcd stores behave identically: both call exactly these.

// nameAlphabet is what generated name suffixes are drawn from: consonants
// and digits that cannot spell words, as Kubernetes uses.
const nameAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// generatedSuffixLen is the length of the random suffix added to generateName.
const generatedSuffixLen = 5

// MaxUpdateRetries bounds RetryUpdate, so a hopelessly contended object
// returns ErrConflict instead of spinning forever.
const MaxUpdateRetries = 100

// GenerateName returns prefix plus a random suffix drawn from rnd, so a
// store can draw a fresh name when a generated one is already taken.
func GenerateName(prefix string, rnd *rand.Rand) string {
	var suffix [generatedSuffixLen]byte
	for i := range suffix {
		suffix[i] = nameAlphabet[rnd.IntN(len(nameAlphabet))]
	}
	return prefix + string(suffix[:])
}

// NewUID returns a random (version 4) UUID drawn from rnd, so UIDs are
// reproducible from the store's seed.
func NewUID(rnd *rand.Rand) string {
	var u uuid.UUID
	binary.LittleEndian.PutUint64(u[0:8], rnd.Uint64())
	binary.LittleEndian.PutUint64(u[8:16], rnd.Uint64())
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u.String()
}

// ObjectKey is an object's key within its kind: "namespace/name" for
// namespaced kinds, "name" for cluster-scoped ones (namespace ignored).
// Keys sort in list order.
func ObjectKey(kind *api.Kind, namespace, name string) string {
	if !kind.Namespaced {
		return name
	}
	return namespace + "/" + name
}

// CheckKey rejects names and namespaces no key can be built from, and
// namespaces on the wrong scope, so bad requests fail as ErrInvalid rather
// than as a confusing NotFound.
func CheckKey(kind *api.Kind, namespace, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%s: a name is required: %w", kind.GroupResource(), ErrInvalid)
	case strings.Contains(name, "/") || strings.Contains(namespace, "/"):
		return fmt.Errorf("%s %q: names and namespaces may not contain '/': %w",
			kind.GroupResource(), namespace+"/"+name, ErrInvalid)
	case kind.Namespaced && namespace == "":
		return fmt.Errorf("%s %q: the kind is namespaced and needs a namespace: %w",
			kind.GroupResource(), name, ErrInvalid)
	case !kind.Namespaced && namespace != "":
		return fmt.Errorf("%s %q: the kind is cluster-scoped and takes no namespace (got %q): %w",
			kind.GroupResource(), name, namespace, ErrInvalid)
	}
	return nil
}

// PrepareCreate fills a new object's storage metadata in place; obj is the
// store's own copy. It draws the generated name (if any) and the UID from
// rnd, so the caller must serialise calls that share rnd.
func PrepareCreate(kind *api.Kind, obj api.Object, now time.Time, rnd *rand.Rand) error {
	if k, err := api.KindOf(obj); err != nil || k.Group != kind.Group || k.Kind != kind.Kind {
		return fmt.Errorf("create %s: object of Go type %T: %w", kind.GroupResource(), obj, ErrInvalid)
	}
	m := obj.GetObjectMeta()
	if m.ResourceVersion != "" {
		return fmt.Errorf("create %s %q: resourceVersion must not be set on create: %w",
			kind.GroupResource(), m.Key(), ErrInvalid)
	}
	if m.Name == "" && m.GenerateName == "" {
		return fmt.Errorf("create %s: name or generateName is required: %w", kind.GroupResource(), ErrInvalid)
	}
	if m.Name == "" {
		m.Name = GenerateName(m.GenerateName, rnd)
	}
	if err := CheckKey(kind, m.Namespace, m.Name); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	m.UID = NewUID(rnd)
	m.CreationTimestamp = api.NewTime(now)
	m.DeletionTimestamp = nil
	m.DeletionGracePeriodSeconds = nil
	tm := obj.GetTypeMeta()
	tm.Kind, tm.APIVersion = kind.Kind, kind.APIVersion()
	return nil
}

// PrepareUpdate checks an update against the stored object cur and fills
// next (the store's own copy) in place: identity, creation and deletion
// metadata come from cur. remove reports that the update completes a
// deletion (cur is marked, its grace period is over and next has no
// finalizers), so the store must delete the stored object cur instead of
// storing next, and return and announce cur as the object's last state.
func PrepareUpdate(kind *api.Kind, cur, next api.Object) (remove bool, err error) {
	cm, nm := cur.GetObjectMeta(), next.GetObjectMeta()
	if nm.Namespace != cm.Namespace || nm.Name != cm.Name {
		return false, fmt.Errorf("update %s %q: the key may not change (stored %q): %w",
			kind.GroupResource(), nm.Key(), cm.Key(), ErrInvalid)
	}
	if nm.ResourceVersion != "" && nm.ResourceVersion != cm.ResourceVersion {
		return false, keyError(kind, cm.Key(), fmt.Errorf("update at resourceVersion %s, stored %s: %w",
			nm.ResourceVersion, cm.ResourceVersion, ErrConflict))
	}
	if nm.UID != "" && nm.UID != cm.UID {
		return false, keyError(kind, cm.Key(), fmt.Errorf("update with uid %s, stored %s: %w",
			nm.UID, cm.UID, ErrConflict))
	}
	if cm.DeletionTimestamp != nil {
		if f, ok := addedFinalizer(cm.Finalizers, nm.Finalizers); ok {
			return false, keyError(kind, cm.Key(), fmt.Errorf(
				"finalizer %q may not be added to an object being deleted: %w", f, ErrInvalid))
		}
	}
	*next.GetTypeMeta() = *cur.GetTypeMeta()
	nm.UID = cm.UID
	nm.CreationTimestamp = cm.CreationTimestamp
	nm.DeletionTimestamp = copyPtr(cm.DeletionTimestamp)
	nm.DeletionGracePeriodSeconds = copyPtr(cm.DeletionGracePeriodSeconds)
	graceOver := nm.DeletionGracePeriodSeconds == nil || *nm.DeletionGracePeriodSeconds == 0
	return nm.DeletionTimestamp != nil && graceOver && len(nm.Finalizers) == 0, nil
}

// addedFinalizer returns a finalizer of next that cur lacks.
func addedFinalizer(cur, next []string) (string, bool) {
	for _, f := range next {
		if !slices.Contains(cur, f) {
			return f, true
		}
	}
	return "", false
}

func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// PlanDelete decides what a Delete of the stored object cur does, so both
// stores apply preconditions, finalizers and grace periods alike:
//   - remove: the object goes now (no finalizers, none added, no grace);
//     next is nil.
//   - otherwise next is a new copy marked with deletionTimestamp (now+grace,
//     or the earlier existing one), deletionGracePeriodSeconds (the
//     smaller) and the stored finalizers merged with opts.Finalizers, to be
//     written at a new revision;
//   - or, when the object is already marked and this delete changes
//     nothing, next is cur itself: the store writes nothing (no new
//     revision) and returns cur.
func PlanDelete(kind *api.Kind, cur api.Object, opts DeleteOptions, now time.Time) (next api.Object, remove bool, err error) {
	cm := cur.GetObjectMeta()
	if err := checkDeletePreconditions(kind, cm, opts); err != nil {
		return nil, false, err
	}
	if err := checkDeleteFinalizers(kind, cm, opts.Finalizers); err != nil {
		return nil, false, err
	}
	finalizers := mergeFinalizers(cm.Finalizers, opts.Finalizers)
	var grace int64
	if g := opts.GracePeriodSeconds; g != nil && *g > 0 {
		grace = *g
	}
	if len(finalizers) == 0 && grace == 0 {
		return nil, true, nil
	}
	deadline := api.NewTime(now.Add(time.Duration(grace) * time.Second))
	if cm.DeletionTimestamp != nil && !deadline.Before(cm.DeletionTimestamp.Time) {
		deadline = *cm.DeletionTimestamp
	}
	if cm.DeletionGracePeriodSeconds != nil && *cm.DeletionGracePeriodSeconds < grace {
		grace = *cm.DeletionGracePeriodSeconds
	}
	if cm.DeletionTimestamp != nil && cm.DeletionTimestamp.Equal(deadline.Time) &&
		cm.DeletionGracePeriodSeconds != nil && *cm.DeletionGracePeriodSeconds == grace &&
		slices.Equal(cm.Finalizers, finalizers) {
		return cur, false, nil
	}
	next = cur.DeepCopyObject()
	nm := next.GetObjectMeta()
	nm.DeletionTimestamp = &deadline
	nm.DeletionGracePeriodSeconds = &grace
	nm.Finalizers = finalizers
	return next, false, nil
}

// checkDeletePreconditions fails with ErrConflict when the delete's uid or
// resourceVersion precondition does not hold for the stored meta cm.
func checkDeletePreconditions(kind *api.Kind, cm *api.ObjectMeta, opts DeleteOptions) error {
	if opts.UID != "" && opts.UID != cm.UID {
		return keyError(kind, cm.Key(), fmt.Errorf("delete precondition uid %s, stored %s: %w",
			opts.UID, cm.UID, ErrConflict))
	}
	if opts.ResourceVersion != "" && opts.ResourceVersion != cm.ResourceVersion {
		return keyError(kind, cm.Key(), fmt.Errorf(
			"delete precondition resourceVersion %s, stored %s: %w", opts.ResourceVersion, cm.ResourceVersion, ErrConflict))
	}
	return nil
}

// checkDeleteFinalizers rejects finalizers a delete may not add: both
// propagation policies at once (they contradict), or, on an object already
// marked, any other new finalizer, since an update could not add it either
// and a delete must not be the back door that keeps the object forever.
func checkDeleteFinalizers(kind *api.Kind, cm *api.ObjectMeta, add []string) error {
	if slices.Contains(add, FinalizerOrphan) && slices.Contains(add, FinalizerForeground) {
		return keyError(kind, cm.Key(), fmt.Errorf("delete may not add both %q and %q: %w",
			FinalizerOrphan, FinalizerForeground, ErrInvalid))
	}
	if cm.DeletionTimestamp == nil {
		return nil
	}
	for _, f := range add {
		if !isPropagationFinalizer(f) && !slices.Contains(cm.Finalizers, f) {
			return keyError(kind, cm.Key(), fmt.Errorf(
				"finalizer %q may not be added to an object being deleted: %w", f, ErrInvalid))
		}
	}
	return nil
}

// isPropagationFinalizer reports whether f records a propagation policy.
func isPropagationFinalizer(f string) bool {
	return f == FinalizerOrphan || f == FinalizerForeground
}

// mergeFinalizers returns stored followed by those of add it lacks, in a
// new slice (nil when empty, as an object without finalizers stores them).
// Adding one propagation finalizer drops the other, so a second delete
// with another policy switches the policy instead of holding both.
func mergeFinalizers(stored, add []string) []string {
	var out []string
	for _, f := range stored {
		if isPropagationFinalizer(f) && slices.ContainsFunc(add, func(a string) bool {
			return isPropagationFinalizer(a) && a != f
		}) {
			continue
		}
		out = append(out, f)
	}
	for _, f := range add {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// Matches reports whether obj is in namespace ("" for all; ignored for
// cluster-scoped kinds) and satisfies both selectors (nil selects
// everything). Field values are computed only when the field selector has
// terms, as this is every list's and watch's hot path.
func Matches(kind *api.Kind, obj api.Object, namespace string, ls labels.Selector, fs fields.Selector) bool {
	if !matchesMeta(kind, obj.GetObjectMeta(), namespace, ls) {
		return false
	}
	return fs == nil || fs.Empty() || fs.Matches(kind.ObjectFields(obj))
}

// matchesMeta applies the namespace and label parts of a filter.
func matchesMeta(kind *api.Kind, m *api.ObjectMeta, namespace string, ls labels.Selector) bool {
	if namespace != "" && kind.Namespaced && m.Namespace != namespace {
		return false
	}
	return ls == nil || ls.Empty() || ls.Matches(labels.Set(m.Labels))
}

// FilterEvent turns a raw change into what a filtered watcher sees, so the
// watcher's view stays exactly the selected set: a modification that moves
// an object into the selection is Added, one that moves it out is Deleted
// (carrying the new state), one outside it before and after is dropped.
// A deletion passes when the final state or the previous state (prev may be
// nil) matches, so a watcher never misses the end of an object it has seen.
// To fan one change out to many watchers, use a ChangeFilter.
func FilterEvent(kind *api.Kind, opts WatchOptions, typ EventType, obj, prev api.Object, rev int64) (Event, bool) {
	c := ChangeFilter{Kind: kind, Type: typ, Obj: obj, Prev: prev, Rev: rev}
	return c.For(opts)
}

// ChangeFilter is one change being fanned out to watchers: For gives what
// each watcher sees, as FilterEvent does, computing each object's field
// set at most once however many watchers ask. It is not safe for
// concurrent use.
type ChangeFilter struct {
	Kind      *api.Kind
	Type      EventType
	Obj, Prev api.Object // Prev is nil for Added, may be nil for Deleted
	Rev       int64
	fieldSets [2]fields.Set // of Obj and Prev, once computed
}

// For returns the event a watcher with opts sees, if any.
func (c *ChangeFilter) For(opts WatchOptions) (Event, bool) {
	ev := Event{Type: c.Type, Object: c.Obj, Revision: c.Rev}
	switch c.Type {
	case Added:
		return ev, c.matches(0, opts)
	case Deleted:
		return ev, c.matches(0, opts) || c.matches(1, opts)
	case Modified:
		now, before := c.matches(0, opts), c.matches(1, opts)
		switch {
		case now && before:
			return ev, true
		case now:
			ev.Type = Added
			return ev, true
		case before:
			ev.Type = Deleted
			return ev, true
		}
		return Event{}, false
	}
	return ev, true
}

// matches filters Obj (i == 0) or Prev (i == 1).
func (c *ChangeFilter) matches(i int, opts WatchOptions) bool {
	o := c.Obj
	if i == 1 {
		o = c.Prev
	}
	if o == nil || !matchesMeta(c.Kind, o.GetObjectMeta(), opts.Namespace, opts.Labels) {
		return false
	}
	if opts.Fields == nil || opts.Fields.Empty() {
		return true
	}
	if c.fieldSets[i] == nil {
		c.fieldSets[i] = c.Kind.ObjectFields(o)
	}
	return opts.Fields.Matches(c.fieldSets[i])
}

// continueToken is the decoded form of a list's continue token.
type continueToken struct {
	Rev     int64  `json:"rev"`
	LastKey string `json:"start"`
}

// EncodeContinue makes the opaque token that resumes a list after lastKey
// at revision rev.
func EncodeContinue(rev int64, lastKey string) string {
	b, err := json.Marshal(continueToken{Rev: rev, LastKey: lastKey})
	if err != nil {
		panic(fmt.Sprintf("encode continue token: %v", err)) // cannot happen for this struct
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeContinue reads a token made by EncodeContinue; anything else is
// ErrInvalid.
func DecodeContinue(token string) (rev int64, lastKey string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, "", fmt.Errorf("continue token %q is not base64url: %w", token, ErrInvalid)
	}
	var t continueToken
	if err := json.Unmarshal(b, &t); err != nil {
		return 0, "", fmt.Errorf("continue token %q is malformed: %w", token, ErrInvalid)
	}
	if t.Rev <= 0 || t.LastKey == "" {
		return 0, "", fmt.Errorf("continue token %q has no revision or position: %w", token, ErrInvalid)
	}
	return t.Rev, t.LastKey, nil
}

// SetResourceVersion records rev as obj's resourceVersion (a decimal string).
func SetResourceVersion(obj api.Object, rev int64) {
	obj.GetObjectMeta().ResourceVersion = strconv.FormatInt(rev, 10)
}

// ParseResourceVersion reads a resourceVersion: "" is 0, anything that is
// not a non-negative decimal is ErrInvalid.
func ParseResourceVersion(rv string) (int64, error) {
	if rv == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(rv, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("resourceVersion %q is not a revision: %w", rv, ErrInvalid)
	}
	return n, nil
}

// RetryUpdate applies mutate to a fresh copy of the stored object and
// updates it, starting over on ErrConflict (at most MaxUpdateRetries
// times), so callers get read-modify-write without lost updates. mutate
// receives a private deep copy and returns the object to store; its error
// ends the retry loop as is.
func RetryUpdate(ctx context.Context, s Store, kind *api.Kind, namespace, name string,
	mutate func(api.Object) (api.Object, error)) (api.Object, error) {
	var err error
	for range MaxUpdateRetries {
		var cur, next api.Object
		if cur, err = s.Get(ctx, kind, namespace, name); err != nil {
			return nil, fmt.Errorf("retry update: %w", err)
		}
		if next, err = mutate(cur.DeepCopyObject()); err != nil {
			return nil, err
		}
		var out api.Object
		out, err = s.Update(ctx, next)
		if err == nil {
			return out, nil
		}
		if !errors.Is(err, ErrConflict) {
			return nil, fmt.Errorf("retry update: %w", err)
		}
	}
	return nil, fmt.Errorf("retry update: gave up after %d conflicts: %w", MaxUpdateRetries, err)
}
