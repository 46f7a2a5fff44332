package api

// StatusSuccess and StatusFailure are the values of Status.Status, as
// Kubernetes' metav1.Status uses them.
const (
	StatusSuccess = "Success"
	StatusFailure = "Failure"
)

// StatusReason is the machine-readable reason of a failed request, so
// clients can tell NotFound from Conflict without parsing messages.
type StatusReason string

// The reasons kubetwin returns, with Kubernetes' spelling.
const (
	StatusReasonUnknown               StatusReason = ""
	StatusReasonNotFound              StatusReason = "NotFound"
	StatusReasonAlreadyExists         StatusReason = "AlreadyExists"
	StatusReasonConflict              StatusReason = "Conflict"
	StatusReasonInvalid               StatusReason = "Invalid"
	StatusReasonBadRequest            StatusReason = "BadRequest"
	StatusReasonForbidden             StatusReason = "Forbidden"
	StatusReasonExpired               StatusReason = "Expired"
	StatusReasonGone                  StatusReason = "Gone"
	StatusReasonMethodNotAllowed      StatusReason = "MethodNotAllowed"
	StatusReasonRequestEntityTooLarge StatusReason = "RequestEntityTooLarge"
	StatusReasonNotAcceptable         StatusReason = "NotAcceptable"
	StatusReasonUnsupportedMediaType  StatusReason = "UnsupportedMediaType"
	StatusReasonInternalError         StatusReason = "InternalError"
	StatusReasonServiceUnavailable    StatusReason = "ServiceUnavailable"
)

// ListMeta is the metadata of a list or Status, as metav1.ListMeta, so
// clients can resume a list (continue) or watch from it (resourceVersion).
// +k8s:deepcopy-gen=false
type ListMeta struct {
	ResourceVersion    string `json:"resourceVersion,omitempty"`
	Continue           string `json:"continue,omitempty"`
	RemainingItemCount *int64 `json:"remainingItemCount,omitempty"`
}

// Status is the result of a request that returns no object (an error, or a
// completed delete), in the shape of Kubernetes' metav1.Status, since every
// client (kubectl, client-go, kubetwin's own) reads errors from it.
// +k8s:deepcopy-gen=false
type Status struct {
	TypeMeta `json:",inline"`
	Metadata ListMeta       `json:"metadata"`
	Status   string         `json:"status,omitempty"`
	Message  string         `json:"message,omitempty"`
	Reason   StatusReason   `json:"reason,omitempty"`
	Details  *StatusDetails `json:"details,omitempty"`
	Code     int32          `json:"code,omitempty"`
}

// StatusDetails names the object a Status concerns and, for invalid
// objects, every field at fault, so a client can point at them.
// +k8s:deepcopy-gen=false
type StatusDetails struct {
	Name              string        `json:"name,omitempty"`
	Group             string        `json:"group,omitempty"`
	Kind              string        `json:"kind,omitempty"`
	UID               string        `json:"uid,omitempty"`
	Causes            []StatusCause `json:"causes,omitempty"`
	RetryAfterSeconds int32         `json:"retryAfterSeconds,omitempty"`
}

// StatusCause is one reason a request failed, usually one field error.
// +k8s:deepcopy-gen=false
type StatusCause struct {
	Type    string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	Field   string `json:"field,omitempty"`
}

// NewStatus returns a Status with its kind and apiVersion set, so callers
// never forget the TypeMeta that clients use to recognise it.
func NewStatus(status string, code int32, reason StatusReason, message string) *Status {
	return &Status{TypeMeta: TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status: status, Code: code, Reason: reason, Message: message}
}
