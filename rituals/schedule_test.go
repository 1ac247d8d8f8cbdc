package rituals

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	from := at(2026, time.November, 22, 0, 0) // a Sunday
	mon0930 := []string{"Mon 2026-11-23 09:30 CET", "Mon 2026-11-30 09:30 CET", "Mon 2026-12-07 09:30 CET"}
	weekdays1730 := []string{"Mon 2026-11-23 17:30 CET", "Tue 2026-11-24 17:30 CET", "Wed 2026-11-25 17:30 CET", "Thu 2026-11-26 17:30 CET", "Fri 2026-11-27 17:30 CET", "Mon 2026-11-30 17:30 CET"}
	monThu0800 := []string{"Mon 2026-11-23 08:00 CET", "Thu 2026-11-26 08:00 CET", "Mon 2026-11-30 08:00 CET"}
	daily0230 := []string{"Sun 2026-11-22 02:30 CET", "Mon 2026-11-23 02:30 CET", "Tue 2026-11-24 02:30 CET"}
	tests := []struct {
		spec string
		want []string // the next runs after from; nil means refused
	}{
		{"30 9 * * 1", mon0930},
		{"  30 9 * * mon ", mon0930},
		{"mon 09:30", mon0930},
		{"Monday 9:30", mon0930},
		{"lun 9h30", mon0930},
		{"Lundi 09H30", mon0930},
		{"30 17 * * 1-5", weekdays1730},
		{"weekdays 17:30", weekdays1730},
		{"semaine 17h30", weekdays1730},
		{"jours ouvrés 17:30", weekdays1730},
		{"Jours ouvrables 17h30", weekdays1730},
		{"lun. 09:30", mon0930},
		{"Mon 9:30", mon0930},
		{"lun., jeu. 08:00", monThu0800},
		{"Mon, Thu 08:00", monThu0800},
		{"tous les jours 02:30", daily0230},
		{"lun-ven 17:30", weekdays1730},
		{"mon,tue,wed,thu,fri 17:30", weekdays1730},
		{"0 8 * * 1,4", monThu0800},
		{"mon,thu 08:00", monThu0800},
		{"lun, jeu 8h", monThu0800},
		{"daily 02:30", daily0230},
		{"tous 2h30", daily0230},
		{"30 2 * * *", daily0230},
		{"@weekly", []string{"Sun 2026-11-29 00:00 CET", "Sun 2026-12-06 00:00 CET"}},
		{"fri-mon 12:00", []string{"Sun 2026-11-22 12:00 CET", "Mon 2026-11-23 12:00 CET", "Fri 2026-11-27 12:00 CET"}},
		{"0 9 29 2 *", []string{"Tue 2028-02-29 09:00 CET"}},

		{"", nil},
		{"every day", nil},
		{"mon 25:00", nil},
		{"mon 09:60", nil},
		{"mon 9", nil},
		{"mon -1:30", nil},
		{"funday 09:00", nil},
		{"mon-weekdays 09:00", nil},
		{"09:30", nil},
		{"mon", nil},
		{"30 9 * *", nil},
		{"*/5 * * * *", nil},
		{"0 9,17 * * *", nil},
		{"@hourly", nil},
		{"@every 1h", nil},
		{"TZ=Europe/Paris 30 9 * * 1", nil},
		{"CRON_TZ=Europe/Paris", nil},
		{"0 9 30 2 *", nil},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s, err := ParseSchedule(tt.spec, paris)
			if tt.want == nil {
				var se *ScheduleError
				if !errors.As(err, &se) {
					t.Fatalf("ParseSchedule(%q) = %v, %v; want a *ScheduleError", tt.spec, s.Spec, err)
				}
				if want := strings.TrimSpace(tt.spec); se.Spec != want {
					t.Errorf("ScheduleError.Spec = %q, want %q", se.Spec, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSchedule(%q): %v", tt.spec, err)
			}
			if s.Spec != strings.TrimSpace(tt.spec) || s.Loc != paris {
				t.Errorf("Schedule = {%q, %v}, want {%q, %v}", s.Spec, s.Loc, strings.TrimSpace(tt.spec), paris)
			}
			var got []string
			for n := s.Next(from); len(got) < len(tt.want); n = s.Next(n) {
				got = append(got, local(n, paris))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("runs = %q\nwant   %q", got, tt.want)
			}
		})
	}
}

func TestParseScheduleNilLocation(t *testing.T) {
	s := mustSchedule(t, "mon 09:30", nil)
	got := s.Next(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("Next = %v, want %v (UTC)", got, want)
	}
}

// TestNextDST pins the schedule across Paris's 2026 DST changes, Sunday
// 2026-03-29 (02:00 CET → 03:00 CEST) and Sunday 2026-10-25 (03:00 CEST →
// 02:00 CET).
func TestNextDST(t *testing.T) {
	tests := []struct {
		name, spec string
		from       time.Time
		want       []time.Time // as instants, so the offset is checked too
	}{
		{"mon 09:30 after spring forward stays 09:30 local", "mon 09:30", at(2026, time.March, 28, 12, 0),
			[]time.Time{time.Date(2026, 3, 30, 7, 30, 0, 0, time.UTC), time.Date(2026, 4, 6, 7, 30, 0, 0, time.UTC)}},
		{"mon 09:30 after fall back stays 09:30 local", "mon 09:30", at(2026, time.October, 24, 12, 0),
			[]time.Time{time.Date(2026, 10, 26, 8, 30, 0, 0, time.UTC), time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)}},
		// robfig/cron walks the local hours of 2026-03-29, which go 01 →
		// 03, so 02:30 never matches: there is no run that day at all,
		// not a run at 03:00 or 03:30.
		{"daily 02:30 has no run on the spring-forward day", "daily 02:30", at(2026, time.March, 28, 3, 0),
			[]time.Time{time.Date(2026, 3, 30, 0, 30, 0, 0, time.UTC), time.Date(2026, 3, 31, 0, 30, 0, 0, time.UTC)}},
		// robfig/cron would return both 02:30 CEST and 02:30 CET on
		// 2026-10-25; Next keeps the first only.
		{"daily 02:30 runs once on the fall-back day", "daily 02:30", at(2026, time.October, 24, 3, 0),
			[]time.Time{time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), time.Date(2026, 10, 26, 1, 30, 0, 0, time.UTC)}},
		{"weekdays 17:30 in New York follows the rep's clock", "weekdays 17:30", time.Date(2026, 3, 6, 18, 0, 0, 0, newYork),
			[]time.Time{time.Date(2026, 3, 9, 21, 30, 0, 0, time.UTC), time.Date(2026, 3, 10, 21, 30, 0, 0, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := paris
			if tt.from.Location() == newYork {
				loc = newYork
			}
			s := mustSchedule(t, tt.spec, loc)
			n := tt.from
			for i, want := range tt.want {
				n = s.Next(n)
				if !n.Equal(want) {
					t.Fatalf("run %d = %s, want %s", i, local(n, loc), local(want, loc))
				}
			}
		})
	}
}

// TestNextRawCronFallBack documents what Next protects against: the cron
// library on its own fires twice on the fall-back day.
func TestNextRawCronFallBack(t *testing.T) {
	s := mustSchedule(t, "daily 02:30", paris)
	first := s.sched.Next(at(2026, time.October, 24, 3, 0))
	second := s.sched.Next(first)
	if local(first, paris) != "Sun 2026-10-25 02:30 CEST" || local(second, paris) != "Sun 2026-10-25 02:30 CET" {
		t.Fatalf("robfig/cron gives %s then %s; the fall-back guard in Next may no longer be needed", local(first, paris), local(second, paris))
	}
}

func TestNextZeroSchedule(t *testing.T) {
	if n := (Schedule{}).Next(at(2026, time.November, 23, 0, 0)); !n.IsZero() {
		t.Fatalf("zero Schedule Next = %v, want zero", n)
	}
}

func TestDefaults(t *testing.T) {
	tests := []struct {
		ritual Ritual
		spec   string
		grace  time.Duration
	}{
		{Digest, "mon 08:00", 6 * time.Hour},
		{Review, "mon 09:30", 6 * time.Hour},
		{Reminder, "weekdays 17:30", 0},
		{Alert, "weekdays 18:00", 6 * time.Hour},
		{Coaching, "mon 10:00", 6 * time.Hour},
		{"standup", "", 0},
	}
	for _, tt := range tests {
		t.Run(string(tt.ritual), func(t *testing.T) {
			if got := DefaultSpec(tt.ritual); got != tt.spec {
				t.Errorf("DefaultSpec = %q, want %q", got, tt.spec)
			}
			if got := DefaultGrace(tt.ritual); got != tt.grace {
				t.Errorf("DefaultGrace = %v, want %v", got, tt.grace)
			}
			if tt.spec != "" {
				mustSchedule(t, tt.spec, paris)
			}
		})
	}
}
