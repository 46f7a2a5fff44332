package sim

import (
	"github.com/kubetwin/kubetwin/core/api"
)

// The kinds the simulator reads and writes itself.
var (
	podKind        = api.MustLookupKind(api.CoreV1, "Pod")
	nodeKind       = api.MustLookupKind(api.CoreV1, "Node")
	leaseKind      = api.MustLookupKind(api.CoordinationV1, "Lease")
	namespaceKind  = api.MustLookupKind(api.CoreV1, "Namespace")
	deploymentKind = api.MustLookupKind(api.AppsV1, "Deployment")
	replicaSetKind = api.MustLookupKind(api.AppsV1, "ReplicaSet")
	daemonSetKind  = api.MustLookupKind(api.AppsV1, "DaemonSet")
	jobKind        = api.MustLookupKind(api.BatchV1, "Job")
)
