package labels

import (
	"strings"
	"testing"
)

// check runs a validator over cases mapping input to a wanted message
// fragment ("" meaning valid).
func check(t *testing.T, name string, validate func(string) []string, cases map[string]string) {
	t.Helper()
	for in, want := range cases {
		problems := validate(in)
		if want == "" {
			if len(problems) != 0 {
				t.Errorf("%s(%q) = %q, want valid", name, in, problems)
			}
			continue
		}
		if !strings.Contains(strings.Join(problems, "\n"), want) {
			t.Errorf("%s(%q) = %q, want a problem containing %q", name, in, problems, want)
		}
	}
}

const (
	subdomainMsg = "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
	labelMsg     = "must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
	nameMsg      = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
	valueMsg     = "a valid label value must be an empty string or consist of alphanumeric characters"
)

func TestIsDNS1123Label(t *testing.T) {
	check(t, "IsDNS1123Label", IsDNS1123Label, map[string]string{
		"a":                      "",
		"web-1":                  "",
		"123":                    "",
		strings.Repeat("a", 63):  "",
		strings.Repeat("a", 64):  "must be no more than 63 characters",
		"":                       labelMsg,
		"Web":                    labelMsg,
		"web.example":            labelMsg,
		"-web":                   labelMsg,
		"web-":                   labelMsg,
		"web_1":                  labelMsg,
		"wéb":                    labelMsg,
		strings.Repeat("A", 100): "must be no more than 63 characters",
	})
}

func TestIsDNS1123Subdomain(t *testing.T) {
	check(t, "IsDNS1123Subdomain", IsDNS1123Subdomain, map[string]string{
		"example.com":      "",
		"a":                "",
		"a-b.c-d.e":        "",
		"0.1.2":            "",
		tooLongSubdomain(): "must be no more than 253 characters",
		"":                 subdomainMsg,
		"Example.com":      subdomainMsg,
		"example..com":     subdomainMsg,
		".example.com":     subdomainMsg,
		"example.com.":     subdomainMsg,
		"ex_ample.com":     subdomainMsg,
		"-example.com":     subdomainMsg,
		"example-.com":     subdomainMsg,
	})
	if p := IsDNS1123Subdomain(strings.Repeat("a.", 126) + "a"); len(p) != 0 {
		t.Errorf("a 253-character subdomain is valid, got %q", p)
	}
}

func tooLongSubdomain() string {
	return strings.Repeat("a.", 126) + "ab" // 254 characters
}

func TestIsQualifiedName(t *testing.T) {
	check(t, "IsQualifiedName", IsQualifiedName, map[string]string{
		"app":                                    "",
		"App_Name.v1":                            "",
		"example.com/app":                        "",
		"app.kubernetes.io/name":                 "",
		"a/" + strings.Repeat("b", 63):           "",
		strings.Repeat("a.", 126) + "a/b":        "",
		"":                                       "name part must be non-empty",
		"example.com/":                           "name part must be non-empty",
		"/app":                                   "prefix part must be non-empty",
		"a/b/c":                                  "at most one '/'",
		strings.Repeat("n", 64):                  "name part must be no more than 63 characters",
		"example.com/" + strings.Repeat("n", 64): "name part must be no more than 63 characters",
		tooLongSubdomain() + "/app":              "prefix part must be no more than 253 characters",
		"Example.com/app":                        "prefix part " + subdomainMsg,
		"exa_mple.com/app":                       "prefix part " + subdomainMsg,
		"-app":                                   nameMsg,
		"app-":                                   nameMsg,
		"_app":                                   nameMsg,
		"app name":                               nameMsg,
		"example.com/app!":                       nameMsg,
		"ex ample/app":                           "prefix part " + subdomainMsg,
		strings.Repeat("a", 100) + "/" + "valid1": "",
	})
}

func TestValidateLabelKeyAndValue(t *testing.T) {
	check(t, "ValidateLabelKey", ValidateLabelKey, map[string]string{
		"app":                     "",
		"kubernetes.io/hostname":  "",
		"":                        "name part must be non-empty",
		"bad key":                 nameMsg,
		strings.Repeat("k", 64):   "must be no more than 63 characters",
		"UPPER.example.com/thing": "prefix part " + subdomainMsg,
	})
	check(t, "ValidateLabelValue", ValidateLabelValue, map[string]string{
		"":                      "",
		"web":                   "",
		"My_Value.1-2":          "",
		"0":                     "",
		strings.Repeat("v", 63): "",
		strings.Repeat("v", 64): "must be no more than 63 characters",
		"-web":                  valueMsg,
		"web.":                  valueMsg,
		"a/b":                   valueMsg,
		"a b":                   valueMsg,
		"é":                     valueMsg,
	})
}
