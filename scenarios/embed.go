// Package scenarios holds kubetwin's embedded scenario files and example
// manifests, so the binary runs its default job with no files around it,
// and the loader that turns a scenario file into a validated Scenario.
package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// files holds the embedded scenarios (*.yaml at the root), the example
// manifests they and the README use, and the scheduler profiles a
// scenario may name; its root is the directory embedded scenarios
// resolve relative file names against.
//
//go:embed *.yaml manifests/*.yaml profiles/*.yaml
var files embed.FS

// ExampleManifest returns an embedded example manifest by file name (e.g. "web.yaml").
func ExampleManifest(name string) ([]byte, error) {
	b, err := files.ReadFile("manifests/" + name)
	if err != nil {
		return nil, fmt.Errorf("example manifest %q: %w", name, err)
	}
	return b, nil
}

// ExampleManifests lists the embedded example manifests in name order.
func ExampleManifests() []string { return embeddedNames("manifests", false) }

// Embedded lists the embedded scenarios by name (without ".yaml"), sorted,
// so commands can offer them and Open can find them.
func Embedded() []string { return embeddedNames(".", true) }

// EmbeddedProfiles lists the embedded scheduler profile files by name
// (without ".yaml"), sorted, so a scenario's scheduler.profile can name them.
func EmbeddedProfiles() []string { return embeddedNames("profiles", true) }

// embeddedNames lists the .yaml files of an embedded directory.
func embeddedNames(dir string, trim bool) []string {
	entries, err := fs.ReadDir(files, dir)
	if err != nil {
		// The directories are embedded at build time, so this cannot happen at run time.
		panic(fmt.Sprintf("embedded %s: %v", dir, err))
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		name := e.Name()
		if trim {
			name = strings.TrimSuffix(name, ".yaml")
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
