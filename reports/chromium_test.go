package reports

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// chromiumTimeout bounds one headless Chromium run; a cold start on a
// busy two-core CI machine takes a few seconds.
const chromiumTimeout = 90 * time.Second

// runChromium runs headless Chromium with its own profile directory and
// in its own process group, which is ended (with whatever helpers
// Chromium left behind) when the run is over or times out.
func runChromium(t *testing.T, args ...string) []byte {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is needed to check report.html (.ci/deps installs it: apt-get install chromium): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), chromiumTimeout)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
		"--disable-background-networking", "--disable-crash-reporter", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // helpers still in the group
	}
	if err != nil || ctx.Err() != nil {
		t.Fatalf("chromium %v: %v (%v)\nstderr:\n%s", args, err, ctx.Err(), stderr.String())
	}
	return stdout.Bytes()
}

// report.html names no URL to fetch: no scheme, no protocol-relative
// link, no src attribute, no CSS url() and no script.
func TestReportHTMLIsSelfContained(t *testing.T) {
	dir := sharedFixture(t)
	page, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	bad := regexp.MustCompile(`(?i)https?:|file:|data:|//[a-z]|\bsrc=|url\(|<script|<link|@import`)
	if m := bad.Find(page); m != nil {
		t.Fatalf("report.html refers outside itself: %q", m)
	}
	if n := bytes.Count(page, []byte("<svg")); n != len(fixturePlots) {
		t.Fatalf("report.html inlines %d svg elements, want %d", n, len(fixturePlots))
	}
	// The page shows the same drawings as plots/: past the root tag,
	// each inline SVG is its file's.
	for _, name := range fixturePlots {
		svg, err := os.ReadFile(filepath.Join(dir, PlotsDir, name+".svg"))
		if err != nil {
			t.Fatal(err)
		}
		body := svg[bytes.Index(svg, []byte("<svg")):]
		body = body[bytes.IndexByte(body, '>')+1:]
		if !bytes.Contains(page, body) {
			t.Errorf("report.html does not hold the drawing of plots/%s.svg", name)
		}
	}
}

// fixturePlots are the plots the fixture has data for.
var fixturePlots = []string{"convergence", "cpu_requested_ratio", "latency_cdf", "memory_requested_ratio",
	"node_utilisation", "nodes_by_condition", "pods_by_state", "scheduling_rate"}

// Headless Chromium loads report.html with every plot inline in its
// DOM, and the screenshot shows coloured plot lines and bars on the
// page, not a blank or text-only page.
func TestReportHTMLRendersInChromium(t *testing.T) {
	dir := sharedFixture(t)
	url := "file://" + filepath.Join(dir, HTMLFile)
	dom := string(runChromium(t, "--dump-dom", url))
	for _, name := range fixturePlots {
		fig := regexp.MustCompile(`(?s)<figure id="plot-` + name + `">\s*<svg[^>]*viewBox[^>]*>.*?<path.*?<text.*?</svg>`)
		if !fig.MatchString(dom) {
			t.Errorf("the DOM lacks the drawn svg of plot %s", name)
		}
	}
	shot := filepath.Join(t.TempDir(), "shot.png")
	runChromium(t, "--screenshot="+shot, "--window-size=1200,3000", url)
	img := readPNG(t, shot)
	ink, coloured := countPixels(img)
	total := img.Bounds().Dx() * img.Bounds().Dy()
	t.Logf("screenshot %v: %d non-white, %d coloured pixels of %d", img.Bounds(), ink, coloured, total)
	if ink < total/100 {
		t.Errorf("the screenshot is nearly blank: %d non-white pixels of %d", ink, total)
	}
	// The page's own colours (the verdict, pass cells) cover a few
	// thousand pixels; the plots in the first 3000 px cover many more.
	if coloured < 20_000 {
		t.Errorf("the screenshot has %d coloured pixels: the plots did not render", coloured)
	}
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Fatalf("chromium wrote no screenshot at %s", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return img
}

// countPixels counts pixels that are not white, and among them those
// of a clear hue (not grey or black, as text and axes are).
func countPixels(img image.Image) (ink, coloured int) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			if r < 245 || g < 245 || bl < 245 {
				ink++
			}
			if max(r, g, bl)-min(r, g, bl) > 80 {
				coloured++
			}
		}
	}
	return ink, coloured
}
