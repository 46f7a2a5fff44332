// Package scenarios holds kubetwin's embedded scenario files and example
// manifests, so the binary runs its default job with no files around it.
package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
)

//go:embed manifests/*.yaml
var manifests embed.FS

// ExampleManifest returns an embedded example manifest by file name (e.g. "web.yaml").
func ExampleManifest(name string) ([]byte, error) {
	b, err := manifests.ReadFile("manifests/" + name)
	if err != nil {
		return nil, fmt.Errorf("example manifest %q: %w", name, err)
	}
	return b, nil
}

// ExampleManifests lists the embedded example manifests in name order.
func ExampleManifests() []string {
	entries, err := fs.ReadDir(manifests, "manifests")
	if err != nil {
		// The directory is embedded at build time, so this cannot happen at run time.
		panic(fmt.Sprintf("embedded manifests: %v", err))
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}
