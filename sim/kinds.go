package sim

import (
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
)

// The kinds the simulator reads and writes itself.
var (
	podKind        = mustKind(api.CoreV1, "Pod")
	nodeKind       = mustKind(api.CoreV1, "Node")
	leaseKind      = mustKind(api.CoordinationV1, "Lease")
	namespaceKind  = mustKind(api.CoreV1, "Namespace")
	deploymentKind = mustKind(api.AppsV1, "Deployment")
	replicaSetKind = mustKind(api.AppsV1, "ReplicaSet")
	daemonSetKind  = mustKind(api.AppsV1, "DaemonSet")
	jobKind        = mustKind(api.BatchV1, "Job")
)

func mustKind(apiVersion, kind string) *api.Kind {
	k, err := api.LookupKind(apiVersion, kind)
	if err != nil {
		panic(fmt.Sprintf("sim: %s %s: %v", apiVersion, kind, err))
	}
	return k
}
