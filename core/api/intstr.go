package api

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// IntOrString holds either an integer or a string, as fields such as
// maxSurge ("25%" or 2) and targetPort (8080 or "http") need.
type IntOrString struct {
	IsString bool
	IntVal   int32
	StrVal   string
}

// FromInt makes an integer IntOrString.
func FromInt(i int32) IntOrString { return IntOrString{IntVal: i} }

// FromString makes a string IntOrString.
func FromString(s string) IntOrString { return IntOrString{IsString: true, StrVal: s} }

// String prints the value in the form it holds.
func (v IntOrString) String() string {
	if v.IsString {
		return v.StrVal
	}
	return strconv.Itoa(int(v.IntVal))
}

// MarshalJSON writes a JSON number or string.
func (v IntOrString) MarshalJSON() ([]byte, error) {
	if v.IsString {
		return json.Marshal(v.StrVal)
	}
	return json.Marshal(v.IntVal)
}

// UnmarshalJSON reads a JSON number (a 32-bit integer) or string.
func (v *IntOrString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		v.IsString = true
		v.IntVal = 0
		return json.Unmarshal(b, &v.StrVal)
	}
	var i int32
	if err := json.Unmarshal(b, &i); err != nil {
		return fmt.Errorf("must be an integer or a string, got %s", b)
	}
	*v = IntOrString{IntVal: i}
	return nil
}

// ScaledValue resolves a count or a percentage of total; percentages round
// up when roundUp is set and down otherwise (maxSurge rounds up,
// maxUnavailable down, as in Kubernetes).
func ScaledValue(v *IntOrString, total int, roundUp bool) (int, error) {
	if v == nil {
		return 0, nil
	}
	if !v.IsString {
		return int(v.IntVal), nil
	}
	pct, ok := strings.CutSuffix(v.StrVal, "%")
	if !ok {
		return 0, fmt.Errorf("invalid value %q: must be an integer or a percentage", v.StrVal)
	}
	p, err := strconv.Atoi(pct)
	if err != nil {
		return 0, fmt.Errorf("invalid value %q: must be an integer or a percentage", v.StrVal)
	}
	if p < 0 {
		return 0, fmt.Errorf("invalid value %q: a percentage must not be negative", v.StrVal)
	}
	if roundUp {
		return (p*total + 99) / 100, nil
	}
	return p * total / 100, nil
}
