package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"regexp"
	"strings"
)

// htmlPage is what the template needs: the report, with each figure's
// SVG ready to inline.
type htmlPage struct {
	*Report
	SVG map[string]template.HTML
}

// HTML is report.html: one self-contained page, its plots inline SVG
// and its style inline CSS, with no script and no URL to fetch, so that
// it reads the same offline, mailed or archived.
func (rep *Report) HTML() ([]byte, error) {
	page := htmlPage{Report: rep, SVG: map[string]template.HTML{}}
	for _, f := range rep.Figures() {
		svg, err := f.SVG()
		if err != nil {
			return nil, err
		}
		if svg, err = inlineSVG(svg, f.Title); err != nil {
			return nil, fmt.Errorf("plot %s: %w", f.Name, err)
		}
		// The SVG is the plotting library's output from our own data,
		// whose text it escapes; it is trusted as markup.
		page.SVG[f.Name] = template.HTML(svg)
	}
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, page); err != nil {
		return nil, fmt.Errorf("html: %w", err)
	}
	return b.Bytes(), nil
}

var nonAnchor = regexp.MustCompile(`[^a-z0-9]+`)

// anchor is a section's id for the page's table of contents.
func anchor(title string) string {
	return strings.Trim(nonAnchor.ReplaceAllString(strings.ToLower(title), "-"), "-")
}

// cellClass right-aligns numbers, as in report.md.
func cellClass(t *Table, i int) string {
	if numericColumn(t, i) {
		return "num"
	}
	return ""
}

// verdictClass colours a pass/FAIL cell.
func verdictClass(v Value) string {
	if v.kind != kindBool {
		return ""
	}
	if v.num != 0 {
		return "ok"
	}
	return "bad"
}

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"anchor": anchor, "cellClass": cellClass, "verdictClass": verdictClass,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; color: #222; background: #fff; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 1em 2em 3em; }
h1 { font-size: 1.6em; margin-bottom: 0.3em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
nav { font-size: 0.9em; color: #555; }
nav a { color: #345; margin-right: 0.8em; }
.verdict { font-weight: bold; padding: 0.4em 0.7em; display: inline-block; border-radius: 3px; }
.verdict.pass { background: #e3f1e6; color: #1d5b2b; }
.verdict.fail { background: #f8e1df; color: #8a1f11; }
.note { color: #555; font-size: 0.92em; }
table { border-collapse: collapse; margin: 0.8em 0 1.2em; font-size: 0.9em; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.3em; white-space: nowrap; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.ok { color: #1d5b2b; font-weight: bold; }
td.bad { color: #8a1f11; font-weight: bold; }
td { overflow-wrap: break-word; }
figure { margin: 1em 0 2em; }
figure svg { display: block; width: 100%; max-width: 900px; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #555; margin-top: 0.3em; }
</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
<p class="verdict {{if .Passed}}pass{{else}}fail{{end}}">{{.Verdict}}</p>
<nav>{{range .Sections}}<a href="#{{anchor .Title}}">{{.Title}}</a> {{end}}</nav>
{{- range .Sections}}
<section id="{{anchor .Title}}">
<h2>{{.Title}}</h2>
{{- range .Notes}}
<p class="note">{{.}}</p>
{{- end}}
{{- range $t := .Tables}}
<table id="table-{{$t.Name}}">
<caption>{{$t.Title}}</caption>
{{- if $t.Rows}}
<thead><tr>{{range $t.Columns}}<th>{{.Title}}</th>{{end}}</tr></thead>
<tbody>
{{- range $t.Rows}}
<tr>{{range $i, $v := .}}<td class="{{cellClass $t $i}} {{verdictClass $v}}">{{$v.Display}}</td>{{end}}</tr>
{{- end}}
</tbody>
{{- else}}
<tbody><tr><td>(none)</td></tr></tbody>
{{- end}}
</table>
{{- end}}
{{- range .Figures}}
<figure id="plot-{{.Name}}">
{{index $.SVG .Name}}
<figcaption>{{.Title}}{{if .Caption}}: {{.Caption}}{{end}}</figcaption>
</figure>
{{- end}}
</section>
{{- end}}
</main>
</body>
</html>
`))
