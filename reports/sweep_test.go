package reports

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Welch's test against R's t.test(x, y) (var.equal = FALSE).
func TestWelch(t *testing.T) {
	cases := []struct {
		a, b []float64
		want float64
	}{
		// t.test(1:5, c(2,4,6,8,10)): t = -1.8974, df = 5.8824, p-value = 0.1075
		{[]float64{1, 2, 3, 4, 5}, []float64{2, 4, 6, 8, 10}, 0.1075},
		// t.test(c(10,11,12), c(20,21,22)): t = -12.247, df = 4, p-value = 0.0002552
		{[]float64{10, 11, 12}, []float64{20, 21, 22}, 0.0002552},
	}
	for _, c := range cases {
		if got := Welch(c.a, c.b); math.Abs(got-c.want) > 0.001*c.want {
			t.Errorf("Welch(%v, %v) = %.6f, want %.6f", c.a, c.b, got, c.want)
		}
	}
	if p := Welch([]float64{3, 3}, []float64{3, 3, 3}); p != 1 {
		t.Errorf("equal samples without spread: p = %v, want 1", p)
	}
	if p := Welch([]float64{3, 3}, []float64{4, 4}); p != 0 {
		t.Errorf("different samples without spread: p = %v, want 0", p)
	}
	if p := Welch([]float64{1}, []float64{1, 2}); !math.IsNaN(p) {
		t.Errorf("one value: p = %v, want NaN", p)
	}
}

func TestBuildSweepNeedsItsDescription(t *testing.T) {
	dir := t.TempDir()
	if _, err := BuildSweep(dir); err == nil || !strings.Contains(err.Error(), SweepFile) {
		t.Fatalf("no sweep.json: %v", err)
	}
	os.WriteFile(filepath.Join(dir, SweepFile), []byte(`{"scenario":"x","variants":["a"],"runs":[{"variant":0,"seed":1,"dir":"runs/missing"}]}`), 0o644)
	if _, err := BuildSweep(dir); err == nil || !strings.Contains(err.Error(), "runs/missing") {
		t.Fatalf("a run without its summary: %v", err)
	}
}
