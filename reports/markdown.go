package reports

import (
	"bytes"
	"fmt"
	"strings"
)

// Markdown is report.md: the same sections as the HTML report, with
// the plots as links to plots/NAME.svg beside it.
func (rep *Report) Markdown() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n**%s**\n", mdText(rep.Title), mdText(rep.Verdict))
	for _, s := range rep.Sections {
		fmt.Fprintf(&b, "\n## %s\n", mdText(s.Title))
		for _, n := range s.Notes {
			fmt.Fprintf(&b, "\n%s\n", mdText(n))
		}
		for _, t := range s.Tables {
			writeMarkdownTable(&b, t)
		}
		for _, f := range s.Figures {
			fmt.Fprintf(&b, "\n![%s](%s/%s.svg)\n", mdText(f.Title), PlotsDir, f.Name)
			if f.Caption != "" {
				fmt.Fprintf(&b, "\n*%s*\n", mdText(f.Caption))
			}
		}
	}
	return b.Bytes()
}

func writeMarkdownTable(b *bytes.Buffer, t *Table) {
	fmt.Fprintf(b, "\n**%s** ([csv](%s/%s.csv), [json](%s/%s.json))\n\n", mdText(t.Title),
		TablesDir, t.Name, TablesDir, t.Name)
	if len(t.Rows) == 0 {
		b.WriteString("(none)\n")
		return
	}
	cells := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cells[i] = mdText(c.Title)
	}
	writeMarkdownRow(b, cells)
	for i := range t.Columns {
		cells[i] = "---"
		if numericColumn(t, i) {
			cells[i] = "---:"
		}
	}
	writeMarkdownRow(b, cells)
	for _, row := range t.Rows {
		for i, v := range row {
			cells[i] = mdText(v.Display())
		}
		writeMarkdownRow(b, cells)
	}
}

func writeMarkdownRow(b *bytes.Buffer, cells []string) {
	b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
}

// numericColumn reports whether every value of column i is a number,
// which reads best aligned right.
func numericColumn(t *Table, i int) bool {
	numbers := 0
	for _, row := range t.Rows {
		switch row[i].kind {
		case kindInteger, kindNumber:
			numbers++
		case kindMissing:
		default:
			return false
		}
	}
	return numbers > 0
}

// mdText keeps text from being read as Markdown table syntax or HTML.
var mdText = strings.NewReplacer("|", `\|`, "<", "&lt;", "\r\n", " ", "\n", " ").Replace
