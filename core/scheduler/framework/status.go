// Package framework defines the scheduler's plugin framework: the Status
// value plugins return, the per-cycle state they share, the NodeInfo view of
// a node they inspect, one interface per extension point, the registry that
// names plugins, profiles that pick them, and the Framework that runs them.
package framework

import (
	"errors"
	"strings"
)

// Code says how a plugin's verdict should be treated, so an expected
// rejection is a value and not an error.
type Code int

// The status codes; Success is the zero value so a nil *Status means success.
const (
	// Success means the plugin is happy with the pod (and node).
	Success Code = iota
	// Error means something went wrong that is not the pod's fault.
	Error
	// Unschedulable means the node does not fit now but might after a change
	// such as a preemption or a pod leaving.
	Unschedulable
	// UnschedulableAndUnresolvable means the node cannot fit the pod whatever
	// happens to the pods on it (wrong labels, taints, cordon).
	UnschedulableAndUnresolvable
	// Skip means the plugin has nothing to do for this pod at this point.
	Skip
)

var codeNames = [...]string{"Success", "Error", "Unschedulable", "UnschedulableAndUnresolvable", "Skip"}

// String names the code for logs and test failures.
func (c Code) String() string {
	if c < 0 || int(c) >= len(codeNames) {
		return "Unknown"
	}
	return codeNames[c]
}

// Status is a plugin's verdict: a code, human-readable reasons, the error for
// Error, and the name of the plugin that gave it, for diagnosis messages.
type Status struct {
	code    Code
	reasons []string
	err     error
	plugin  string
}

// NewStatus builds a status so plugins can reject with reasons.
func NewStatus(code Code, reasons ...string) *Status {
	return &Status{code: code, reasons: reasons}
}

// AsStatus wraps an unexpected error as an Error status so it travels the
// same path as rejections; a nil error gives success (nil).
func AsStatus(err error) *Status {
	if err == nil {
		return nil
	}
	return &Status{code: Error, reasons: []string{err.Error()}, err: err}
}

// Code returns the status code; a nil status is Success.
func (s *Status) Code() Code {
	if s == nil {
		return Success
	}
	return s.code
}

// Reasons returns the reasons given, for diagnosis histograms.
func (s *Status) Reasons() []string {
	if s == nil {
		return nil
	}
	return s.reasons
}

// Message joins the reasons, for one-line logs and errors.
func (s *Status) Message() string {
	if s == nil {
		return ""
	}
	return strings.Join(s.reasons, ", ")
}

// Plugin names the plugin that produced the status, so failures can be attributed.
func (s *Status) Plugin() string {
	if s == nil {
		return ""
	}
	return s.plugin
}

// WithPlugin records the producing plugin and returns s, for the framework's bookkeeping.
// A status that already names the plugin is left untouched, so a plugin
// may return one shared, prebuilt status from any goroutine.
func (s *Status) WithPlugin(name string) *Status {
	if s != nil && s.plugin != name {
		s.plugin = name
	}
	return s
}

// IsSuccess reports whether the status is Success, nil included.
func (s *Status) IsSuccess() bool { return s.Code() == Success }

// IsSkip reports whether the plugin asked to be skipped.
func (s *Status) IsSkip() bool { return s.Code() == Skip }

// IsRejected reports whether the pod was rejected (not an error), so the
// caller treats it as an expected outcome.
func (s *Status) IsRejected() bool {
	c := s.Code()
	return c == Unschedulable || c == UnschedulableAndUnresolvable
}

// AsError turns a non-success status into an error, for callers that speak
// Go errors; nil for success and skip.
func (s *Status) AsError() error {
	if s.IsSuccess() || s.IsSkip() {
		return nil
	}
	if s.err != nil {
		return s.err
	}
	return errors.New(s.Message())
}

// String formats the status for logs and test failures.
func (s *Status) String() string {
	if s == nil {
		return "Success"
	}
	out := s.code.String()
	if s.plugin != "" {
		out += " (" + s.plugin + ")"
	}
	if len(s.reasons) > 0 {
		out += ": " + s.Message()
	}
	return out
}
