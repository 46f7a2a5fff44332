package clock_test

import (
	"fmt"
	"time"

	"github.com/kubetwin/kubetwin/core/clock"
)

// The simulator's loop: jump to the next deadline until nothing is armed.
func ExampleManual_NextDeadline() {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c := clock.NewManual(start)
	report := func(name string) func() {
		return func() { fmt.Println(name, "at", c.Since(start)) }
	}
	c.AfterFunc(3*time.Second, report("pod started"))
	c.AfterFunc(time.Second, func() {
		report("pod scheduled")()
		c.AfterFunc(time.Second, report("image pulled"))
	})
	for {
		next, ok := c.NextDeadline()
		if !ok {
			break
		}
		c.SetTime(next)
	}
	// Output:
	// pod scheduled at 1s
	// image pulled at 2s
	// pod started at 3s
}
