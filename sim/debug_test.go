package sim_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/sim"
)

func TestDebugCrash(t *testing.T) {
	sc := parse(t, `
name: crash
params: {nodes: 4}
duration: 20m
`+smallCluster+`
workloads:`+deployment("web", 8, "500m", "")+`
timeline:
- {at: 1m, fault: {type: nodeCrash, nodes: [n-1]}}
`)
	var buf bytes.Buffer
	res, _ := sim.Run(context.Background(), sc, sim.Options{Seed: 1, Trace: &buf})
	for _, p := range res.Pods {
		if p.Node == "n-1" {
			fmt.Printf("%+v\n", *p)
			for _, l := range strings.Split(buf.String(), "\n") {
				if strings.Contains(l, p.Name) {
					fmt.Println(l)
				}
			}
		}
	}
}
