package proxy

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/real/realtest"
)

// TestFromPodNamespace reaches a Service from inside a pod's network
// namespace, as a pod does: the ClusterIP on the host's lo is reached
// through the pod's default route over the node bridge.
func TestFromPodNamespace(t *testing.T) {
	e := newEnv(t, nil)
	addr := e.webService(e.ip(1), e.tcpBackend("a"))
	pods := realtest.PodNetwork(t)
	path, _, err := pods.Attach(e.ctx, "p1", "default/p1")
	if err != nil {
		t.Fatal(err)
	}
	var answer string
	err = realtest.InNetns(path, func() error {
		c, err := net.DialTimeout("tcp", addr.String(), 2*time.Second)
		if err != nil {
			return fmt.Errorf("dial %s from the pod: %w", addr, err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		answer, err = bufio.NewReader(c).ReadString('\n')
		return err
	})
	if err != nil || strings.TrimSpace(answer) != "a" {
		t.Fatalf("answer %q, %v; want a", answer, err)
	}
}
