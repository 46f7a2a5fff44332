// Package reports will turn a run's metrics into statistics, plots and
// Markdown/HTML/CSV/JSON reports (issue: reports). core/ never imports it.
package reports
