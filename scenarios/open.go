package scenarios

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ErrNoScenario is returned by Open for a name that is neither a file nor
// an embedded scenario, so a command can tell a typo from a bad file.
var ErrNoScenario = errors.New("no such scenario")

// EmbeddedPrefix starts the Path (and message source) of an embedded
// scenario, as in "embedded:quickstart".
const EmbeddedPrefix = "embedded:"

// Open loads the scenario file at nameOrPath if there is one, and
// otherwise the embedded scenario of that name ("quickstart" or
// "quickstart.yaml"), so commands take either without a flag to say which.
func Open(nameOrPath string, sets []string) (*Scenario, error) {
	if st, err := os.Stat(nameOrPath); err == nil && !st.IsDir() {
		return Load(nameOrPath, sets)
	}
	name := strings.TrimSuffix(nameOrPath, ".yaml")
	if slices.Contains(Embedded(), name) {
		return LoadEmbedded(name, sets)
	}
	return nil, fmt.Errorf("%w: %q is neither a file nor an embedded scenario (embedded: %s)",
		ErrNoScenario, nameOrPath, joinNames(Embedded()))
}

// Load reads a scenario file from disk; relative file names inside it
// resolve against the file's directory.
func Load(path string, sets []string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return Parse(data, path, diskDir(filepath.Dir(path)), sets)
}

// LoadEmbedded reads an embedded scenario by name. Its relative file
// names resolve inside the embedded tree (manifests/…, profiles/…) first
// and then against the current directory, so a --set may point one at a
// local trace or manifest.
func LoadEmbedded(name string, sets []string) (*Scenario, error) {
	data, err := files.ReadFile(name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("%w: embedded %q (have: %s)", ErrNoScenario, name, joinNames(Embedded()))
	}
	return Parse(data, EmbeddedPrefix+name, embeddedDir{}, sets)
}

// diskDir is a directory on disk as an fs.FS. Unlike os.DirFS it lets
// names climb out with "..", since a scenario may well name
// ../traces/x.csv beside its own directory.
type diskDir string

// Open opens name relative to the directory.
func (d diskDir) Open(name string) (fs.File, error) {
	return os.Open(filepath.Join(string(d), filepath.FromSlash(name)))
}

// embeddedDir is the embedded tree, falling back to the current directory.
type embeddedDir struct{}

// Open opens name from the embedded files, or else from the current directory.
func (embeddedDir) Open(name string) (fs.File, error) {
	if fs.ValidPath(name) {
		if f, err := files.Open(name); err == nil {
			return f, nil
		}
	}
	return os.Open(filepath.FromSlash(name))
}

// openFile opens a file a scenario names: absolute names from the disk,
// relative ones from the scenario's directory.
func (d *decoder) openFile(name string) (fs.File, error) {
	if filepath.IsAbs(name) {
		return os.Open(name)
	}
	if d.dir == nil {
		return nil, fmt.Errorf("open %s: a relative name needs the scenario's directory, and there is none", name)
	}
	return d.dir.Open(name)
}

// readFile reads a whole file a scenario names.
func (d *decoder) readFile(name string) ([]byte, error) {
	f, err := d.openFile(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s is a directory", name)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return data, nil
}
