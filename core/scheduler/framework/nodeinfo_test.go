package framework_test

import (
	"testing"

	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// TestNodeInfoLabel: the zone and hostname copies answer as the node's
// labels do, follow SetNode, survive Clone and go with RemoveNode.
func TestNodeInfoLabel(t *testing.T) {
	n := framework.NewNodeInfo(fixtures.MakeNode().Name("n1").Zone("a").Label("rack", "r1").Obj())
	check := func(ni *framework.NodeInfo, key, want string, wantOK bool) {
		t.Helper()
		if v, ok := ni.Label(key); v != want || ok != wantOK {
			t.Errorf("Label(%q) = %q, %v; want %q, %v", key, v, ok, want, wantOK)
		}
	}
	check(n, framework.ZoneLabel, "a", true)
	check(n, framework.HostnameLabel, "n1", true)
	check(n, "rack", "r1", true)
	check(n, "missing", "", false)
	c := n.Clone()
	check(c, framework.ZoneLabel, "a", true)
	n.SetNode(fixtures.MakeNode().Name("n1").Obj())
	check(n, framework.ZoneLabel, "", false)
	check(c, framework.ZoneLabel, "a", true)
	c.RemoveNode()
	check(c, framework.HostnameLabel, "", false)
}
