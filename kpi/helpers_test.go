package kpi

import (
	"strconv"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the host having zoneinfo
)

// loadZoneT is for fixed zone names known to exist in the embedded tzdata.
func loadZoneT(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

// d is a terse Date literal for tables.
func ymd(y int, m time.Month, day int) Date { return Date{Year: y, Month: m, Day: day} }

// fmtFloat names subtests after a float.
func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
