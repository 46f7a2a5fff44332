// Package gpushare models GPU-sharing clusters and the six placement
// policies compared in Weng, Yang et al., "Beware of Fragmentation:
// Scheduling GPU-Sharing Workloads with Fragmentation Gradient Descent"
// (USENIX ATC '23), as pure functions that the scheduler's plugins wrap.
//
// The definitions below were read from the authors' simulator,
// github.com/hkust-adsl/kubernetes-scheduler-simulator (commit 8f3d641),
// and restated here; no code was taken from it. Paths are in that repository.
//
// # Resource model
//
// A node has CPU (milli-cores), memory (MiB) and a list of GPUs of one
// model, each 1000 milli-GPU; all are tracked as free amounts. A task asks
// for CPU, memory, NumGPU and GPUMilli per GPU: a sharing task takes
// GPUMilli < 1000 of one GPU, a whole-GPU task takes NumGPU wholly free
// GPUs, a CPU-only task takes no GPU. GPUSpec lists allowed models,
// '|'-separated; empty allows any, and a GPU-less node matches no
// non-empty spec (pkg/utils/utils.go IsNodeAccessibleToPodByType). Fits
// checks CPU and memory (kube-scheduler's resource fit, which the
// artefact keeps) and the device condition of the artefact's filter
// (pkg/simulator/plugin/open_gpu_share.go Filter,
// pkg/type/open-gpu-share/cache/gpunodeinfo.go AllocateGpuId): NumGPU
// devices each with GPUMilli free. CPU-only tasks fit GPU nodes too.
//
// # Device choice
//
// The artefact picks devices when reserving (open_gpu_share.go
// allocateGpuId), by a per-experiment method
// (experiments/run_scripts/generate_run_scripts.py,
// scripts/generate_config_and_run.py): Random uses "random", FGD its own
// choice, the other four "best" (the script's default). "best" puts a
// sharing task on the device with the least free share that still has
// room, lowest device number among equals; "random" draws uniformly among
// devices with room. Whole-GPU tasks always take the lowest-numbered
// wholly free devices (pkg/type/resource.go AllocateExclusiveGpuId).
//
// # Policies (pkg/simulator/plugin/*_score.go)
//
// Each experiment enables exactly one score plugin; kube-scheduler's
// default scorers are disabled and all nodes are scored. The vendored
// kube-scheduler is patched to break ties between equal top scores by
// the lexicographically smallest node name
// (vendor/k8s.io/kubernetes/pkg/scheduler/core/generic_scheduler.go
// selectHost); SelectHost and Schedule do the same.
//
//   - Random (random_score.go): before scoring, one feasible node is drawn
//     uniformly; it scores 100 and the rest 0.
//   - DotProd (dot_product_score.go, with "merge" and "max"): free vector
//     (free CPU, total free GPU) and demand vector (CPU, NumGPU·GPUMilli),
//     both divided by (128000, 8000); score int(100·(1 − dot/2)), or 0 when
//     CPU is short. Less free left scores higher.
//   - GpuClustering (gpu_clustering_score.go): a node's kinds are the GPU
//     kinds of its tasks (sharing, or "k whole GPUs"). Score
//     25·(8000 − free milli-GPU)/8000 (integer) plus 75 if the node runs
//     only the task's kind, 50 if it runs that kind among others, 25 if it
//     runs no GPU task, 0 otherwise; CPU-only tasks score 0.
//   - GpuPacking (gpu_packing_score.go): if every GPU on the node is free,
//     max(33 − free GPUs, free GPUs); otherwise take devices with room,
//     least free first, and if some taken device is wholly free score
//     max(50 − their count, 33), else max(100 − Σ⌊free·100/1000⌋/10, 50).
//     CPU-only tasks score 0.
//   - BestFit (best_fit_score.go): s = Σ ½·(free − demand)/maxSpec over CPU
//     (maxSpec 128000) and total GPU (8000); score int(100·(1 − s)), then
//     min-max rescaled over the feasible nodes (plugin_utils.go
//     NormalizeScore), which keeps order and ties for scores in [0, 100].
//   - FGD (fgd_score.go): score int(100·sigmoid((F_before − F_after)/1000))
//     where F is the node fragmentation below; for a sharing task every
//     device with room is tried and the first with the highest integer
//     score is both the node's score and the chosen device; other tasks
//     are placed as the artefact's NodeResource.Sub does (CPU off, lowest
//     wholly free devices). A task requesting nothing scores 100.
//
// # Fragmentation (pkg/utils/frag.go)
//
// Against a typical distribution of task classes (demand, popularity p),
// each class falls in one category on a node: a CPU-only class is
// "satisfied" or "lacks CPU"; a GPU class whose spec excludes the model is
// "no access"; otherwise it has GPU room when NumGPU devices have GPUMilli
// free, and is "satisfied", "lacks CPU", "lacks GPU" or "lacks both".
// Memory is ignored. A class contributes p·(total free milli-GPU) to its
// category, except that a satisfied GPU class splits it: the free share
// on devices with less than GPUMilli free counts as "lacks GPU", the rest
// as satisfied (NodeGpuShareFragAmount). The node fragmentation F is the
// sum of all categories except satisfied GPU classes — note that CPU-only
// classes always count all free GPU as fragment. The artefact memoises F
// per node state (pkg/simulator/analysis.go NodeGpuFragAmount). The
// cluster fragmentation ratio is Σ F over Σ of all categories, i.e. over
// the idle GPU (analysis.go ClusterGpuFragReport, ClusterAnalysis).
//
// The typical distribution (frag.go GetTypicalPods, run with
// scripts/generate_config_and_run.py's defaults) groups the workload's
// tasks by (CPU, GPUMilli, NumGPU, GPUSpec), CPU-only tasks included,
// orders groups by count, keeps the most popular until they cover 95 %
// of tasks, and renormalises; TypicalClasses does this. The artefact uses
// the workload as read, before its arrival tuning, and rounds a zero CPU
// request up to kube-scheduler's 100m default (openb has none).
//
// The artefact also has a Bellman-style look-ahead fragmentation
// (NodeGpuFragBellman), only logged, not used by any policy; it is not
// reproduced here.
//
// # Floating point
//
// Several scores are truncated to integers, and equal top scores go to
// the smallest name, so a last-bit difference can move a task. Sums here
// follow the artefact's order and round each product on its own (no fused
// multiply-add), so equal states give bit-equal values.
package gpushare
