// Package kpi holds the domain logic of kpibot that has no I/O: the metrics
// a sales rep logs, civil dates, and the parser for the text of /log.
//
// Everything here is deterministic: the current instant is always passed in
// by the caller, so the same input always gives the same result and tests
// need no fake clock.
package kpi
