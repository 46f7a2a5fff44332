package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/real/client"
)

// pollEvery is how often Up looks at what it waits for.
const pollEvery = 200 * time.Millisecond

// waitServer waits until the server has written the kubeconfig and
// answers through it, or has exited.
func (s *State) waitServer(ctx context.Context, o Options) error {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	var last error
	for {
		if !alive(s.ServerPID, o.Binary) {
			return fmt.Errorf("real up: the server exited; see %s", filepath.Join(s.Dir, "logs", "server.log"))
		}
		if _, err := os.Stat(s.Kubeconfig); err == nil {
			c, err := client.FromKubeconfig(s.Kubeconfig)
			if err == nil {
				_, err = c.Get(ctx, nsKind, "", "default")
				if err == nil {
					s.Server = c.Server()
					return s.save()
				}
			}
			last = err
		}
		if err := sleep(ctx); err != nil {
			return fmt.Errorf("real up: the server did not answer (%v): %w", last, err)
		}
	}
}

// waitReady waits until every node is Ready, naming a node whose agent
// exited instead of waiting out the timeout.
func (s *State) waitReady(ctx context.Context, o Options) error {
	c, err := client.FromKubeconfig(s.Kubeconfig)
	if err != nil {
		return fmt.Errorf("real up: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	for {
		ready, err := readyNodes(ctx, c)
		if err == nil && ready == len(s.Nodes) {
			return nil
		}
		for _, n := range s.Nodes {
			if !alive(n.PID, o.Binary) {
				return fmt.Errorf("real up: the agent of %s exited; see %s", n.Name, filepath.Join(s.Dir, "logs", n.Name+".log"))
			}
		}
		if !alive(s.ProxyPID, o.Binary) {
			return fmt.Errorf("real up: the proxy exited; see %s", filepath.Join(s.Dir, "logs", "proxy.log"))
		}
		if err := sleep(ctx); err != nil {
			return fmt.Errorf("real up: %d of %d nodes Ready: %w", ready, len(s.Nodes), err)
		}
	}
}

// readyNodes counts the Nodes whose Ready condition is True.
func readyNodes(ctx context.Context, c *client.Client) (int, error) {
	res, err := c.List(ctx, nodeKind, store.ListOptions{})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, o := range res.Items {
		for _, cond := range o.(*api.Node).Status.Conditions {
			if cond.Type == api.NodeReady && cond.Status == api.ConditionTrue {
				n++
			}
		}
	}
	return n, nil
}

func sleep(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(pollEvery):
		return nil
	}
}

var (
	nsKind   = api.MustLookupKind(api.CoreV1, "Namespace")
	nodeKind = api.MustLookupKind(api.CoreV1, "Node")
)
