package plugins

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins/gpushare"
)

// unlabelledModel stands for the model of a node with GPUs but no
// LabelGPUModel: pods that accept any model may use its GPUs, pods that
// name models may not.
const unlabelledModel = "(unlabelled)"

const mib = 1 << 20

// GPUTaskOf is a pod's demand in the GPU-sharing model: its CPU, memory
// (MiB, rounded up) and ResourceGPUMilli requests, and the models it
// accepts. A GPU request must be a share of one GPU (under 1000) or whole
// GPUs (a multiple of 1000).
func GPUTaskOf(pod *api.Pod, req framework.Resource) (gpushare.Task, error) {
	t := gpushare.Task{CPUMilli: req.MilliCPU, MemoryMiB: (req.Memory + mib - 1) / mib}
	switch milli := req.Get(ResourceGPUMilli); {
	case milli == 0:
		return t, nil
	case milli < gpushare.MilliPerGPU:
		t.NumGPU, t.GPUMilli = 1, milli
	case milli%gpushare.MilliPerGPU == 0:
		t.NumGPU, t.GPUMilli = int(milli/gpushare.MilliPerGPU), gpushare.MilliPerGPU
	default:
		return t, fmt.Errorf("pod requests %d %s: a GPU request must be under %d (a share of one GPU) or a multiple of it (whole GPUs)",
			milli, ResourceGPUMilli, gpushare.MilliPerGPU)
	}
	t.GPUSpec = pod.Annotations[AnnotationGPUModel]
	if err := t.Validate(); err != nil {
		return t, fmt.Errorf("pod's GPU request: %w", err)
	}
	return t, nil
}

// FormatGPUDevices writes device numbers as AnnotationGPUDevices holds them.
func FormatGPUDevices(devices []int) string {
	parts := make([]string, len(devices))
	for i, d := range devices {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, ",")
}

// ParseGPUDevices reads AnnotationGPUDevices.
func ParseGPUDevices(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]int, len(parts))
	for i, p := range parts {
		d, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || d < 0 {
			return nil, fmt.Errorf("%s %q: %q is not a device number", AnnotationGPUDevices, s, p)
		}
		out[i] = d
	}
	return out, nil
}

// nodeFor returns the node's device model, rebuilt when the node info
// changed; a what-if info (generation 0, as preemption's dry runs use) is
// built afresh and not kept.
func (pl *GPUShare) nodeFor(ni *framework.NodeInfo) *gpushare.Node { return pl.entryFor(ni).node }

// entryFor is nodeFor with what Filter checks besides the model, so
// Filter reads one entry per node rather than the node info's fields too.
func (pl *GPUShare) entryFor(ni *framework.NodeInfo) gpuNodeEntry {
	if e, ok := pl.nodes[ni]; ok && ni.Generation != 0 && e.gen == ni.Generation {
		return e
	}
	e := gpuNodeEntry{gen: ni.Generation, node: pl.buildNode(ni),
		podsFull: int64(len(ni.Pods))+1 > ni.Allocatable.AllowedPodNumber}
	if ni.Generation != 0 {
		pl.nodes[ni] = e
	}
	return e
}

// pruneNodes drops the models of node infos the snapshot no longer
// holds, once they outnumber the current ones.
func (pl *GPUShare) pruneNodes() {
	if pl.handle == nil || pl.handle.SnapshotSharedLister() == nil {
		return
	}
	current := pl.handle.SnapshotSharedLister().List()
	if len(pl.nodes) <= 2*len(current)+64 {
		return
	}
	kept := make(map[*framework.NodeInfo]gpuNodeEntry, len(current))
	for _, ni := range current {
		if e, ok := pl.nodes[ni]; ok {
			kept[ni] = e
		}
	}
	pl.nodes = kept
}

// buildNode models the node's GPUs with its pods' devices taken, and its
// CPU and memory with the node info's totals in use.
func (pl *GPUShare) buildNode(ni *framework.NodeInfo) *gpushare.Node {
	numGPU := int(ni.Allocatable.Get(ResourceGPUMilli) / gpushare.MilliPerGPU)
	model := ""
	if numGPU > 0 {
		model = unlabelledModel
		if m, ok := ni.Label(LabelGPUModel); ok && m != "" {
			model = m
		}
	}
	n, err := gpushare.NewNode(ni.Name(), model, ni.Allocatable.MilliCPU, ni.Allocatable.Memory/mib, numGPU)
	if err != nil { // negative allocatable: a node nothing fits on
		n, _ = gpushare.NewNode(ni.Name(), "", 0, 0, 0)
	}
	for _, pi := range ni.Pods {
		pl.takeDevices(n, pi)
	}
	n.SetUsage(ni.Requested.MilliCPU, (ni.Requested.Memory+mib-1)/mib)
	return n
}

// takeDevices marks a pod's GPUs taken. Its devices are those on its
// annotation, or those Reserve picked while its binding is on the way; a
// pod placed by someone else without a record gets the tightest fit, and
// one that no longer fits (the node shrank) is left out.
func (pl *GPUShare) takeDevices(n *gpushare.Node, pi *framework.PodInfo) {
	t, err := GPUTaskOf(pi.Pod, pi.Requests)
	if err != nil || t.NumGPU == 0 {
		return
	}
	gpu := gpushare.Task{NumGPU: t.NumGPU, GPUMilli: t.GPUMilli} // CPU and memory come from the totals
	key := framework.PodKey(pi.Pod)
	devices, recorded := pl.recordedDevices(pi.Pod, key)
	if recorded && n.Allocate(gpu, devices) == nil {
		return
	}
	if devices = (gpushare.BestFit{}).Devices(n, gpu, nil); devices != nil {
		_ = n.Allocate(gpu, devices) // the devices were just found free
	}
}

// recordedDevices reads the pod's devices from its annotation, dropping
// Reserve's record once the bound pod carries them, or else from that record.
func (pl *GPUShare) recordedDevices(pod *api.Pod, key string) ([]int, bool) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if s, ok := pod.Annotations[AnnotationGPUDevices]; ok {
		delete(pl.reserved, key)
		d, err := ParseGPUDevices(s)
		return d, err == nil
	}
	d, ok := pl.reserved[key]
	return d, ok
}
