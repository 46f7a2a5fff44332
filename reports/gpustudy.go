package reports

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The GPU-sharing study comparison: kubetwin's allocation curves
// against those published with Weng, Yang et al., "Beware of
// Fragmentation" (USENIX ATC '23), workload by workload and policy by
// policy, as mean curves over seeds.

// What BuildGPUStudyReport writes into its directory, beside the
// tables/ and plots/ that every report writes.
const (
	GPUStudyMarkdownFile = "gpu-study.md"
	GPUStudyHTMLFile     = "gpu-study.html"
	GPUStudyJSONFile     = "gpu-study.json"
)

// DefaultGPUTolerance is the tolerance, in percentage points, when
// GPUStudyOptions leaves it 0: the published values have two decimals
// and a reimplementation is not expected to match them to the digit.
const DefaultGPUTolerance = 0.5

// lastPoint is the curves' last point (130 % arrived), where the
// policies are ranked: there they have separated the most.
const lastPoint = CurvePoints - 1

// toleranceSlack absorbs the float noise of means over seeds, so that
// a difference of exactly the tolerance in two-decimal data counts as
// within it.
const toleranceSlack = 1e-9

// GPUStudyOptions tune the comparison.
type GPUStudyOptions struct {
	// Tolerance is the largest |kubetwin − paper| difference of mean
	// curves, in percentage points, at which a policy still matches;
	// 0 means DefaultGPUTolerance.
	Tolerance float64
}

// GPUStudyReport is the comparison of every workload kubetwin has
// curves for.
type GPUStudyReport struct {
	Tolerance float64                 // percentage points
	Workloads []GPUWorkloadComparison // by workload name; only workloads kubetwin has curves for
	// PaperOnlyWorkloads are the paper's workloads kubetwin has no
	// curves for, by name: not compared, but named so that a partial
	// run is not read as a complete one.
	PaperOnlyWorkloads []string
}

// GPUWorkloadComparison compares one workload's policies.
type GPUWorkloadComparison struct {
	Workload string
	Policies []GPUPolicyComparison // in study order (01..06), only policies kubetwin has curves for
	// OursRanking and PaperRanking order each side's policies by mean
	// allocation at 130 % arrived, highest first (ties in study order);
	// a policy whose mean curve has no point there is left out.
	// PaperRanking ranks every policy the paper has for the workload.
	OursRanking, PaperRanking []string
	// RankingAgrees is true when the two rankings, restricted to the
	// policies both rank, have the same order; false when they have no
	// policy in common (the paper has no curves, say).
	RankingAgrees bool
	// RankingAgreesBeyondTies relaxes RankingAgrees to the pairs of
	// policies whose paper means at 130 % lie more than the tolerance
	// apart: closer pairs are ties that the paper's own seeds could
	// order either way. SameTop is whether both rank the same policy first.
	RankingAgreesBeyondTies, SameTop bool
	PaperMissing                     bool // the paper has no curves for this workload
}

// GPUPolicyComparison compares one policy's mean curves on a workload.
type GPUPolicyComparison struct {
	Policy            string
	Seeds, PaperSeeds int // how many seed curves each side's mean is over
	// MaxAbsDiff is the largest |ours − paper| of the mean curves over
	// the points both have, AtPoint the first point where it is reached
	// and MeanAbsDiff the mean over those points; with no point in
	// common they are NaN, -1 and NaN.
	MaxAbsDiff  float64
	AtPoint     int
	MeanAbsDiff float64
	// OursFinal and PaperFinal are the mean curves at 130 % arrived,
	// NaN where a curve has no point there.
	OursFinal, PaperFinal float64
	// WithinTolerance is MaxAbsDiff <= the report's tolerance; false
	// when there is no point in common (the paper has no curve).
	WithinTolerance bool
	PaperMissing    bool // the paper has no curve of this policy on this workload
	Ours, Paper     GPUMeanCurve
}

// GPUMeanCurve is a point-wise mean over seed curves: Values[x] is the
// mean over the curves having point x, Has[x] false where none has it.
type GPUMeanCurve struct {
	Values [CurvePoints]float64
	Has    [CurvePoints]bool
}

// at is the curve's value at x, NaN where it has none.
func (m *GPUMeanCurve) at(x int) float64 {
	if !m.Has[x] {
		return math.NaN()
	}
	return m.Values[x]
}

// BuildGPUStudyReport compares kubetwin's curves (ours) with the
// paper's and writes gpu-study.md, gpu-study.html and gpu-study.json,
// with the figures in plots/ and the tables in tables/, into outDir.
// Nothing is written when the curves are rejected.
func BuildGPUStudyReport(ours, paper []GPUCurve, outDir string, opts GPUStudyOptions) (*GPUStudyReport, error) {
	rep, err := CompareGPUCurves(ours, paper, opts)
	if err != nil {
		return nil, err
	}
	if err := rep.Write(outDir); err != nil {
		return nil, err
	}
	return rep, nil
}

// CompareGPUCurves compares kubetwin's curves (ours) with the paper's
// without writing anything. It rejects an empty ours, a negative or
// non-finite tolerance, curves without workload or policy, and two
// curves of one (workload, policy, seed) on either side.
func CompareGPUCurves(ours, paper []GPUCurve, opts GPUStudyOptions) (*GPUStudyReport, error) {
	tol, err := opts.tolerance()
	if err != nil {
		return nil, err
	}
	if len(ours) == 0 {
		return nil, errors.New("gpu study: no kubetwin curves to compare")
	}
	og, err := groupCurves(ours, "kubetwin")
	if err != nil {
		return nil, err
	}
	pg, err := groupCurves(paper, "paper")
	if err != nil {
		return nil, err
	}
	rep := &GPUStudyReport{Tolerance: tol}
	for _, w := range sortedKeys(og) {
		rep.Workloads = append(rep.Workloads, compareWorkload(w, og[w], pg[w], tol))
	}
	for _, w := range sortedKeys(pg) {
		if _, ok := og[w]; !ok {
			rep.PaperOnlyWorkloads = append(rep.PaperOnlyWorkloads, w)
		}
	}
	return rep, nil
}

func (o GPUStudyOptions) tolerance() (float64, error) {
	switch {
	case math.IsNaN(o.Tolerance) || math.IsInf(o.Tolerance, 0) || o.Tolerance < 0:
		return 0, fmt.Errorf("gpu study: tolerance %v pp: want a finite number >= 0", o.Tolerance)
	case o.Tolerance == 0:
		return DefaultGPUTolerance, nil
	}
	return o.Tolerance, nil
}

// policyCurves are one workload's curves by policy, each sorted by
// seed so that means add in the same order whatever the input order.
type policyCurves map[string][]GPUCurve

// groupCurves groups curves by workload and policy. Two curves of one
// (workload, policy, seed) would weigh a seed twice in the mean, so
// they are an error naming every such triple; side names the input.
func groupCurves(curves []GPUCurve, side string) (map[string]policyCurves, error) {
	type key struct {
		workload, policy string
		seed             int64
	}
	count := map[key]int{}
	out := map[string]policyCurves{}
	for i, c := range curves {
		if c.Workload == "" || c.Policy == "" {
			return nil, fmt.Errorf("gpu study: %s curve %d (seed %d) has no workload or no policy", side, i+1, c.Seed)
		}
		count[key{c.Workload, c.Policy, c.Seed}]++
		if out[c.Workload] == nil {
			out[c.Workload] = policyCurves{}
		}
		out[c.Workload][c.Policy] = append(out[c.Workload][c.Policy], c)
	}
	var dups []string
	for k, n := range count {
		if n > 1 {
			dups = append(dups, fmt.Sprintf("%s/%s/seed %d (%d curves)", k.workload, k.policy, k.seed, n))
		}
	}
	if len(dups) > 0 {
		slices.Sort(dups)
		return nil, fmt.Errorf("gpu study: %s has duplicate (workload, policy, seed) curves: %s", side, strings.Join(dups, ", "))
	}
	for _, byPolicy := range out {
		for _, cs := range byPolicy {
			slices.SortFunc(cs, func(a, b GPUCurve) int { return cmp.Compare(a.Seed, b.Seed) })
		}
	}
	return out, nil
}

// compareWorkload compares ours's policies with the paper's (nil when
// the paper has none for the workload).
func compareWorkload(workload string, ours, paper policyCurves, tol float64) GPUWorkloadComparison {
	w := GPUWorkloadComparison{Workload: workload, PaperMissing: len(paper) == 0}
	oursMeans, paperMeans := meanCurves(ours), meanCurves(paper)
	for _, p := range studyOrder(sortedKeys(ours)) {
		pm, ok := paperMeans[p]
		w.Policies = append(w.Policies, comparePolicy(p, oursMeans[p], pm, len(ours[p]), len(paper[p]), !ok, tol))
	}
	w.OursRanking, w.PaperRanking = rankPolicies(oursMeans), rankPolicies(paperMeans)
	w.RankingAgrees = sameOrder(w.OursRanking, w.PaperRanking)
	w.RankingAgreesBeyondTies = w.RankingAgrees || pairsAgree(w.OursRanking, paperMeans, tol)
	w.SameTop = len(w.OursRanking) > 0 && len(w.PaperRanking) > 0 && w.OursRanking[0] == w.PaperRanking[0]
	return w
}

// pairsAgree reports whether every two policies both sides rank, whose
// paper means at 130 % differ by more than tol, are in the same order in
// ours; false when no pair is ranked on both sides.
func pairsAgree(ours []string, paperMeans map[string]GPUMeanCurve, tol float64) bool {
	var shared []string
	for _, p := range ours {
		if paperMeans[p].Has[lastPoint] {
			shared = append(shared, p)
		}
	}
	for i, a := range shared {
		for _, b := range shared[i+1:] { // a ranks above b in ours
			if paperMeans[b].Values[lastPoint]-paperMeans[a].Values[lastPoint] > tol+toleranceSlack {
				return false
			}
		}
	}
	return len(shared) > 1
}

func meanCurves(byPolicy policyCurves) map[string]GPUMeanCurve {
	out := make(map[string]GPUMeanCurve, len(byPolicy))
	for p, cs := range byPolicy {
		out[p] = meanCurve(cs)
	}
	return out
}

// meanCurve is the point-wise mean over the curves having each point:
// a seed whose run left a point empty does not pull the mean to 0.
func meanCurve(curves []GPUCurve) GPUMeanCurve {
	var m GPUMeanCurve
	for x := range CurvePoints {
		sum, n := 0.0, 0
		for i := range curves {
			if curves[i].Has[x] {
				sum += curves[i].Values[x]
				n++
			}
		}
		if n > 0 {
			m.Values[x], m.Has[x] = sum/float64(n), true
		}
	}
	return m
}

func comparePolicy(policy string, ours, paper GPUMeanCurve, seeds, paperSeeds int, paperMissing bool, tol float64) GPUPolicyComparison {
	pc := GPUPolicyComparison{Policy: policy, Seeds: seeds, PaperSeeds: paperSeeds, PaperMissing: paperMissing,
		Ours: ours, Paper: paper, OursFinal: ours.at(lastPoint), PaperFinal: paper.at(lastPoint)}
	pc.MaxAbsDiff, pc.AtPoint, pc.MeanAbsDiff = curveDistance(diffCurve(ours, paper))
	pc.WithinTolerance = pc.AtPoint >= 0 && pc.MaxAbsDiff <= tol+toleranceSlack
	return pc
}

// diffCurve is ours − paper at the points both have; a point only one
// side has says nothing about the difference and is left out.
func diffCurve(ours, paper GPUMeanCurve) GPUMeanCurve {
	var d GPUMeanCurve
	for x := range CurvePoints {
		if ours.Has[x] && paper.Has[x] {
			d.Values[x], d.Has[x] = ours.Values[x]-paper.Values[x], true
		}
	}
	return d
}

// curveDistance is the largest |d| with the first point reaching it,
// and the mean |d|; NaN, -1, NaN for a curve without points.
func curveDistance(d GPUMeanCurve) (maxAbs float64, at int, meanAbs float64) {
	maxAbs, at = math.NaN(), -1
	sum, n := 0.0, 0
	for x := range CurvePoints {
		if !d.Has[x] {
			continue
		}
		a := math.Abs(d.Values[x])
		if at < 0 || a > maxAbs {
			maxAbs, at = a, x
		}
		sum += a
		n++
	}
	if n == 0 {
		return maxAbs, at, math.NaN()
	}
	return maxAbs, at, sum / float64(n)
}

// studyRank orders policies as the study numbers them, then any other
// policy by name; known is the study's names, sorted.
func studyRank(known []string, p string) int {
	if i, ok := slices.BinarySearch(known, p); ok {
		return i
	}
	return len(known)
}

func studyPolicyOrder() []string {
	known := make([]string, 0, len(StudyPolicyNames))
	for _, p := range StudyPolicyNames {
		known = append(known, p)
	}
	slices.Sort(known) // the names are numbered 01..06
	return known
}

// studyOrder sorts policies in study order, in place, and returns them.
func studyOrder(policies []string) []string {
	known := studyPolicyOrder()
	slices.SortStableFunc(policies, func(a, b string) int {
		return cmp.Or(cmp.Compare(studyRank(known, a), studyRank(known, b)), strings.Compare(a, b))
	})
	return policies
}

// rankPolicies orders the policies having a point at 130 % by their
// mean there, highest first; equal means keep study order, so that the
// ranking does not depend on map order.
func rankPolicies(means map[string]GPUMeanCurve) []string {
	var ranked []string
	for _, p := range studyOrder(sortedKeys(means)) {
		if means[p].Has[lastPoint] {
			ranked = append(ranked, p)
		}
	}
	slices.SortStableFunc(ranked, func(a, b string) int {
		return cmp.Compare(means[b].Values[lastPoint], means[a].Values[lastPoint])
	})
	return ranked
}

// sameOrder reports whether a and b order the policies they share
// alike; with none shared there is nothing to agree on.
func sameOrder(a, b []string) bool {
	ca := slices.DeleteFunc(slices.Clone(a), func(p string) bool { return !slices.Contains(b, p) })
	cb := slices.DeleteFunc(slices.Clone(b), func(p string) bool { return !slices.Contains(a, p) })
	return len(ca) > 0 && slices.Equal(ca, cb)
}

// AllWithinTolerance reports whether every policy of the workload is
// within the tolerance at every point both sides have.
func (w *GPUWorkloadComparison) AllWithinTolerance() bool {
	if w.PaperMissing || len(w.Policies) == 0 {
		return false
	}
	for _, p := range w.Policies {
		if !p.WithinTolerance {
			return false
		}
	}
	return true
}

// Passed reports whether every workload is within the tolerance for
// every policy and ranks the policies as the paper does.
func (r *GPUStudyReport) Passed() bool {
	for i := range r.Workloads {
		if !r.Workloads[i].AllWithinTolerance() || !r.Workloads[i].RankingAgreesBeyondTies {
			return false
		}
	}
	return len(r.Workloads) > 0
}

// Write writes the report into dir (created if need be): gpu-study.md,
// a self-contained gpu-study.html, gpu-study.json, the figures as
// plots/gpu-*.svg and .png and the tables as tables/gpu-*.csv and
// .json, the layout of the other reports. The pages and the JSON are
// made before the first file is written, so that a plotting error
// leaves dir as it was.
func (r *GPUStudyReport) Write(dir string) error {
	doc, err := r.document()
	if err != nil {
		return fmt.Errorf("gpu study: %w", err)
	}
	page, err := doc.HTML()
	if err != nil {
		return fmt.Errorf("gpu study: %w", err)
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("gpu study: json: %w", err)
	}
	files := []struct {
		name string
		data []byte
	}{{GPUStudyMarkdownFile, doc.Markdown()}, {GPUStudyHTMLFile, page}, {GPUStudyJSONFile, append(js, '\n')}}
	if err := doc.writeFiles(dir); err != nil {
		return fmt.Errorf("gpu study: write into %s: %w", dir, err)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return fmt.Errorf("gpu study: write into %s: %w", dir, err)
		}
	}
	return nil
}

// writeFiles writes the document's tables and plots as Report.Write
// does, without its report.md and report.html, whose names belong to
// a run's own report.
func (doc *Report) writeFiles(dir string) error {
	for _, sub := range []string{PlotsDir, TablesDir} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	if err := doc.writeTables(dir); err != nil {
		return err
	}
	return doc.writePlots(dir)
}

const gpuStudyTitle = "kubetwin against the paper: GPU allocation under GPU sharing"

// document lays the report out as the other reports are, so that it
// is rendered by the same Markdown and HTML code.
func (r *GPUStudyReport) document() (*Report, error) {
	doc := &Report{Title: gpuStudyTitle, Passed: r.Passed(), Verdict: r.verdict()}
	doc.Sections = []*Section{r.summarySection()}
	for i := range r.Workloads {
		sec, err := r.workloadSection(&r.Workloads[i])
		if err != nil {
			return nil, err
		}
		doc.Sections = append(doc.Sections, sec)
	}
	return doc, doc.check()
}

func (r *GPUStudyReport) verdict() string {
	within, agree := r.matching()
	ties, top := r.looseAgreement()
	n := len(r.Workloads)
	return fmt.Sprintf("%d of %d workloads within ±%s pp of the paper at every point for every policy; "+
		"the policies rank as in the paper in %d of %d (%d counting as ties the policies the paper puts "+
		"within the tolerance of each other), the same one first in %d", len(within), n, pp(r.Tolerance),
		len(agree), n, ties, top)
}

// looseAgreement counts the workloads whose rankings agree up to ties,
// and those whose rankings have the same policy first.
func (r *GPUStudyReport) looseAgreement() (ties, top int) {
	for i := range r.Workloads {
		if r.Workloads[i].RankingAgreesBeyondTies {
			ties++
		}
		if r.Workloads[i].SameTop {
			top++
		}
	}
	return ties, top
}

// matching are the workloads within the tolerance for every policy,
// and those whose rankings agree.
func (r *GPUStudyReport) matching() (within, agree []string) {
	for i := range r.Workloads {
		w := &r.Workloads[i]
		if w.AllWithinTolerance() {
			within = append(within, w.Workload)
		}
		if w.RankingAgrees {
			agree = append(agree, w.Workload)
		}
	}
	return within, agree
}

// pp prints percentage points without trailing zeros.
func pp(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func (r *GPUStudyReport) summarySection() *Section {
	sec := &Section{Title: "Summary"}
	tol := pp(r.Tolerance)
	sec.note("GPU allocation ratio after each 1 %% of the cluster's GPU capacity has arrived (0–130 %%), "+
		"as in Weng, Yang et al., “Beware of Fragmentation” (USENIX ATC '23). Each side's curve is the "+
		"point-wise mean over its seeds. A policy matches when kubetwin's mean is within ±%s pp of the "+
		"paper's at every point both have; the policies are ranked by their mean at 130 %% arrived.", tol)
	within, agree := r.matching()
	var differ, missing []string
	for i := range r.Workloads {
		w := &r.Workloads[i]
		if w.PaperMissing {
			missing = append(missing, w.Workload)
		} else if !w.RankingAgrees {
			differ = append(differ, w.Workload)
		}
	}
	n := len(r.Workloads)
	sec.note("Within ±%s pp at every point for every policy: %d of %d workloads%s.", tol, len(within), n, listed(within))
	sec.note("Rankings at 130 %% arrived agree in %d of %d workloads%s.", len(agree), n, listed(agree))
	ties, top := r.looseAgreement()
	sec.note("Counting as ties the policies the paper puts within ±%s pp of each other, they agree in %d of %d; "+
		"the same policy ranks first in %d of %d.", tol, ties, n, top, n)
	if len(differ) > 0 {
		sec.note("Rankings differ at all in: %s.", strings.Join(differ, ", "))
	}
	if len(missing) > 0 {
		sec.note("The paper has no curves for: %s; these are shown for kubetwin only.", strings.Join(missing, ", "))
	}
	if len(r.PaperOnlyWorkloads) > 0 {
		sec.note("Not compared, kubetwin has no curves for them: %s.", strings.Join(r.PaperOnlyWorkloads, ", "))
	}
	sec.Tables = []*Table{r.summaryTable()}
	return sec
}

// listed is ": a, b" after a count, or nothing for none.
func listed(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return ": " + strings.Join(names, ", ")
}

func (r *GPUStudyReport) summaryTable() *Table {
	t := &Table{Name: "gpu-study-summary", Title: "Workloads", Columns: []Column{{"workload", "workload"},
		{"policies", "policies"}, {"within_tolerance", "policies within ±" + pp(r.Tolerance) + " pp"},
		{"worst_max_abs_diff_pp", "worst max |diff| pp"}, {"worst_policy", "worst policy"},
		{"ranking_agrees", "ranking agrees"}}}
	for i := range r.Workloads {
		w := &r.Workloads[i]
		row := []Value{Text(w.Workload), Int(len(w.Policies))}
		if w.PaperMissing {
			none := Missing("no paper curves")
			t.Rows = append(t.Rows, append(row, none, Missing(""), Missing(""), none))
			continue
		}
		n, worst := 0, -1
		for j, p := range w.Policies {
			if p.WithinTolerance {
				n++
			}
			if p.AtPoint >= 0 && (worst < 0 || p.MaxAbsDiff > w.Policies[worst].MaxAbsDiff) {
				worst = j
			}
		}
		row = append(row, Int(n))
		if worst < 0 {
			row = append(row, Missing("no common point"), Missing(""))
		} else {
			row = append(row, Num(w.Policies[worst].MaxAbsDiff, FormatNumber), Text(w.Policies[worst].Policy))
		}
		agrees := Bool(w.RankingAgrees, "yes", "no")
		if !w.RankingAgrees && w.RankingAgreesBeyondTies {
			agrees = Text("up to ties")
		}
		t.Rows = append(t.Rows, append(row, agrees))
	}
	return t
}

func (r *GPUStudyReport) workloadSection(w *GPUWorkloadComparison) (*Section, error) {
	sec := &Section{Title: w.Workload}
	var noPaper []string
	for _, p := range w.Policies {
		if p.PaperMissing {
			noPaper = append(noPaper, p.Policy)
		}
	}
	switch {
	case w.PaperMissing:
		sec.note("The paper has no curves for this workload: kubetwin's are shown alone and nothing is compared.")
	case len(noPaper) > 0:
		sec.note("The paper has no curve for %s on this workload: shown for kubetwin only.", strings.Join(noPaper, ", "))
	}
	sec.note("%s", rankingLine(w))
	sec.Tables = []*Table{r.policyTable(w)}
	figs, err := gpuFigures(w, r.Tolerance)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", w.Workload, err)
	}
	for _, f := range figs {
		if err := sec.addFigure(f, nil); err != nil {
			return nil, err
		}
	}
	return sec, nil
}

// rankingLine is "kubetwin: FGD > BestFit > ...; paper: ..." with the
// verdict on their order.
func rankingLine(w *GPUWorkloadComparison) string {
	line := "Ranking by mean allocation at 130 % arrived — kubetwin: " + rankingText(w.OursRanking)
	if w.PaperMissing {
		return line + "; paper: no curves."
	}
	line += "; paper: " + rankingText(w.PaperRanking)
	switch {
	case w.RankingAgrees:
		return line + " — the same order."
	case w.RankingAgreesBeyondTies:
		return line + " — the same order but for policies the paper itself puts within the tolerance of each other."
	}
	return line + " — a different order."
}

func rankingText(ranking []string) string {
	if len(ranking) == 0 {
		return "none (no policy has a point at 130 %)"
	}
	short := make([]string, len(ranking))
	for i, p := range ranking {
		short[i] = shortPolicy(p)
	}
	return strings.Join(short, " > ")
}

// shortPolicy drops the study's folder number: "06-FGD" is "FGD".
func shortPolicy(p string) string {
	if num, name, ok := strings.Cut(p, "-"); ok && num != "" && strings.Trim(num, "0123456789") == "" {
		return name
	}
	return p
}

func (r *GPUStudyReport) policyTable(w *GPUWorkloadComparison) *Table {
	tol := pp(r.Tolerance)
	t := &Table{Name: "gpu-" + fileSafe(w.Workload) + "-policies", Title: w.Workload + ": kubetwin − paper, mean curves",
		Columns: []Column{{"policy", "policy"}, {"seeds", "seeds (kubetwin)"}, {"paper_seeds", "seeds (paper)"},
			{"max_abs_diff_pp", "max |diff| pp"}, {"at_point", "at arrived %"}, {"mean_abs_diff_pp", "mean |diff| pp"},
			{"kubetwin_final", "final kubetwin %"}, {"paper_final", "final paper %"},
			{"within_tolerance", "within ±" + tol + " pp"}}}
	for _, p := range w.Policies {
		row := []Value{Text(p.Policy), Int(p.Seeds), Int(p.PaperSeeds)}
		if p.AtPoint < 0 {
			row = append(row, Missing("-"), Missing("-"), Missing("-"))
		} else {
			row = append(row, Num(p.MaxAbsDiff, FormatNumber), Int(p.AtPoint), Num(p.MeanAbsDiff, FormatNumber))
		}
		row = append(row, Num(p.OursFinal, FormatNumber), Num(p.PaperFinal, FormatNumber))
		switch {
		case p.PaperMissing:
			row = append(row, Missing("no paper curve"))
		case p.AtPoint < 0:
			row = append(row, Missing("no common point"))
		default:
			row = append(row, Bool(p.WithinTolerance, "yes", "no"))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

var notFileSafe = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// fileSafe makes a workload name fit a file name: the names come from
// a CSV file and must not reach outside the plots and tables folders.
func fileSafe(s string) string { return notFileSafe.ReplaceAllString(s, "-") }

// MarshalJSON writes the report with snake_case keys, a missing number
// (NaN) as null and the mean curves as arrays of 131 values with null
// for the points they lack.
func (r GPUStudyReport) MarshalJSON() ([]byte, error) {
	out := gpuStudyJSON{TolerancePP: r.Tolerance, Passed: r.Passed(),
		Workloads: []gpuWorkloadJSON{}, PaperOnlyWorkloads: nonNil(r.PaperOnlyWorkloads)}
	for i := range r.Workloads {
		w := &r.Workloads[i]
		wj := gpuWorkloadJSON{Workload: w.Workload, PaperMissing: w.PaperMissing,
			AllWithinTolerance: w.AllWithinTolerance(), RankingAgrees: w.RankingAgrees,
			RankingAgreesBeyondTies: w.RankingAgreesBeyondTies, SameTop: w.SameTop,
			OursRanking: nonNil(w.OursRanking), PaperRanking: nonNil(w.PaperRanking), Policies: []gpuPolicyJSON{}}
		for j := range w.Policies {
			wj.Policies = append(wj.Policies, policyJSON(&w.Policies[j]))
		}
		out.Workloads = append(out.Workloads, wj)
	}
	return json.Marshal(out)
}

type gpuStudyJSON struct {
	TolerancePP        float64           `json:"tolerance_pp"`
	Passed             bool              `json:"passed"`
	Workloads          []gpuWorkloadJSON `json:"workloads"`
	PaperOnlyWorkloads []string          `json:"paper_only_workloads"`
}

type gpuWorkloadJSON struct {
	Workload                string          `json:"workload"`
	PaperMissing            bool            `json:"paper_missing"`
	AllWithinTolerance      bool            `json:"all_within_tolerance"`
	RankingAgrees           bool            `json:"ranking_agrees"`
	RankingAgreesBeyondTies bool            `json:"ranking_agrees_beyond_ties"`
	SameTop                 bool            `json:"same_top"`
	OursRanking             []string        `json:"kubetwin_ranking"`
	PaperRanking            []string        `json:"paper_ranking"`
	Policies                []gpuPolicyJSON `json:"policies"`
}

type gpuPolicyJSON struct {
	Policy          string     `json:"policy"`
	Seeds           int        `json:"seeds"`
	PaperSeeds      int        `json:"paper_seeds"`
	PaperMissing    bool       `json:"paper_missing"`
	MaxAbsDiff      *float64   `json:"max_abs_diff_pp"`
	AtPoint         *int       `json:"at_point"`
	MeanAbsDiff     *float64   `json:"mean_abs_diff_pp"`
	OursFinal       *float64   `json:"kubetwin_final"`
	PaperFinal      *float64   `json:"paper_final"`
	WithinTolerance bool       `json:"within_tolerance"`
	Ours            []*float64 `json:"kubetwin_mean"`
	Paper           []*float64 `json:"paper_mean"`
}

func policyJSON(p *GPUPolicyComparison) gpuPolicyJSON {
	pj := gpuPolicyJSON{Policy: p.Policy, Seeds: p.Seeds, PaperSeeds: p.PaperSeeds, PaperMissing: p.PaperMissing,
		MaxAbsDiff: jsonNumber(p.MaxAbsDiff), MeanAbsDiff: jsonNumber(p.MeanAbsDiff),
		OursFinal: jsonNumber(p.OursFinal), PaperFinal: jsonNumber(p.PaperFinal),
		WithinTolerance: p.WithinTolerance, Ours: curveJSON(&p.Ours), Paper: curveJSON(&p.Paper)}
	if p.AtPoint >= 0 {
		pj.AtPoint = &p.AtPoint
	}
	return pj
}

// jsonNumber is x rounded to six decimals, as the tables are (float
// noise in the last bits would change the file), or nil for NaN.
func jsonNumber(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	r := math.Round(x*1e6) / 1e6
	return &r
}

func curveJSON(c *GPUMeanCurve) []*float64 {
	out := make([]*float64, CurvePoints)
	for x := range CurvePoints {
		out[x] = jsonNumber(c.at(x))
	}
	return out
}

// nonNil makes an empty list [] in JSON rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
