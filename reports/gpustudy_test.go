package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// paperCurvesFile is the study's published allocation curves, from the
// package directory.
const paperCurvesFile = "../../shared/traces/alibaba-gpu-v2023/paper-expected/analysis_allo_discrete.csv"

// gpuTestCurve is a curve with every point, valued f(x).
func gpuTestCurve(workload, policy string, seed int64, f func(x int) float64) GPUCurve {
	c := GPUCurve{Workload: workload, Policy: policy, Tune: "1.3", Seed: seed, TotalGPUs: 100}
	for x := range CurvePoints {
		c.Values[x], c.Has[x] = f(x), true
	}
	return c
}

func withoutPoints(c GPUCurve, xs ...int) GPUCurve {
	for _, x := range xs {
		c.Values[x], c.Has[x] = 0, false
	}
	return c
}

func withPoint(c GPUCurve, x int, v float64) GPUCurve {
	c.Values[x], c.Has[x] = v, true
	return c
}

func gpuLinear(slope, offset float64) func(int) float64 {
	return func(x int) float64 { return slope*float64(x) + offset }
}

func gpuConst(v float64) func(int) float64 { return func(int) float64 { return v } }

// gpuSyntheticCurves are curves whose comparison is known:
//
//   - w0 only in ours: the paper has no curves.
//   - w1 06-FGD: ours's seeds are 0.7x ∓ 0.2 (mean 0.7x), the second
//     without point 10 (mean there 0.7x − 0.2), and 5 at point 120,
//     which the paper lacks; the paper's are 0.7x ∓ 0.1 (mean 0.7x),
//     +0.8 at point 100. So the differences are −0.2 at 10, −0.8 at
//     100 and 0 elsewhere, 120 not counted.
//   - w1 01-Random: ours 0.5x and 0.5x + 1 (mean 0.5x + 0.5); the paper
//     0.5x + 0.75: −0.25 at every point, exactly (the values are exact
//     in binary), so the first point is the largest. Ours lacks point
//     7, which the paper has.
//   - w1 05-BestFit only in the paper, ranked first there: rankings
//     agree on the policies both have (FGD > Random).
//   - w2: FGD and Random swap places between ours and the paper.
//   - w9 only in the paper.
func gpuSyntheticCurves() (ours, paper []GPUCurve) {
	ours = []GPUCurve{
		gpuTestCurve("w2", "06-FGD", 1, gpuConst(50)),
		withPoint(withoutPoints(gpuTestCurve("w1", "06-FGD", 2, gpuLinear(0.7, 0.2)), 10), 120, 5),
		withoutPoints(gpuTestCurve("w1", "01-Random", 1, gpuLinear(0.5, 0)), 7),
		withPoint(gpuTestCurve("w1", "06-FGD", 1, gpuLinear(0.7, -0.2)), 120, 5),
		withoutPoints(gpuTestCurve("w1", "01-Random", 2, gpuLinear(0.5, 1)), 7),
		gpuTestCurve("w2", "01-Random", 1, gpuConst(60)),
		gpuTestCurve("w0", "01-Random", 1, gpuLinear(0.5, 0)),
	}
	paper = []GPUCurve{
		withoutPoints(withPoint(gpuTestCurve("w1", "06-FGD", 42, gpuLinear(0.7, -0.1)), 100, 0.7*100-0.1+0.8), 120),
		withoutPoints(withPoint(gpuTestCurve("w1", "06-FGD", 43, gpuLinear(0.7, 0.1)), 100, 0.7*100+0.1+0.8), 120),
		gpuTestCurve("w1", "01-Random", 42, gpuLinear(0.5, 0.75)),
		gpuTestCurve("w1", "05-BestFit", 42, gpuConst(95)),
		gpuTestCurve("w2", "06-FGD", 42, gpuConst(60)),
		gpuTestCurve("w2", "01-Random", 42, gpuConst(50)),
		gpuTestCurve("w9", "06-FGD", 42, gpuConst(50)),
	}
	return ours, paper
}

// meanEq is equality up to the float noise of a mean.
func meanEq(a, b float64) bool { return near(a, b, 1e-9) }

func compareSynthetic(t *testing.T, tol float64) *GPUStudyReport {
	t.Helper()
	ours, paper := gpuSyntheticCurves()
	rep, err := CompareGPUCurves(ours, paper, GPUStudyOptions{Tolerance: tol})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func workloadNames(rep *GPUStudyReport) []string {
	var out []string
	for _, w := range rep.Workloads {
		out = append(out, w.Workload)
	}
	return out
}

func TestGPUStudyComparesMeanCurves(t *testing.T) {
	rep := compareSynthetic(t, 0)
	if rep.Tolerance != DefaultGPUTolerance {
		t.Errorf("tolerance %v, want the default %v", rep.Tolerance, DefaultGPUTolerance)
	}
	if got := workloadNames(rep); !slices.Equal(got, []string{"w0", "w1", "w2"}) {
		t.Fatalf("workloads %v, want w0 w1 w2 (ours's, by name)", got)
	}
	if !slices.Equal(rep.PaperOnlyWorkloads, []string{"w9"}) {
		t.Errorf("paper-only workloads %v, want [w9]", rep.PaperOnlyWorkloads)
	}
	w1 := rep.Workloads[1]
	if len(w1.Policies) != 2 || w1.Policies[0].Policy != "01-Random" || w1.Policies[1].Policy != "06-FGD" {
		t.Fatalf("w1 policies %+v, want 01-Random then 06-FGD", w1.Policies)
	}
	random, fgd := w1.Policies[0], w1.Policies[1]

	// Means are point-wise over the seeds having the point.
	if fgd.Seeds != 2 || fgd.PaperSeeds != 2 {
		t.Errorf("FGD seeds %d/%d, want 2/2", fgd.Seeds, fgd.PaperSeeds)
	}
	for _, c := range []struct {
		name string
		got  *GPUMeanCurve
		x    int
		want float64
	}{
		{"ours FGD", &fgd.Ours, 50, 35}, {"ours FGD (one seed)", &fgd.Ours, 10, 6.8},
		{"ours FGD", &fgd.Ours, 120, 5}, {"paper FGD", &fgd.Paper, 100, 70.8},
		{"ours Random", &random.Ours, 40, 20.5}, {"paper Random", &random.Paper, 40, 20.75},
	} {
		if !c.got.Has[c.x] || !meanEq(c.got.Values[c.x], c.want) {
			t.Errorf("%s at %d = %v (has %v), want %v", c.name, c.x, c.got.Values[c.x], c.got.Has[c.x], c.want)
		}
	}
	if fgd.Paper.Has[120] || random.Ours.Has[7] {
		t.Errorf("mean curves have points no seed has: paper FGD 120 %v, ours Random 7 %v", fgd.Paper.Has[120], random.Ours.Has[7])
	}

	// Points one side lacks are skipped: FGD's 120 and Random's 7 would
	// be the largest differences against the empty cells' zeros.
	if !meanEq(fgd.MaxAbsDiff, 0.8) || fgd.AtPoint != 100 {
		t.Errorf("FGD max |diff| %v at %d, want 0.8 at 100", fgd.MaxAbsDiff, fgd.AtPoint)
	}
	if want := (0.2 + 0.8) / 130; !meanEq(fgd.MeanAbsDiff, want) {
		t.Errorf("FGD mean |diff| %v, want %v (over the 130 common points)", fgd.MeanAbsDiff, want)
	}
	if random.MaxAbsDiff != 0.25 || random.AtPoint != 0 || random.MeanAbsDiff != 0.25 {
		t.Errorf("Random max |diff| %v at %d, mean %v; want 0.25 at 0 (the first), mean 0.25",
			random.MaxAbsDiff, random.AtPoint, random.MeanAbsDiff)
	}
	if !meanEq(fgd.OursFinal, 91) || !meanEq(fgd.PaperFinal, 91) || !meanEq(random.OursFinal, 65.5) || !meanEq(random.PaperFinal, 65.75) {
		t.Errorf("finals FGD %v/%v Random %v/%v, want 91/91 65.5/65.75",
			fgd.OursFinal, fgd.PaperFinal, random.OursFinal, random.PaperFinal)
	}
	if fgd.WithinTolerance || !random.WithinTolerance || w1.AllWithinTolerance() {
		t.Errorf("at ±0.5 pp: FGD within %v, Random within %v, all %v; want false, true, false",
			fgd.WithinTolerance, random.WithinTolerance, w1.AllWithinTolerance())
	}
	if rep.Passed() {
		t.Error("report passed with FGD off by 0.8 pp")
	}
}

// WithinTolerance flips where the tolerance crosses the largest
// difference: 0.8 pp for FGD on w1, 0.25 pp for Random.
func TestGPUStudyToleranceBoundary(t *testing.T) {
	for _, c := range []struct {
		tol                float64
		fgd, random, whole bool
	}{{0.24, false, false, false}, {0.25, false, true, false}, {0.79, false, true, false},
		{0.8, true, true, true}, {0.81, true, true, true}} {
		rep := compareSynthetic(t, c.tol)
		w1 := rep.Workloads[1]
		random, fgd := w1.Policies[0], w1.Policies[1]
		if fgd.WithinTolerance != c.fgd || random.WithinTolerance != c.random || w1.AllWithinTolerance() != c.whole {
			t.Errorf("tolerance %v: within FGD %v Random %v w1 %v, want %v %v %v", c.tol,
				fgd.WithinTolerance, random.WithinTolerance, w1.AllWithinTolerance(), c.fgd, c.random, c.whole)
		}
	}
}

func TestGPUStudyRankings(t *testing.T) {
	rep := compareSynthetic(t, 0)
	w1, w2 := rep.Workloads[1], rep.Workloads[2]
	if !slices.Equal(w1.OursRanking, []string{"06-FGD", "01-Random"}) ||
		!slices.Equal(w1.PaperRanking, []string{"05-BestFit", "06-FGD", "01-Random"}) {
		t.Errorf("w1 rankings %v / %v", w1.OursRanking, w1.PaperRanking)
	}
	if !w1.RankingAgrees {
		t.Error("w1: rankings disagree, though they order FGD and Random alike (BestFit is the paper's only)")
	}
	if !slices.Equal(w2.OursRanking, []string{"01-Random", "06-FGD"}) ||
		!slices.Equal(w2.PaperRanking, []string{"06-FGD", "01-Random"}) {
		t.Errorf("w2 rankings %v / %v", w2.OursRanking, w2.PaperRanking)
	}
	if w2.RankingAgrees {
		t.Error("w2: rankings agree, though FGD and Random swap places")
	}
	if got := rankingLine(&w2); !strings.Contains(got, "kubetwin: Random > FGD; paper: FGD > Random — a different order") {
		t.Errorf("w2 ranking line %q", got)
	}
	// Equal finals keep study order whatever the input order.
	tie := map[string]GPUMeanCurve{}
	for _, p := range []string{"06-FGD", "02-DotProd", "04-GpuPacking"} {
		tie[p] = meanCurve([]GPUCurve{gpuTestCurve("w", p, 1, gpuConst(90))})
	}
	if got := rankPolicies(tie); !slices.Equal(got, []string{"02-DotProd", "04-GpuPacking", "06-FGD"}) {
		t.Errorf("tied ranking %v, want study order", got)
	}
}

func TestGPUStudyPaperMissing(t *testing.T) {
	rep := compareSynthetic(t, 0)
	w0 := rep.Workloads[0]
	if !w0.PaperMissing || w0.RankingAgrees || w0.AllWithinTolerance() || len(w0.PaperRanking) != 0 {
		t.Errorf("w0: paper missing %v, ranking agrees %v, all within %v, paper ranking %v; want true, false, false, []",
			w0.PaperMissing, w0.RankingAgrees, w0.AllWithinTolerance(), w0.PaperRanking)
	}
	p := w0.Policies[0]
	if !p.PaperMissing || p.WithinTolerance || p.PaperSeeds != 0 || p.AtPoint != -1 ||
		!math.IsNaN(p.MaxAbsDiff) || !math.IsNaN(p.PaperFinal) || !meanEq(p.OursFinal, 65) {
		t.Errorf("w0 Random: %+v", p)
	}
	if rep.Workloads[1].PaperMissing || rep.Workloads[1].Policies[1].PaperMissing {
		t.Error("w1 marked without paper curves")
	}
}

// The order of the input rows does not change the report.
func TestGPUStudyIgnoresInputOrder(t *testing.T) {
	ours, paper := gpuSyntheticCurves()
	a, err := CompareGPUCurves(ours, paper, GPUStudyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(ours)
	slices.Reverse(paper)
	b, err := CompareGPUCurves(ours, paper, GPUStudyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Error("reversing the input changed the report")
	}
}

func readPaperCurves(t *testing.T) []GPUCurve {
	t.Helper()
	f, err := os.Open(paperCurvesFile)
	if err != nil {
		t.Fatalf("the paper's curves are needed: %v", err)
	}
	defer f.Close()
	curves, err := ReadGPUCurves(f, paperCurvesFile)
	if err != nil {
		t.Fatal(err)
	}
	return curves
}

// The paper against itself: no difference anywhere, every policy
// within the tolerance, the same rankings.
func TestGPUStudyPaperAgainstItself(t *testing.T) {
	paper := readPaperCurves(t)
	if len(paper) != 1020 {
		t.Fatalf("%d paper curves, want 1020", len(paper))
	}
	rep, err := CompareGPUCurves(paper, paper, GPUStudyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Workloads) != 17 || len(rep.PaperOnlyWorkloads) != 0 || !rep.Passed() {
		t.Fatalf("%d workloads, %d paper-only, passed %v; want 17, 0, true",
			len(rep.Workloads), len(rep.PaperOnlyWorkloads), rep.Passed())
	}
	for _, w := range rep.Workloads {
		if len(w.Policies) != 6 || !w.RankingAgrees || len(w.OursRanking) != 6 || !slices.Equal(w.OursRanking, w.PaperRanking) {
			t.Errorf("%s: %d policies, rankings %v / %v (agree %v)", w.Workload, len(w.Policies), w.OursRanking, w.PaperRanking, w.RankingAgrees)
		}
		for _, p := range w.Policies {
			if p.Seeds != 10 || p.PaperSeeds != 10 || p.MaxAbsDiff != 0 || p.MeanAbsDiff != 0 || !p.WithinTolerance || p.PaperMissing {
				t.Errorf("%s %s: %d/%d seeds, max |diff| %v, mean %v, within %v",
					w.Workload, p.Policy, p.Seeds, p.PaperSeeds, p.MaxAbsDiff, p.MeanAbsDiff, p.WithinTolerance)
			}
		}
		if w.Workload == "openb_pod_list_default" && w.OursRanking[0] != "06-FGD" {
			t.Errorf("openb_pod_list_default ranks %s first, want 06-FGD (the paper's finding)", w.OursRanking[0])
		}
	}
}

// gpuWriteCurves are a small study: openb_pod_list_default compared,
// and a workload the paper does not have. Ours's second seed is off by
// 0.5 (FGD) and 2 (Random), so its means are off by 0.25 and 1 at
// every point; the values are exact in binary, so the first point is
// the largest difference.
func gpuWriteCurves() (ours, paper []GPUCurve) {
	for seed := int64(42); seed < 44; seed++ {
		for _, p := range []struct {
			policy        string
			plateau, step float64
		}{{"06-FGD", 94, 0.5}, {"01-Random", 87, 2}} {
			f := func(x int) float64 { return min(float64(x), p.plateau) }
			g := func(x int) float64 { return f(x) + p.step*float64(seed-42) }
			ours = append(ours, gpuTestCurve("openb_pod_list_default", p.policy, seed, g))
			paper = append(paper, gpuTestCurve("openb_pod_list_default", p.policy, seed, f))
		}
	}
	ours = append(ours, gpuTestCurve("zz only/..", "06-FGD", 1, gpuLinear(0.7, 0)))
	return ours, paper
}

func TestGPUStudyWritesReport(t *testing.T) {
	ours, paper := gpuWriteCurves()
	dir := filepath.Join(t.TempDir(), "study") // made by the build
	rep, err := BuildGPUStudyReport(ours, paper, dir, GPUStudyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Workloads) != 2 {
		t.Fatalf("%d workloads, want 2", len(rep.Workloads))
	}
	for _, name := range []string{GPUStudyMarkdownFile, GPUStudyHTMLFile, GPUStudyJSONFile,
		"plots/gpu-openb_pod_list_default-alloc.svg", "plots/gpu-openb_pod_list_default-zoom.svg",
		"plots/gpu-openb_pod_list_default-diff.svg", "plots/gpu-zz-only-..-alloc.svg",
		"tables/gpu-openb_pod_list_default-policies.csv", "tables/gpu-study-summary.csv"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s not written: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "plots/gpu-zz-only-..-diff.svg")); err == nil {
		t.Error("a difference plot was drawn for a workload the paper does not have")
	}

	page := readString(t, filepath.Join(dir, GPUStudyHTMLFile))
	for _, want := range []string{"<h2>openb_pod_list_default</h2>", `<figure id="plot-gpu-openb_pod_list_default-alloc">`,
		`<svg`, `aria-label="openb_pod_list_default: GPU allocation"`, "kubetwin: FGD &gt; Random; paper: FGD &gt; Random",
		"The paper has no curves for this workload"} {
		if !strings.Contains(page, want) {
			t.Errorf("gpu-study.html lacks %q", want)
		}
	}
	md := readString(t, filepath.Join(dir, GPUStudyMarkdownFile))
	for _, want := range []string{"## openb_pod_list_default", "| 01-Random | 2 | 2 | 1 | 0 | 1 | 88 | 87 | no |",
		"| 06-FGD | 2 | 2 | 0.25 | 0 | 0.25 | 94.25 | 94 | yes |", "![openb_pod_list_default: kubetwin − paper](plots/gpu-openb_pod_list_default-diff.svg)",
		"| zz only/.. | 1 | no paper curves |"} {
		if !strings.Contains(md, want) {
			t.Errorf("gpu-study.md lacks %q", want)
		}
	}

	var js struct {
		Tolerance float64 `json:"tolerance_pp"`
		Workloads []struct {
			Workload string `json:"workload"`
			Policies []struct {
				Policy     string     `json:"policy"`
				MaxAbsDiff *float64   `json:"max_abs_diff_pp"`
				Ours       []*float64 `json:"kubetwin_mean"`
			} `json:"policies"`
		} `json:"workloads"`
	}
	if err := json.Unmarshal([]byte(readString(t, filepath.Join(dir, GPUStudyJSONFile))), &js); err != nil {
		t.Fatal(err)
	}
	w := js.Workloads[0]
	if js.Tolerance != 0.5 || w.Workload != "openb_pod_list_default" || len(w.Policies) != 2 ||
		w.Policies[1].MaxAbsDiff == nil || *w.Policies[1].MaxAbsDiff != 0.25 || len(w.Policies[1].Ours) != CurvePoints {
		t.Errorf("gpu-study.json: %+v", js)
	}
	if p := js.Workloads[1].Policies[0]; p.MaxAbsDiff != nil {
		t.Errorf("gpu-study.json: max |diff| %v without paper curves, want null", *p.MaxAbsDiff)
	}
}

// Two builds of the same curves write the same bytes.
func TestGPUStudyIsDeterministic(t *testing.T) {
	ours, paper := gpuWriteCurves()
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if _, err := BuildGPUStudyReport(ours, paper, dir, GPUStudyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{GPUStudyMarkdownFile, GPUStudyHTMLFile, GPUStudyJSONFile,
		"plots/gpu-openb_pod_list_default-zoom.svg", "tables/gpu-openb_pod_list_default-policies.json"} {
		if readString(t, filepath.Join(a, name)) != readString(t, filepath.Join(b, name)) {
			t.Errorf("%s differs between two builds", name)
		}
	}
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestGPUStudyRejectsBadInput(t *testing.T) {
	ours, paper := gpuSyntheticCurves()
	dupOurs := append(slices.Clone(ours), ours[2], ours[2])
	dupPaper := append(slices.Clone(paper), paper[4])
	for _, c := range []struct {
		name        string
		ours, paper []GPUCurve
		opts        GPUStudyOptions
		want        []string
	}{
		{"no curves", nil, paper, GPUStudyOptions{}, []string{"no kubetwin curves"}},
		{"duplicates in ours", dupOurs, paper, GPUStudyOptions{},
			[]string{"kubetwin has duplicate", "w1/01-Random/seed 1 (3 curves)"}},
		{"duplicates in the paper", ours, dupPaper, GPUStudyOptions{},
			[]string{"paper has duplicate", "w2/06-FGD/seed 42 (2 curves)"}},
		{"negative tolerance", ours, paper, GPUStudyOptions{Tolerance: -1}, []string{"tolerance -1"}},
		{"no policy", []GPUCurve{gpuTestCurve("w", "", 1, gpuConst(1))}, nil, GPUStudyOptions{}, []string{"no policy"}},
	} {
		dir := filepath.Join(t.TempDir(), "out")
		_, err := BuildGPUStudyReport(c.ours, c.paper, dir, c.opts)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, want := range c.want {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q lacks %q", c.name, err, want)
			}
		}
		if _, statErr := os.Stat(dir); !errors.Is(statErr, fs.ErrNotExist) {
			t.Errorf("%s: %s was created though the input was rejected", c.name, dir)
		}
	}
}

func TestGPUStudyUnwritableDirectory(t *testing.T) {
	ours, paper := gpuWriteCurves()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(file, "study") // under a file: not even root can make it
	_, err := BuildGPUStudyReport(ours, paper, dir, GPUStudyOptions{})
	var pathErr *fs.PathError
	if err == nil || !errors.As(err, &pathErr) || !strings.Contains(err.Error(), "gpu study: write into "+dir) {
		t.Errorf("error %v, want a wrapped path error naming %s", err, dir)
	}
}

// Policies the paper puts within the tolerance of each other are ties:
// swapping them keeps the ranking's agreement beyond ties, swapping two
// the paper separates does not.
func TestGPUStudyRankingTies(t *testing.T) {
	curves := func(finals map[string]float64) []GPUCurve {
		var out []GPUCurve
		for _, p := range []string{"04-GpuPacking", "05-BestFit", "06-FGD"} {
			out = append(out, gpuTestCurve("w", p, 1, gpuConst(finals[p])))
		}
		return out
	}
	paper := curves(map[string]float64{"06-FGD": 95, "05-BestFit": 93.1, "04-GpuPacking": 92.8})
	for _, tc := range []struct {
		name             string
		ours             map[string]float64
		exact, ties, top bool
	}{
		{"same order", map[string]float64{"06-FGD": 95.2, "05-BestFit": 93.2, "04-GpuPacking": 92.7}, true, true, true},
		{"a tie swapped", map[string]float64{"06-FGD": 95.2, "05-BestFit": 92.7, "04-GpuPacking": 93.0}, false, true, true},
		{"a real gap swapped", map[string]float64{"06-FGD": 92.0, "05-BestFit": 93.2, "04-GpuPacking": 92.7}, false, false, false},
	} {
		rep, err := CompareGPUCurves(curves(tc.ours), paper, GPUStudyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		w := rep.Workloads[0]
		if w.RankingAgrees != tc.exact || w.RankingAgreesBeyondTies != tc.ties || w.SameTop != tc.top {
			t.Errorf("%s: agrees %v, beyond ties %v, same top %v; want %v, %v, %v", tc.name,
				w.RankingAgrees, w.RankingAgreesBeyondTies, w.SameTop, tc.exact, tc.ties, tc.top)
		}
	}
}
