package sim_test

import (
	"testing"
)

// swarm is a small cluster under every kind of random fault, with a
// rollout, a scale and batch Jobs arriving throughout; faults stop at 12m
// so the cluster can heal before the end.
const swarm = `
name: swarm
params: {nodes: 6}
duration: 30m
cluster:
  pools:
  - name: n
    count: ${nodes}
    capacity: {cpu: "4", memory: 8Gi}
    zones: [a, b]
pods:
  imagePull: {uniform: {min: 0s, max: 2s}}
  start: {lognormal: {median: 1s, sigma: 0.3}}
  ready: {exponential: {mean: 2s}}
  terminate: {uniform: {min: 0s, max: 5s}}
workloads:` + `
- name: web
  manifest: |
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 8
      selector: {matchLabels: {app: web}}
      strategy: {rollingUpdate: {maxSurge: 2, maxUnavailable: 1}}
      template:
        metadata: {labels: {app: web}}
        spec:
          terminationGracePeriodSeconds: 10
          containers: [{name: c, image: web:1, resources: {requests: {cpu: 500m, memory: 256Mi}}}]
  lifecycle:
    crashMTBF: 20m
- name: api
  manifest: |
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api}
    spec:
      replicas: 4
      selector: {matchLabels: {app: api}}
      template:
        metadata: {labels: {app: api}}
        spec:
          containers: [{name: c, image: api:1, resources: {requests: {cpu: 250m, memory: 128Mi}}}]
- name: batch
  manifest: |
    apiVersion: batch/v1
    kind: Job
    metadata: {name: batch}
    spec:
      backoffLimit: 2
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: c, image: job:1, resources: {requests: {cpu: 250m, memory: 128Mi}}}]
  lifecycle:
    runTime: {exponential: {mean: 1m}}
    failProbability: 0.2
  arrival:
    poisson: {rate: 0.1, until: 12m}
timeline:
- {at: 3m, rollout: {workload: web, image: "web:2"}}
- {at: 6m, scale: {workload: api, replicas: 6}}
faults:
- {type: nodeCrash, mtbf: 3m, recoverAfter: {exponential: {mean: 1m}}, end: 12m}
- {type: partition, mtbf: 4m, recoverAfter: {uniform: {min: 10s, max: 90s}}, end: 12m}
- {type: slowNode, factor: 3, mtbf: 5m, recoverAfter: 2m, end: 12m}
`

// TestSwarm runs many seeds of random faults and checks safety (no
// invariant breaks, which run reports) and liveness: once the faults have
// healed, every workload is available again and every node Ready.
func TestSwarm(t *testing.T) {
	seeds := 24
	if testing.Short() {
		seeds = 6
	}
	sc := parse(t, swarm)
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		res := run(t, sc, seed)
		s := res.Summary
		if len(s.Faults) == 0 {
			t.Errorf("seed %d: no fault was injected", seed)
		}
		for _, c := range s.Convergence {
			if c.Seconds == nil {
				t.Errorf("seed %d: %s never converged (reproduce: kubetwin sim run with this scenario --seed %d)", seed, c.Action, seed)
			}
		}
		if s.Nodes.Ready != 6 || s.Pods.Pending != 0 || s.Pods.Starting != 0 {
			t.Errorf("seed %d: at the end nodes %+v pods %+v", seed, s.Nodes, s.Pods)
		}
	}
}
