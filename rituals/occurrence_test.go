package rituals

import (
	"slices"
	"testing"
	"time"
)

func TestOccurrenceID(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"team ritual", OccurrenceID("T1", "M1", Digest, "2026-11-23"), "T1/M1/digest/2026-11-23"},
		{"per-rep ritual", OccurrenceID("T1", "M1", Reminder, "2026-11-23/U123"), "T1/M1/reminder/2026-11-23/U123"},
		{"job, team", Job{Workspace: "T1", Team: "M1", Ritual: Review, Schedule: mustSchedule(t, "mon 09:30", paris)}.OccurrenceID(at(2026, time.November, 23, 9, 30)),
			"T1/M1/review/2026-11-23"},
		// 23:30 in New York is already the 24th in UTC and Paris: the
		// period is the rep's date.
		{"job, rep abroad", Job{Workspace: "T1", Team: "M1", Ritual: Reminder, Target: "U2", Schedule: mustSchedule(t, "weekdays 23:30", newYork)}.OccurrenceID(time.Date(2026, 11, 23, 23, 30, 0, 0, newYork)),
			"T1/M1/reminder/2026-11-23/U2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestDue(t *testing.T) {
	digest := DefaultSpec(Digest)     // mon 08:00
	reminder := DefaultSpec(Reminder) // weekdays 17:30
	sixHours := DefaultGrace(Digest)
	holidays := FrenchHolidays(2026)
	run := func(at time.Time) Decision { return Decision{At: at, Run: true} }
	skip := func(at time.Time, reason string) Decision { return Decision{At: at, Reason: reason} }
	mon := func(hh, mm int) time.Time { return at(2026, time.November, 23, hh, mm) }
	tests := []struct {
		name      string
		spec      string
		last, now time.Time
		grace     time.Duration
		want      []Decision
	}{
		{"on time", digest, mon(7, 59), mon(8, 0), sixHours, []Decision{run(mon(8, 0))}},
		{"catch-up inside grace: down 07:00-10:00", digest, mon(7, 0), mon(10, 0), sixHours, []Decision{run(mon(8, 0))}},
		{"grace boundary is inside", digest, mon(7, 0), mon(14, 0), sixHours, []Decision{run(mon(8, 0))}},
		{"outside grace: down until 15:00", digest, mon(7, 0), mon(15, 0), sixHours, []Decision{skip(mon(8, 0), ReasonOutsideGrace)}},
		{"already decided", digest, mon(8, 0), mon(9, 0), sixHours, nil},
		{"zero last is now minus grace", digest, time.Time{}, mon(10, 0), sixHours, []Decision{run(mon(8, 0))}},
		{"reminder on time", reminder, mon(17, 29), mon(17, 30), 0, []Decision{run(mon(17, 30))}},
		{"reminder within tolerance", reminder, mon(17, 0), mon(17, 31), 0, []Decision{run(mon(17, 30))}},
		{"reminder missed by 5 minutes", reminder, mon(17, 0), mon(17, 35), 0, []Decision{skip(mon(17, 30), ReasonOutsideGrace)}},
		{"holiday: Ascension", reminder, at(2026, time.May, 14, 17, 0), at(2026, time.May, 14, 17, 30), 0,
			[]Decision{skip(at(2026, time.May, 14, 17, 30), ReasonHoliday)}},
		{"holiday wins over grace", reminder, at(2026, time.May, 14, 17, 0), at(2026, time.May, 14, 20, 0), 0,
			[]Decision{skip(at(2026, time.May, 14, 17, 30), ReasonHoliday)}},
		{"long downtime, oldest first", reminder, at(2026, time.November, 20, 17, 0), mon(17, 30), 0,
			[]Decision{skip(at(2026, time.November, 20, 17, 30), ReasonOutsideGrace), run(mon(17, 30))}},
		{"weeks down", digest, at(2026, time.November, 1, 0, 0), mon(9, 0), sixHours,
			[]Decision{
				skip(at(2026, time.November, 2, 8, 0), ReasonOutsideGrace),
				skip(at(2026, time.November, 9, 8, 0), ReasonOutsideGrace),
				skip(at(2026, time.November, 16, 8, 0), ReasonOutsideGrace),
				run(mon(8, 0)),
			}},
		{"downtime over a holiday", reminder, at(2026, time.November, 10, 18, 0), at(2026, time.November, 12, 17, 30), 0,
			[]Decision{skip(at(2026, time.November, 11, 17, 30), ReasonHoliday), run(at(2026, time.November, 12, 17, 30))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Due(mustSchedule(t, tt.spec, paris), tt.last, tt.now, tt.grace, holidays)
			if !slices.EqualFunc(got, tt.want, func(a, b Decision) bool { return a.At.Equal(b.At) && a.Run == b.Run && a.Reason == b.Reason }) {
				t.Fatalf("Due =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}
