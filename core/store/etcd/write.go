package etcd

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
)

// maxNameAttempts bounds how many generated names Create tries before
// reporting that they are all taken.
const maxNameAttempts = 8

// Create stores a new object, failing with ErrAlreadyExists when its key is
// taken; a name generated from generateName is drawn again instead.
func (s *Store) Create(ctx context.Context, obj api.Object) (api.Object, error) {
	if err := s.checkOpen("create"); err != nil {
		return nil, err
	}
	kind, err := api.KindOf(obj)
	if err != nil {
		return nil, fmt.Errorf("create: %w: %w", store.ErrInvalid, err)
	}
	generated := obj.GetObjectMeta().Name == ""
	for attempt := 1; ; attempt++ {
		out := obj.DeepCopyObject()
		if err := s.prepareCreate(kind, out); err != nil {
			return nil, err
		}
		err := s.createKey(ctx, kind, out)
		if errors.Is(err, store.ErrAlreadyExists) && generated && attempt < maxNameAttempts {
			continue
		}
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// prepareCreate applies the shared create rules, serialising use of rnd.
func (s *Store) prepareCreate(kind *api.Kind, obj api.Object) error {
	now := s.clock.Now()
	s.rndMu.Lock()
	defer s.rndMu.Unlock()
	return store.PrepareCreate(kind, obj, now, s.rnd)
}

// createKey writes obj under a key that must not exist yet and sets its
// resourceVersion to the write's revision.
func (s *Store) createKey(ctx context.Context, kind *api.Kind, obj api.Object) error {
	m := obj.GetObjectMeta()
	if err := store.CheckKey(kind, m.Namespace, m.Name); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	data, err := encode(obj)
	if err != nil {
		return objError("create", kind, m.Namespace, m.Name, err)
	}
	key := s.key(kind, m.Namespace, m.Name)
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(data))).
		Commit()
	if err != nil {
		return objError("create", kind, m.Namespace, m.Name, s.mapErr(err))
	}
	if !resp.Succeeded {
		return objError("create", kind, m.Namespace, m.Name, store.ErrAlreadyExists)
	}
	rev := resp.Header.Revision
	s.recent.put(&mvccpb.KeyValue{Key: []byte(key), Value: data, CreateRevision: rev, ModRevision: rev})
	store.SetResourceVersion(obj, rev)
	return nil
}

// Update replaces an object, guarded by the revision it was read at. An
// update without resourceVersion that loses a race reads again and retries;
// one with a resourceVersion fails with ErrConflict.
func (s *Store) Update(ctx context.Context, obj api.Object) (api.Object, error) {
	if err := s.checkOpen("update"); err != nil {
		return nil, err
	}
	kind, err := api.KindOf(obj)
	if err != nil {
		return nil, fmt.Errorf("update: %w: %w", store.ErrInvalid, err)
	}
	m := obj.GetObjectMeta()
	if err := store.CheckKey(kind, m.Namespace, m.Name); err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	rv, err := store.ParseResourceVersion(m.ResourceVersion)
	if err != nil {
		return nil, objError("update", kind, m.Namespace, m.Name, err)
	}
	key := s.key(kind, m.Namespace, m.Name)
	kv, cached := s.recent.get(key), true
	if kv == nil || (rv != 0 && kv.ModRevision != rv) {
		cached = false
		kv, err = s.getKV(ctx, key)
	}
	for range store.MaxUpdateRetries {
		if err != nil {
			return nil, objError("update", kind, m.Namespace, m.Name, err)
		}
		out, latest, tryErr := s.tryUpdate(ctx, kind, kv, obj)
		switch {
		case out != nil:
			return out, nil
		case tryErr != nil && !cached:
			return nil, tryErr
		case tryErr != nil: // judged against a remembered value: read the real one
			kv, err = s.getKV(ctx, key)
		default: // lost a race: go again from the value that won
			kv = latest
		}
		cached = false
	}
	return nil, objError("update", kind, m.Namespace, m.Name,
		fmt.Errorf("gave up after %d lost races: %w", store.MaxUpdateRetries, store.ErrConflict))
}

// tryUpdate applies obj over the stored value kv. On a lost race it
// returns the newer stored value to try again with.
func (s *Store) tryUpdate(ctx context.Context, kind *api.Kind, kv *mvccpb.KeyValue, obj api.Object) (api.Object, *mvccpb.KeyValue, error) {
	cur, err := s.decode(kind, kv)
	if err != nil {
		return nil, nil, err
	}
	next := obj.DeepCopyObject()
	remove, err := store.PrepareUpdate(kind, cur, next)
	if err != nil {
		return nil, nil, err
	}
	if remove {
		return s.removeOnUpdate(ctx, kind, kv, cur)
	}
	data, err := encode(next)
	if err != nil {
		return nil, nil, err
	}
	rev, latest, err := s.guardedTxn(ctx, string(kv.Key), kv.ModRevision, clientv3.OpPut(string(kv.Key), string(data)))
	if err != nil {
		m := next.GetObjectMeta()
		return nil, nil, objError("update", kind, m.Namespace, m.Name, err)
	}
	if rev == 0 {
		return nil, latest, nil
	}
	s.recent.put(&mvccpb.KeyValue{Key: kv.Key, Value: data, CreateRevision: kv.CreateRevision, ModRevision: rev})
	store.SetResourceVersion(next, rev)
	return next, nil, nil
}

// removeOnUpdate completes a deletion that an update emptied the
// finalizers of: it deletes the stored value kv, still at the revision it
// was read at, and returns cur (kv decoded, the store's own copy) stamped
// with the deletion's revision. The update's own changes are dropped, as
// in Kubernetes, so a plain delete is enough and watchers see the state
// before it, as for any delete.
func (s *Store) removeOnUpdate(ctx context.Context, kind *api.Kind, kv *mvccpb.KeyValue, cur api.Object) (api.Object, *mvccpb.KeyValue, error) {
	key := string(kv.Key)
	rev, latest, err := s.guardedTxn(ctx, key, kv.ModRevision, clientv3.OpDelete(key))
	if err != nil {
		m := cur.GetObjectMeta()
		return nil, nil, objError("update", kind, m.Namespace, m.Name, err)
	}
	if rev == 0 {
		return nil, latest, nil
	}
	s.recent.forget(key)
	store.SetResourceVersion(cur, rev)
	return cur, nil, nil
}

// Delete removes an object, or marks it for deletion when it has finalizers
// or a grace period, applying preconditions to the stored state and
// retrying when another write lands in between.
func (s *Store) Delete(ctx context.Context, kind *api.Kind, namespace, name string, opts store.DeleteOptions) (api.Object, bool, error) {
	if err := s.checkOpen("delete"); err != nil {
		return nil, false, err
	}
	if err := store.CheckKey(kind, namespace, name); err != nil {
		return nil, false, fmt.Errorf("delete: %w", err)
	}
	key := s.key(kind, namespace, name)
	kv, err := s.getKV(ctx, key)
	for range store.MaxUpdateRetries {
		if err != nil {
			return nil, false, objError("delete", kind, namespace, name, err)
		}
		var out api.Object
		var gone bool
		if out, gone, kv, err = s.tryDelete(ctx, kind, kv, opts); out != nil || err != nil {
			return out, gone, err
		}
	}
	return nil, false, objError("delete", kind, namespace, name,
		fmt.Errorf("gave up after %d lost races: %w", store.MaxUpdateRetries, store.ErrConflict))
}

// tryDelete plans and applies a delete of the stored value kv. On a lost
// race it returns the newer stored value (or ErrNotFound) to try again with.
func (s *Store) tryDelete(ctx context.Context, kind *api.Kind, kv *mvccpb.KeyValue, opts store.DeleteOptions) (api.Object, bool, *mvccpb.KeyValue, error) {
	cur, err := s.decode(kind, kv)
	if err != nil {
		return nil, false, nil, err
	}
	next, remove, err := store.PlanDelete(kind, cur, opts, s.clock.Now())
	if err != nil {
		return nil, false, nil, err
	}
	if !remove && next == cur {
		return cur, false, nil, nil // already marked: nothing to write
	}
	out := next
	if remove {
		out, next = cur, nil
	}
	op := clientv3.OpDelete(string(kv.Key))
	if !remove {
		if op, err = putOp(string(kv.Key), next); err != nil {
			return nil, false, nil, err
		}
	}
	rev, latest, err := s.guardedTxn(ctx, string(kv.Key), kv.ModRevision, op)
	if err != nil {
		m := cur.GetObjectMeta()
		return nil, false, nil, objError("delete", kind, m.Namespace, m.Name, err)
	}
	if rev == 0 {
		return nil, false, latest, nil
	}
	s.recent.forget(string(kv.Key)) // a mark is rare: the next update reads it back
	store.SetResourceVersion(out, rev)
	return out, remove, nil, nil
}

// putOp writes obj's stored form at key.
func putOp(key string, obj api.Object) (clientv3.Op, error) {
	data, err := encode(obj)
	if err != nil {
		return clientv3.Op{}, err
	}
	return clientv3.OpPut(key, string(data)), nil
}

// guardedTxn applies ops if key is still at modRev, returning the write's
// revision. When another write got there first it returns rev 0 and the
// key's current value, or ErrNotFound when the key is gone.
func (s *Store) guardedTxn(ctx context.Context, key string, modRev int64, ops ...clientv3.Op) (rev int64, latest *mvccpb.KeyValue, err error) {
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", modRev)).
		Then(ops...).
		Else(clientv3.OpGet(key)).
		Commit()
	if err != nil {
		return 0, nil, s.mapErr(err)
	}
	if resp.Succeeded {
		return resp.Header.Revision, nil, nil
	}
	kvs := resp.Responses[0].GetResponseRange().GetKvs()
	if len(kvs) == 0 {
		s.recent.forget(key)
		return 0, nil, store.ErrNotFound
	}
	s.recent.put(kvs[0])
	return 0, kvs[0], nil
}
