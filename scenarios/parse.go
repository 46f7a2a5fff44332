package scenarios

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math"
	"regexp"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kubetwin/kubetwin/core/api/labels"
)

// The defaults of the scenario format, exported so commands and reports
// can say what a scenario left out.
const (
	// DefaultSeed is the seed of a scenario that names none.
	DefaultSeed = 1
	// DefaultDuration bounds a run whose scenario gives no duration.
	DefaultDuration = time.Hour
	// DefaultLeaseDuration is Kubernetes' node lease length.
	DefaultLeaseDuration = 40 * time.Second
	// DefaultNodeMonitorGracePeriod is Kubernetes' grace before a silent node is Unknown.
	DefaultNodeMonitorGracePeriod = 40 * time.Second
	// DefaultNodeMonitorPeriod is how often Kubernetes' node lifecycle
	// controller checks every node (--node-monitor-period).
	DefaultNodeMonitorPeriod = 5 * time.Second
)

// decoder turns a scenario's node tree into a Scenario, recording every
// problem on the way.
type decoder struct {
	*problems
	dir    fs.FS                 // resolves relative file names; nil: none
	params map[string]*yaml.Node // declared parameters, after --set
	sc     *Scenario             // filled in as decoding goes
}

// Parse reads a scenario from data, applying the --set overrides in sets.
// source names it in messages (a file name, or "embedded:NAME") and
// becomes its Path; dir resolves the relative file names it holds
// (manifestFile, scheduler profile paths, trace files). One code path
// serves files on disk and embedded scenarios. Every problem found is
// reported, joined, as SOURCE:LINE: FIELD: message.
func Parse(data []byte, source string, dir fs.FS, sets []string) (*Scenario, error) {
	p := &problems{source: source, origin: map[*yaml.Node]string{}}
	root, err := parseRoot(data)
	if err != nil {
		p.addLine(yamlErrorLine(err), "", "%s", yamlErrorText(err))
		return nil, p.err()
	}
	if root.Kind != yaml.MappingNode {
		p.add(root, "", "a scenario must be a mapping, have %s", kindName(root))
		return nil, p.err()
	}
	p.applySets(root, sets)
	d := &decoder{problems: p, dir: dir, params: p.readParams(findValue(root, "params"))}
	p.substitute(root, "", d.params)
	sc := d.scenario(root)
	if err := p.err(); err != nil {
		return nil, err
	}
	sc.Path, sc.Params = source, paramValues(d.params)
	return sc, nil
}

// parseRoot reads the one YAML document of a scenario; an empty file
// is an empty mapping.
func parseRoot(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, nil
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, err
		}
		return nil, errors.New("yaml: line " + strconv.Itoa(extra.Line) + ": a scenario file holds one YAML document")
	}
	if len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, nil
	}
	return deref(doc.Content[0]), nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlErrorLine is the line a YAML syntax error names, or 0.
func yamlErrorLine(err error) int {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// yamlErrorText is a YAML syntax error without its "yaml: line N:" prefix.
func yamlErrorText(err error) string {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		return "bad YAML: " + m[2]
	}
	return "bad YAML: " + err.Error()
}

// scenario decodes the top level, each section in an order that lets
// later ones check references to earlier ones.
func (d *decoder) scenario(root *yaml.Node) *Scenario {
	f := d.mapping(root, "", "name", "description", "params", "seed", "duration", "sampleEvery", "cluster",
		"scheduler", "latency", "pods", "workloads", "timeline", "faults", "thresholds")
	sc := &Scenario{Name: f.str("name", ""), Description: f.str("description", "")}
	d.sc = sc
	if f.require("name") {
		d.dnsLabel(f.get("name"), "name", sc.Name)
	}
	sc.Seed = uint64(f.int("seed", DefaultSeed, 0, math.MaxInt64))
	sc.Duration = f.positiveDuration("duration", DefaultDuration)
	sc.SampleEvery = f.positiveDuration("sampleEvery", defaultSampleEvery(sc.Duration))
	sc.Cluster = d.cluster(f.get("cluster"), "cluster")
	sc.Scheduler = d.scheduler(f.get("scheduler"), "scheduler")
	sc.Latency = d.latency(f.get("latency"), "latency")
	sc.Pods = d.lifecycle(f.get("pods"), "pods", defaultLifecycle())
	sc.Workloads = d.workloads(f.get("workloads"), "workloads")
	sc.Timeline = d.timeline(f.get("timeline"), "timeline")
	sc.Faults = d.randomFaults(f.get("faults"), "faults")
	sc.Thresholds = d.thresholds(f.get("thresholds"), "thresholds")
	return sc
}

// dnsLabel checks a name that ends up in object names or labels.
func (d *decoder) dnsLabel(n *yaml.Node, path, name string) bool {
	if msgs := labels.IsDNS1123Label(name); len(msgs) > 0 {
		d.add(n, path, "bad name %q: %s", name, joinNames(msgs))
		return false
	}
	return true
}

// within checks that an instant lies inside the run.
func (d *decoder) within(n *yaml.Node, path string, at time.Duration) {
	if n != nil && at > d.sc.Duration {
		d.add(n, path, "must be within the run's duration %v, have %v", d.sc.Duration, at)
	}
}

// defaultSampleEvery is a 300th of the run's duration, in whole seconds:
// enough points for a plot, few enough to keep a day's series small.
func defaultSampleEvery(d time.Duration) time.Duration {
	return max(time.Second, (d / 300).Truncate(time.Second))
}
