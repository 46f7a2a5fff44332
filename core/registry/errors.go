package registry

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/field"
	"github.com/kubetwin/kubetwin/core/store"
)

// StatusError is an API error carrying the Status a client receives, so the
// in-process simulator and the HTTP server report failures identically.
type StatusError struct {
	Status api.Status
	cause  error
}

// Error returns the Status message, as clients print it.
func (e *StatusError) Error() string { return e.Status.Message }

// Unwrap exposes the underlying store or validation error, if any.
func (e *StatusError) Unwrap() error { return e.cause }

// newError builds a failure StatusError.
func newError(code int32, reason api.StatusReason, msg string, d *api.StatusDetails, cause error) *StatusError {
	s := api.NewStatus(api.StatusFailure, code, reason, msg)
	s.Details = d
	return &StatusError{Status: *s, cause: cause}
}

// details names an object of kind in a Status the way Kubernetes does:
// kind is the resource (plural) name.
func details(kind *api.Kind, name string) *api.StatusDetails {
	if kind == nil {
		return &api.StatusDetails{Name: name}
	}
	return &api.StatusDetails{Name: name, Group: kind.Group, Kind: kind.Resource}
}

// NewNotFound reports that an object does not exist.
func NewNotFound(kind *api.Kind, name string) *StatusError {
	return newError(http.StatusNotFound, api.StatusReasonNotFound,
		fmt.Sprintf("%s %q not found", kind.GroupResource(), name), details(kind, name), store.ErrNotFound)
}

// NewAlreadyExists reports a create of an object that exists.
func NewAlreadyExists(kind *api.Kind, name string) *StatusError {
	return newError(http.StatusConflict, api.StatusReasonAlreadyExists,
		fmt.Sprintf("%s %q already exists", kind.GroupResource(), name), details(kind, name), store.ErrAlreadyExists)
}

// NewConflict reports a write at a stale resourceVersion, with Kubernetes'
// wording, which clients and users recognise as "read and retry".
func NewConflict(kind *api.Kind, name string) *StatusError {
	return newError(http.StatusConflict, api.StatusReasonConflict,
		fmt.Sprintf("Operation cannot be fulfilled on %s %q: the object has been modified; "+
			"please apply your changes to the latest version and try again", kind.GroupResource(), name),
		details(kind, name), store.ErrConflict)
}

// NewInvalid reports an object that failed validation, with one cause per
// field error.
func NewInvalid(kind *api.Kind, name string, errs field.ErrorList) *StatusError {
	d := &api.StatusDetails{Name: name, Group: kind.Group, Kind: kind.Kind}
	for _, e := range errs {
		d.Causes = append(d.Causes, api.StatusCause{Type: string(e.Type), Message: e.Error(), Field: e.Field})
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	msg := strings.Join(msgs, ", ")
	if len(errs) > 1 {
		msg = "[" + msg + "]"
	}
	return newError(http.StatusUnprocessableEntity, api.StatusReasonInvalid,
		fmt.Sprintf("%s %q is invalid: %s", kind.Kind, name, msg), d, errs.ToAggregate())
}

// NewBadRequest reports a request that can never succeed as written.
func NewBadRequest(msg string) *StatusError {
	return newError(http.StatusBadRequest, api.StatusReasonBadRequest, msg, nil, store.ErrInvalid)
}

// NewForbidden reports a request refused by a rule (a terminating
// namespace, a missing PriorityClass).
func NewForbidden(kind *api.Kind, name string, err error) *StatusError {
	return newError(http.StatusForbidden, api.StatusReasonForbidden,
		fmt.Sprintf("%s %q is forbidden: %v", kind.GroupResource(), name, err), details(kind, name), err)
}

// NewGone reports a watch or list from a revision no longer kept, so the
// client relists.
func NewGone(msg string) *StatusError {
	return newError(http.StatusGone, api.StatusReasonExpired, msg, nil, store.ErrCompacted)
}

// NewMethodNotAllowed reports a verb the resource does not support.
func NewMethodNotAllowed(method string) *StatusError {
	return newError(http.StatusMethodNotAllowed, api.StatusReasonMethodNotAllowed,
		fmt.Sprintf("the server does not allow this method on the requested resource (%s)", method), nil, nil)
}

// NewRequestEntityTooLarge reports a body over the server's limit.
func NewRequestEntityTooLarge(limit int64) *StatusError {
	return newError(http.StatusRequestEntityTooLarge, api.StatusReasonRequestEntityTooLarge,
		fmt.Sprintf("Request entity too large: limit is %d", limit), nil, nil)
}

// NewUnsupportedMediaType reports a request body in an encoding the server
// does not decode (protobuf, CBOR); clients such as kubectl then retry in JSON.
func NewUnsupportedMediaType(contentType string) *StatusError {
	return newError(http.StatusUnsupportedMediaType, api.StatusReasonUnsupportedMediaType,
		fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: "+
			"application/json, application/yaml (not %s)", contentType), nil, nil)
}

// NewStatusError builds an API error from its parts, for errors only one
// handler raises (a server-side apply conflict).
func NewStatusError(code int32, reason api.StatusReason, msg string, d *api.StatusDetails) *StatusError {
	return newError(code, reason, msg, d, nil)
}

// NewInternalError reports a failure that is the server's fault.
func NewInternalError(err error) *StatusError {
	return newError(http.StatusInternalServerError, api.StatusReasonInternalError,
		fmt.Sprintf("Internal error occurred: %v", err), nil, err)
}

// FromStoreError maps a store error about kind/name to the Status Kubernetes
// returns for it; a StatusError passes through unchanged.
func FromStoreError(kind *api.Kind, name string, err error) *StatusError {
	var se *StatusError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return se
	case errors.Is(err, store.ErrCompacted):
		return NewGone(fmt.Sprintf("too old resource version: %v", err))
	case errors.Is(err, store.ErrInvalid):
		return NewBadRequest(err.Error())
	case kind == nil:
		return NewInternalError(err)
	case errors.Is(err, store.ErrNotFound):
		return NewNotFound(kind, name)
	case errors.Is(err, store.ErrAlreadyExists):
		return NewAlreadyExists(kind, name)
	case errors.Is(err, store.ErrConflict):
		return NewConflict(kind, name)
	}
	return NewInternalError(err)
}

// AsStatus returns the Status a client should see for err.
func AsStatus(err error) *api.Status {
	var se *StatusError
	if !errors.As(err, &se) {
		se = FromStoreError(nil, "", err)
	}
	s := se.Status
	return &s
}

// IsNotFound reports whether err is a NotFound API error or store error.
func IsNotFound(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status.Reason == api.StatusReasonNotFound
	}
	return errors.Is(err, store.ErrNotFound)
}

// FromStatus rebuilds the error a Status describes, as a client receives
// it over HTTP, so that errors.Is with the store's sentinels and the Is*
// helpers answer as they do for the in-process error. The cause is the
// sentinel the reason (or, without one, the code) names; reasons no store
// error stands behind (Forbidden, Unauthorized) have none.
func FromStatus(s api.Status) *StatusError {
	return &StatusError{Status: s, cause: statusCause(s)}
}

// statusCause is the store sentinel behind a Status.
func statusCause(s api.Status) error {
	switch s.Reason {
	case api.StatusReasonNotFound:
		return store.ErrNotFound
	case api.StatusReasonAlreadyExists:
		return store.ErrAlreadyExists
	case api.StatusReasonConflict:
		return store.ErrConflict
	case api.StatusReasonExpired, api.StatusReasonGone:
		return store.ErrCompacted
	case api.StatusReasonBadRequest, api.StatusReasonInvalid:
		return store.ErrInvalid
	case api.StatusReasonUnknown:
		switch s.Code {
		case http.StatusNotFound:
			return store.ErrNotFound
		case http.StatusConflict:
			return store.ErrConflict
		case http.StatusGone:
			return store.ErrCompacted
		case http.StatusBadRequest, http.StatusUnprocessableEntity:
			return store.ErrInvalid
		}
	}
	return nil
}
