package api

import (
	"encoding/json"
	"fmt"
	"time"
)

// Time is a timestamp serialised as RFC 3339 with second precision, as
// Kubernetes' metav1.Time; the zero value is written as null.
type Time struct {
	time.Time
}

// MicroTime is a timestamp serialised with microsecond precision, as
// Kubernetes' metav1.MicroTime (Lease renewals, Event times).
type MicroTime struct {
	time.Time
}

const (
	rfc3339Seconds = "2006-01-02T15:04:05Z07:00"
	rfc3339Micro   = "2006-01-02T15:04:05.000000Z07:00"
)

// NewTime wraps t, truncated to seconds as it would be after a round trip.
func NewTime(t time.Time) Time { return Time{t.UTC().Truncate(time.Second)} }

// NewMicroTime wraps t, truncated to microseconds as it would be after a round trip.
func NewMicroTime(t time.Time) MicroTime { return MicroTime{t.UTC().Truncate(time.Microsecond)} }

// DeepCopyInto copies the value; time.Time is immutable so a shallow copy suffices.
func (t *Time) DeepCopyInto(out *Time) { *out = *t }

// DeepCopyInto copies the value; time.Time is immutable so a shallow copy suffices.
func (t *MicroTime) DeepCopyInto(out *MicroTime) { *out = *t }

// MarshalJSON writes the time in UTC with second precision, or null.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(rfc3339Seconds))
}

// UnmarshalJSON reads an RFC 3339 string or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	v, err := unmarshalTime(b)
	if err != nil {
		return err
	}
	t.Time = v.Truncate(time.Second)
	return nil
}

// MarshalJSON writes the time in UTC with microsecond precision, or null.
func (t MicroTime) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(rfc3339Micro))
}

// UnmarshalJSON reads an RFC 3339 string (with or without fraction) or null.
func (t *MicroTime) UnmarshalJSON(b []byte) error {
	v, err := unmarshalTime(b)
	if err != nil {
		return err
	}
	t.Time = v.Truncate(time.Microsecond)
	return nil
}

func unmarshalTime(b []byte) (time.Time, error) {
	if string(b) == "null" {
		return time.Time{}, nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return time.Time{}, fmt.Errorf("a timestamp must be an RFC 3339 string: %w", err)
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q is not RFC 3339: %w", s, err)
	}
	return v.UTC(), nil
}
