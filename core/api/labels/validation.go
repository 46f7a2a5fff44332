package labels

import (
	"fmt"
	"strings"
)

// Name validation lives here and nowhere else in the project. Every checker
// returns a list of human-readable problems; an empty list means valid.

const (
	dns1123LabelMaxLength     = 63
	dns1123SubdomainMaxLength = 253
	qualifiedNameMaxLength    = 63
	labelValueMaxLength       = 63
)

const (
	dns1123LabelFmt     = `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
	dns1123SubdomainFmt = dns1123LabelFmt + `(\.` + dns1123LabelFmt + `)*`
	qualifiedNameFmt    = `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
	labelValueFmt       = `(` + qualifiedNameFmt + `)?`
)

// The matchers below accept exactly what the formats above describe (a
// test holds them to the regular expressions); written out by hand, they
// cost a few nanoseconds where a regexp costs a microsecond, and every
// object created is checked by them.

func isLowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

func isAlnum(c byte) bool { return isLowerAlnum(c) || 'A' <= c && c <= 'Z' }

// matchDNS1123Label matches dns1123LabelFmt.
func matchDNS1123Label(s string) bool {
	if s == "" || !isLowerAlnum(s[0]) || !isLowerAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if !isLowerAlnum(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

// matchDNS1123Subdomain matches dns1123SubdomainFmt: labels joined by dots.
func matchDNS1123Subdomain(s string) bool {
	for {
		label, rest, more := strings.Cut(s, ".")
		if !matchDNS1123Label(label) {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

// matchQualifiedName matches qualifiedNameFmt.
func matchQualifiedName(s string) bool {
	if s == "" || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

var (
	dns1123LabelMsg = "must consist of lower case alphanumeric characters or '-', and must start and end " +
		"with an alphanumeric character (e.g. 'my-name' or '123-abc', regex used for validation is '" +
		dns1123LabelFmt + "')"
	dns1123SubdomainMsg = "must consist of lower case alphanumeric characters, '-' or '.', and must start and end " +
		"with an alphanumeric character (e.g. 'example.com', regex used for validation is '" +
		dns1123SubdomainFmt + "')"
	qualifiedNamePartMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end " +
		"with an alphanumeric character (e.g. 'MyName', 'my.name' or '123-abc', regex used for validation is '" +
		qualifiedNameFmt + "')"
	labelValueMsg = "a valid label value must be an empty string or consist of alphanumeric characters, '-', '_' " +
		"or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', 'my_value' or '12345', " +
		"regex used for validation is '" + labelValueFmt + "')"
)

func tooLongMsg(limit int) string {
	return fmt.Sprintf("must be no more than %d characters", limit)
}

// IsDNS1123Label checks a single DNS label (RFC 1123), the form namespace and
// service names must take.
func IsDNS1123Label(s string) []string {
	var problems []string
	if len(s) > dns1123LabelMaxLength {
		problems = append(problems, tooLongMsg(dns1123LabelMaxLength))
	}
	if !matchDNS1123Label(s) {
		problems = append(problems, dns1123LabelMsg)
	}
	return problems
}

// IsDNS1123Subdomain checks a dotted DNS subdomain (RFC 1123), the form most
// object names and label-key prefixes must take.
func IsDNS1123Subdomain(s string) []string {
	var problems []string
	if len(s) > dns1123SubdomainMaxLength {
		problems = append(problems, tooLongMsg(dns1123SubdomainMaxLength))
	}
	if !matchDNS1123Subdomain(s) {
		problems = append(problems, dns1123SubdomainMsg)
	}
	return problems
}

// IsQualifiedName checks a name with an optional DNS subdomain prefix, such as
// "app" or "example.com/app", the form label and annotation keys take.
func IsQualifiedName(s string) []string {
	prefix, name, hasPrefix := strings.Cut(s, "/")
	switch {
	case !hasPrefix:
		prefix, name = "", s
	case strings.Contains(name, "/"):
		return []string{"a qualified name is a name with an optional DNS subdomain prefix and '/' " +
			"(e.g. 'example.com/MyName'), so it may contain at most one '/'"}
	case prefix == "":
		return []string{"prefix part must be non-empty"}
	}

	var problems []string
	if prefix != "" {
		for _, p := range IsDNS1123Subdomain(prefix) {
			problems = append(problems, "prefix part "+p)
		}
	}
	switch {
	case name == "":
		problems = append(problems, "name part must be non-empty")
	case len(name) > qualifiedNameMaxLength:
		problems = append(problems, "name part "+tooLongMsg(qualifiedNameMaxLength))
	}
	if name != "" && !matchQualifiedName(name) {
		problems = append(problems, "name part "+qualifiedNamePartMsg)
	}
	return problems
}

// ValidateLabelKey checks a label key; it exists so API validation and
// selector parsing reject the same keys with the same words.
func ValidateLabelKey(k string) []string {
	return IsQualifiedName(k)
}

// ValidateLabelValue checks a label value; it exists so API validation and
// selector parsing reject the same values with the same words.
func ValidateLabelValue(v string) []string {
	var problems []string
	if len(v) > labelValueMaxLength {
		problems = append(problems, tooLongMsg(labelValueMaxLength))
	}
	if v != "" && !matchQualifiedName(v) {
		problems = append(problems, labelValueMsg)
	}
	return problems
}
