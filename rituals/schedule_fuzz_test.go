package rituals

import (
	"errors"
	"testing"
	"time"
)

// FuzzParseSchedule checks that a schedule is refused with a
// *ScheduleError, or accepted and then runs at most once a local day,
// strictly later each time, and that parsing decides the same way twice.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{
		"30 9 * * 1", "@weekly", "@daily", "@every 1h", "mon 09:30", "lun 9h30", "lun-ven 17:30", "weekdays 17:30",
		"jours ouvrés 17:30", "mon,thu 9h", "tous 8:00", "0 0 30 2 *", "* * * * *", "TZ=Europe/Paris 0 9 * * 1",
		"dim 25:00", "mon 09:60", "0 8 * * 1-5", "", " ", "lun-", "\xff 9h",
	} {
		f.Add(s)
	}
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := ParseSchedule(spec, loc)
		_, err2 := ParseSchedule(spec, loc)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("ParseSchedule(%q) is not deterministic", spec)
		}
		if err != nil {
			var se *ScheduleError
			if !errors.As(err, &se) {
				t.Fatalf("ParseSchedule(%q) failed with %T, want a *ScheduleError", spec, err)
			}
			return
		}
		from := time.Date(2026, time.March, 20, 0, 0, 0, 0, loc) // across a DST change
		prev := from
		days := map[string]bool{}
		for range 12 {
			n := s.Next(prev)
			if n.IsZero() {
				break
			}
			if !n.After(prev) {
				t.Fatalf("%q: Next(%v) = %v, not later", spec, prev, n)
			}
			day := n.In(loc).Format(time.DateOnly)
			if days[day] {
				t.Fatalf("%q runs twice on %s", spec, day)
			}
			days[day] = true
			prev = n
		}
	})
}
