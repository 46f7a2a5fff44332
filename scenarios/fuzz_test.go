package scenarios

import (
	"strings"
	"testing"
)

// FuzzParse checks that no input, however bad, makes Parse panic, and
// that every failure is reported with the source's name.
func FuzzParse(f *testing.F) {
	for _, name := range Embedded() {
		data, err := files.ReadFile(name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data), "nodes=3")
	}
	f.Add(base+"timeline:\n- {at: 1m, fault: {type: nodeCrash, nodes: [general-1]}}\n", "duration=5m")
	f.Add(base+"workloads:\n- name: w\n"+deployment[2:], "workloads.0.arrival.burst.count=2")
	f.Fuzz(func(t *testing.T, data, set string) {
		_, err := Parse([]byte(data), "fuzz.yaml", embeddedDir{}, []string{set})
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz.yaml") {
			t.Errorf("error without its source: %v", err)
		}
	})
}
