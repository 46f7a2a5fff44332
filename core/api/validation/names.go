package validation

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/field"
	"github.com/kubetwin/kubetwin/core/api/labels"
)

// nameFunc checks an object name; with prefix set it checks a generateName
// prefix, which may end in '-'.
type nameFunc func(name string, prefix bool) []string

// subdomainName is the rule for most object names: a DNS-1123 subdomain.
func subdomainName(name string, prefix bool) []string {
	return labels.IsDNS1123Subdomain(maskTrailingDash(name, prefix))
}

// labelName is the rule for Namespace names: a DNS-1123 label.
func labelName(name string, prefix bool) []string {
	return labels.IsDNS1123Label(maskTrailingDash(name, prefix))
}

// serviceName is the rule for Service names: a DNS-1035 label, which, unlike
// a DNS-1123 label, must start with a letter.
func serviceName(name string, prefix bool) []string {
	return isDNS1035Label(maskTrailingDash(name, prefix))
}

// maskTrailingDash lets a generateName prefix end in '-' by checking it as
// if a random suffix followed.
func maskTrailingDash(name string, prefix bool) string {
	if prefix && len(name) > 1 && strings.HasSuffix(name, "-") {
		return name[:len(name)-1] + "a"
	}
	return name
}

var dns1035LabelRegexp = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

const dns1035LabelMsg = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', " +
	"start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or " +
	"'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"

func isDNS1035Label(s string) []string {
	var msgs []string
	if len(s) > 63 {
		msgs = append(msgs, "must be no more than 63 characters")
	}
	if !dns1035LabelRegexp.MatchString(s) {
		msgs = append(msgs, dns1035LabelMsg)
	}
	return msgs
}

var (
	portNameCharsRegexp  = regexp.MustCompile(`^[-a-z0-9]+$`)
	portNameLetterRegexp = regexp.MustCompile(`[a-z]`)
)

// isValidPortName checks an IANA_SVC_NAME, the form named container ports take.
func isValidPortName(s string) []string {
	var msgs []string
	if len(s) > 15 {
		msgs = append(msgs, "must be no more than 15 characters")
	}
	if !portNameCharsRegexp.MatchString(s) {
		msgs = append(msgs, "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
	}
	if !portNameLetterRegexp.MatchString(s) {
		msgs = append(msgs, "must contain at least one letter (a-z)")
	}
	if strings.Contains(s, "--") {
		msgs = append(msgs, "must not contain consecutive hyphens")
	}
	if len(s) > 0 && (s[0] == '-' || s[len(s)-1] == '-') {
		msgs = append(msgs, "must not begin or end with a hyphen")
	}
	return msgs
}

// validatePortNumber reports a port outside 1–65535.
func validatePortNumber(port int32, p *field.Path) field.ErrorList {
	if port < 1 || port > 65535 {
		return field.ErrorList{field.Invalid(p, port, portRangeMsg)}
	}
	return nil
}

// validatePortNumOrName checks a port given as a number or an IANA name, as
// probes and Service target ports give them.
func validatePortNumOrName(port api.IntOrString, p *field.Path) field.ErrorList {
	if !port.IsString {
		return validatePortNumber(port.IntVal, p)
	}
	if port.StrVal == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	return problems(p, port.StrVal, isValidPortName(port.StrVal))
}

// validateQualifiedName checks a label key, taint key or topology key.
func validateQualifiedName(s string, p *field.Path) field.ErrorList {
	return problems(p, s, labels.IsQualifiedName(s))
}

// validateDNSLabel checks a DNS-1123 label such as a container or volume name.
func validateDNSLabel(s string, p *field.Path) field.ErrorList {
	return problems(p, s, labels.IsDNS1123Label(s))
}

// validateDNSSubdomain checks a DNS-1123 subdomain such as a node name.
func validateDNSSubdomain(s string, p *field.Path) field.ErrorList {
	return problems(p, s, labels.IsDNS1123Subdomain(s))
}

// isEnvVarName accepts what Kubernetes accepts: any printable ASCII but '='.
func isEnvVarName(s string) []string {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' || s[i] == '=' {
			return []string{"a valid environment variable name must consist only of printable ASCII characters other than '='"}
		}
	}
	return nil
}

var percentRegexp = regexp.MustCompile(`^[0-9]+%$`)

// validateIntOrPercent checks maxSurge-style values: a non-negative integer
// or a percentage such as "25%".
func validateIntOrPercent(v *api.IntOrString, p *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	if !v.IsString {
		return nonNegative(int64(v.IntVal), p)
	}
	if !percentRegexp.MatchString(v.StrVal) {
		return field.ErrorList{field.Invalid(p, v.StrVal, "a valid percent string must be a numeric string "+
			"followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")}
	}
	return nil
}

// notMoreThan100Percent reports a percentage above 100%.
func notMoreThan100Percent(v *api.IntOrString, p *field.Path) field.ErrorList {
	if n, ok := percentValue(v); ok && n > 100 {
		return field.ErrorList{field.Invalid(p, v.StrVal, "must not be greater than 100%")}
	}
	return nil
}

// percentValue reads a valid percentage; ok is false for integers and junk.
func percentValue(v *api.IntOrString) (int, bool) {
	if v == nil || !v.IsString || !percentRegexp.MatchString(v.StrVal) {
		return 0, false
	}
	var n int
	if _, err := fmt.Sscanf(v.StrVal, "%d%%", &n); err != nil {
		return 0, false
	}
	return n, true
}

// intOrPercentIsZero says whether a count or percentage means zero (nil does).
func intOrPercentIsZero(v *api.IntOrString) bool {
	if v == nil {
		return true
	}
	if !v.IsString {
		return v.IntVal == 0
	}
	n, ok := percentValue(v)
	return ok && n == 0
}

// parseIP accepts a plain IPv4 or IPv6 address (no zone).
func parseIP(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a, true
}

// validateIP reports a value that isn't an IP address.
func validateIP(s string, p *field.Path) field.ErrorList {
	if _, ok := parseIP(s); !ok {
		return field.ErrorList{field.Invalid(p, s, invalidIPMsg)}
	}
	return nil
}

// validateCIDR reports a value that isn't a CIDR such as 10.0.0.0/24.
func validateCIDR(s string, p *field.Path) field.ErrorList {
	if _, err := netip.ParsePrefix(s); err != nil {
		return field.ErrorList{field.Invalid(p, s, invalidCIDRMsg)}
	}
	return nil
}
