package rituals

import (
	"testing"
	"time"
)

// paris and newYork are the zones the tests schedule in: the team's, and a
// rep abroad whose reminders follow the rep's own clock.
var (
	paris   = mustZone("Europe/Paris")
	newYork = mustZone("America/New_York")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at builds a local time in Paris, the zone most tests reason in.
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, paris)
}

func mustSchedule(t *testing.T, spec string, loc *time.Location) Schedule {
	t.Helper()
	s, err := ParseSchedule(spec, loc)
	if err != nil {
		t.Fatalf("ParseSchedule(%q): %v", spec, err)
	}
	return s
}

// local formats t as the schedule's reader sees it.
func local(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2006-01-02 15:04 MST")
}
