// Package client is a REST client for kubetwin's own API server, with the
// registry's method set (Get, List, Watch, Create, Update, Delete, Bind) and
// the registry's errors, so that code written against *registry.Registry in
// process (informer caches, the scheduler's writes, controllers' writes)
// runs unchanged in another process.
//
// It exists because in emulate and real mode the node agent, the service
// proxy and the cluster tools run in processes of their own and reach the
// control plane only over HTTPS with a bearer token. It speaks exactly the
// subset of the Kubernetes REST API that core/apiserver serves, in JSON,
// and needs nothing beyond the standard library: no client-go.
//
// Errors: a failed request returns the server's metav1 Status as a
// *registry.StatusError whose Unwrap is the matching store sentinel, so
// registry.IsNotFound, registry.IsConflict and errors.Is(err,
// store.ErrConflict) work as in process. Transport failures are wrapped
// with the method and URL.
//
// Watch semantics follow store.Store: a watch from revision R sees every
// change after R, a watch from 0 starts now (the client lists one item to
// learn the current revision), and a compacted revision ends the stream
// with an Error event wrapping store.ErrCompacted.
package client
