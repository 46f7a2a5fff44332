package scenarios

import (
	"math"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/api/resource"
)

// DefaultZone is the zone of a pool that names none.
const DefaultZone = "zone-a"

// DefaultPodsPerNode is a pool's pod capacity when it gives none, as the kubelet's maxPods.
const DefaultPodsPerNode = 110

// maxPoolNodes bounds a pool, so a typo cannot ask for a billion nodes.
const maxPoolNodes = 10_000_000

// cluster decodes the cluster section: timing and pools.
func (d *decoder) cluster(n *yaml.Node, path string) Cluster {
	f := d.mapping(n, path, "leaseDuration", "nodeMonitorGracePeriod", "nodeMonitorPeriod", "pools")
	c := Cluster{
		LeaseDuration:          f.positiveDuration("leaseDuration", DefaultLeaseDuration),
		NodeMonitorGracePeriod: f.positiveDuration("nodeMonitorGracePeriod", DefaultNodeMonitorGracePeriod),
		NodeMonitorPeriod:      f.positiveDuration("nodeMonitorPeriod", DefaultNodeMonitorPeriod),
	}
	items := d.sequence(f.get("pools"), f.at("pools"))
	if len(items) == 0 {
		d.add(f.line(), f.at("pools"), "at least one pool is required")
	}
	seen := map[string]bool{}
	for i, item := range items {
		at := index(f.at("pools"), i)
		pool := d.pool(item, at)
		if pool.Name != "" && seen[pool.Name] {
			d.add(item, child(at, "name"), "pool %q given twice", pool.Name)
		}
		seen[pool.Name] = true
		c.Pools = append(c.Pools, pool)
	}
	return c
}

// pool decodes one pool of identical nodes.
func (d *decoder) pool(n *yaml.Node, path string) Pool {
	f := d.mapping(n, path, "name", "count", "capacity", "labels", "taints", "zones")
	f.require("name", "count")
	p := Pool{Name: f.str("name", ""), Count: int(f.int("count", 0, 0, maxPoolNodes))}
	if f.has("name") {
		d.dnsLabel(f.get("name"), f.at("name"), p.Name)
	}
	p.Capacity = d.capacity(f, "capacity")
	p.Labels = d.labels(f.get("labels"), f.at("labels"))
	p.Taints = d.taints(f.get("taints"), f.at("taints"))
	p.Zones = d.zones(f.get("zones"), f.at("zones"))
	return p
}

// capacity decodes a node's resources: cpu and memory required, pods
// defaulted, any other (extended) resource allowed.
func (d *decoder) capacity(parent fields, key string) api.ResourceList {
	if !parent.require(key) {
		return nil
	}
	list, given := d.resourceList(parent.get(key), parent.at(key))
	for _, r := range []api.ResourceName{api.ResourceCPU, api.ResourceMemory} {
		if !given[string(r)] {
			d.add(parent.get(key), child(parent.at(key), string(r)), "required")
		}
	}
	if !given[string(api.ResourcePods)] {
		list[api.ResourcePods] = resource.NewQuantity(DefaultPodsPerNode, resource.DecimalSI)
	}
	return list
}

// resourceList decodes a mapping of resource names to non-negative
// quantities; given says which names were there, good or bad.
func (d *decoder) resourceList(n *yaml.Node, path string) (api.ResourceList, map[string]bool) {
	out, given := api.ResourceList{}, map[string]bool{}
	nodes := d.stringMapNodes(n, path)
	for _, name := range sortedKeys(nodes) {
		v, at := nodes[name], child(path, name)
		given[name] = true
		if msgs := labels.IsQualifiedName(name); len(msgs) > 0 {
			d.add(v, at, "bad resource name: %s", joinNames(msgs))
			continue
		}
		q, ok := d.quantity(v, at)
		if ok {
			out[api.ResourceName(name)] = q
		}
	}
	return out, given
}

// quantity decodes one resource quantity ("500m", "2", "32Gi").
func (d *decoder) quantity(n *yaml.Node, path string) (resource.Quantity, bool) {
	s := d.str(n, path)
	q, err := resource.ParseQuantity(s)
	if err != nil {
		d.add(n, path, "bad %v", err)
		return q, false
	}
	if q.Sign() < 0 {
		d.add(n, path, "must not be negative, have %s", s)
		return q, false
	}
	return q, true
}

// labels decodes node labels, checked as Kubernetes checks them.
func (d *decoder) labels(n *yaml.Node, path string) map[string]string {
	nodes := d.stringMapNodes(n, path)
	if len(nodes) == 0 {
		return nil
	}
	out := make(map[string]string, len(nodes))
	for _, k := range sortedKeys(nodes) {
		out[k] = d.str(nodes[k], child(path, k))
		if msgs := append(labels.ValidateLabelKey(k), labels.ValidateLabelValue(out[k])...); len(msgs) > 0 {
			d.add(nodes[k], child(path, k), "bad label: %s", joinNames(msgs))
		}
	}
	return out
}

// taints decodes a pool's taints.
func (d *decoder) taints(n *yaml.Node, path string) []api.Taint {
	var out []api.Taint
	for i, item := range d.sequence(n, path) {
		at := index(path, i)
		f := d.mapping(item, at, "key", "value", "effect")
		f.require("key", "effect")
		t := api.Taint{Key: f.str("key", ""), Value: f.str("value", ""), Effect: api.TaintEffect(f.str("effect", ""))}
		if msgs := labels.IsQualifiedName(t.Key); f.has("key") && len(msgs) > 0 {
			d.add(f.get("key"), f.at("key"), "bad taint key: %s", joinNames(msgs))
		}
		if msgs := labels.ValidateLabelValue(t.Value); len(msgs) > 0 {
			d.add(f.get("value"), f.at("value"), "bad taint value: %s", joinNames(msgs))
		}
		effects := []api.TaintEffect{api.TaintEffectNoSchedule, api.TaintEffectPreferNoSchedule, api.TaintEffectNoExecute}
		if f.has("effect") && !slices.Contains(effects, t.Effect) {
			d.add(f.get("effect"), f.at("effect"), "must be NoSchedule, PreferNoSchedule or NoExecute, have %q", t.Effect)
		}
		out = append(out, t)
	}
	return out
}

// zones decodes a pool's zones, defaulting to one.
func (d *decoder) zones(n *yaml.Node, path string) []string {
	zones := d.stringList(n, path)
	if len(zones) == 0 {
		return []string{DefaultZone}
	}
	seen := map[string]bool{}
	for i, z := range zones {
		msgs := labels.ValidateLabelValue(z)
		if z == "" {
			msgs = append(msgs, "must not be empty")
		}
		if len(msgs) > 0 {
			d.add(deref(n).Content[i], index(path, i), "bad zone %q: %s", z, joinNames(msgs))
		}
		if seen[z] {
			d.add(deref(n).Content[i], index(path, i), "zone %q given twice", z)
		}
		seen[z] = true
	}
	return zones
}

// nodeCount is the number of nodes in all pools, capped to stay an int.
func nodeCount(pools []Pool) int {
	total := 0
	for _, p := range pools {
		total = min(total+p.Count, math.MaxInt32)
	}
	return total
}
