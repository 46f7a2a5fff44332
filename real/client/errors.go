package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
)

// maxMessageBytes bounds how much of a non-Status error body is quoted in
// the error, so an HTML error page does not flood a log.
const maxMessageBytes = 256

// statusError is the error of a non-2xx response: the Status the body
// carries, or one made from the code when the body is not a Status (a
// proxy's error page), with the reason filled in from the code when the
// server left it empty.
func statusError(code int, body []byte) *registry.StatusError {
	var st api.Status
	if err := json.Unmarshal(body, &st); err != nil || st.Kind != "Status" {
		st = *api.NewStatus(api.StatusFailure, int32(code), "", bodyMessage(code, body))
	}
	return statusErrorOf(st, code)
}

// statusErrorOf completes a decoded failure Status (code, reason) and
// wraps it as the error the registry would return.
func statusErrorOf(st api.Status, code int) *registry.StatusError {
	if st.Code == 0 {
		st.Code = int32(code)
	}
	if st.Reason == api.StatusReasonUnknown {
		st.Reason = reasonForCode(int(st.Code))
	}
	if st.Message == "" {
		st.Message = fmt.Sprintf("the server answered %d %s", st.Code, http.StatusText(int(st.Code)))
	}
	return registry.FromStatus(st)
}

// bodyMessage describes a response whose body is not a Status.
func bodyMessage(code int, body []byte) string {
	msg := strings.TrimSpace(string(body))
	if len(msg) > maxMessageBytes {
		msg = msg[:maxMessageBytes] + "..."
	}
	if msg == "" {
		return fmt.Sprintf("the server answered %d %s", code, http.StatusText(code))
	}
	return fmt.Sprintf("the server answered %d %s: %s", code, http.StatusText(code), msg)
}

// reasonForCode is the reason Kubernetes clients assume for a code when
// the server gives none.
func reasonForCode(code int) api.StatusReason {
	switch code {
	case http.StatusBadRequest:
		return api.StatusReasonBadRequest
	case http.StatusUnauthorized:
		return api.StatusReason("Unauthorized")
	case http.StatusForbidden:
		return api.StatusReasonForbidden
	case http.StatusNotFound:
		return api.StatusReasonNotFound
	case http.StatusMethodNotAllowed:
		return api.StatusReasonMethodNotAllowed
	case http.StatusConflict:
		return api.StatusReasonConflict
	case http.StatusGone:
		return api.StatusReasonGone
	case http.StatusUnprocessableEntity:
		return api.StatusReasonInvalid
	case http.StatusServiceUnavailable:
		return api.StatusReasonServiceUnavailable
	}
	if code >= 500 {
		return api.StatusReasonInternalError
	}
	return api.StatusReasonUnknown
}

// checkScope rejects a namespace on a cluster-scoped kind before any
// request, with the registry's error, since the path would not exist.
func checkScope(kind *api.Kind, namespace string) error {
	if !kind.Namespaced && namespace != "" {
		return registry.NewBadRequest(fmt.Sprintf("%s is cluster-scoped and takes no namespace (got %q)",
			kind.GroupResource(), namespace))
	}
	return nil
}

// checkObject rejects an object that is not of kind, as the registry does.
func checkObject(kind *api.Kind, obj api.Object) error {
	if k, err := api.KindOf(obj); err != nil || k != kind {
		return registry.NewBadRequest(fmt.Sprintf("the object (%T) is not a %s", obj, kind.Kind))
	}
	return nil
}
