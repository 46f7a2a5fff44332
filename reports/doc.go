// Package reports turns one run directory (summary.json, pods.csv and,
// when the run wrote them, timeseries.csv and nodes.csv) into a report a
// person can read: statistics computed with gonum/stat, plots drawn with
// gonum/plot, and report.md, a self-contained report.html, plots/ (SVG
// and PNG) and tables/ (CSV and JSON) written beside the run's files.
//
// Reports are deterministic: the same run directory gives the same bytes
// in report.md, the tables and the SVG plots, so they can be compared
// across commits and kept as golden files. Its statistics helpers
// (Describe, MeanCI, ECDF, Rates) also serve comparisons across seeds.
//
// core/ never imports this package.
package reports
