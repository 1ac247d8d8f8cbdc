package kpi

import (
	"testing"
	"time"
)

func TestWeekOf(t *testing.T) {
	tests := []struct {
		name     string
		d        Date
		mon, sun Date
	}{
		{"monday", ymd(2026, time.November, 23), ymd(2026, time.November, 23), ymd(2026, time.November, 29)},
		{"sunday", ymd(2026, time.November, 29), ymd(2026, time.November, 23), ymd(2026, time.November, 29)},
		{"across year end", ymd(2026, time.January, 1), ymd(2025, time.December, 29), ymd(2026, time.January, 4)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mon, sun := WeekOf(tc.d)
			if mon != tc.mon || sun != tc.sun {
				t.Errorf("WeekOf(%v) = %v, %v; want %v, %v", tc.d, mon, sun, tc.mon, tc.sun)
			}
		})
	}
}

func TestParsePeriodKind(t *testing.T) {
	tests := []struct {
		in   string
		want PeriodKind
		ok   bool
	}{
		{"day", Day, true},
		{"jour", Day, true},
		{"Jours", Day, true},
		{"JOURNÉE", Day, true},
		{"week", Week, true},
		{"semaine", Week, true},
		{"Sem", Week, true},
		{"hebdo", Week, true},
		{"month", Month, true},
		{"mois", Month, true},
		{"MOIS", Month, true},
		{" mensuel ", Month, true},
		{"", "", false},
		{"year", "", false},
		{"moi", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParsePeriodKind(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("ParsePeriodKind(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestPeriodOf(t *testing.T) {
	tests := []struct {
		name string
		kind PeriodKind
		d    Date
		want Period
		days int
	}{
		{"day", Day, ymd(2026, time.March, 4), Period{Day, ymd(2026, time.March, 4), ymd(2026, time.March, 4)}, 1},
		{"week", Week, ymd(2026, time.March, 4), Period{Week, ymd(2026, time.March, 2), ymd(2026, time.March, 8)}, 7},
		{"month", Month, ymd(2026, time.March, 4), Period{Month, ymd(2026, time.March, 1), ymd(2026, time.March, 31)}, 31},
		{"february leap", Month, ymd(2024, time.February, 29), Period{Month, ymd(2024, time.February, 1), ymd(2024, time.February, 29)}, 29},
		{"february", Month, ymd(2026, time.February, 10), Period{Month, ymd(2026, time.February, 1), ymd(2026, time.February, 28)}, 28},
		{"unknown kind is a day", "fortnight", ymd(2026, time.March, 4), Period{Day, ymd(2026, time.March, 4), ymd(2026, time.March, 4)}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := PeriodOf(tc.kind, tc.d)
			if got != tc.want {
				t.Fatalf("PeriodOf(%q, %v) = %+v, want %+v", tc.kind, tc.d, got, tc.want)
			}
			if got.Days() != tc.days {
				t.Errorf("Days() = %d, want %d", got.Days(), tc.days)
			}
			if !got.Contains(tc.d) || !got.Contains(got.Start) || !got.Contains(got.End) {
				t.Errorf("%+v does not contain %v or its own bounds", got, tc.d)
			}
			if got.Contains(got.Start.AddDays(-1)) || got.Contains(got.End.AddDays(1)) {
				t.Errorf("%+v contains a day outside it", got)
			}
		})
	}
}

func TestPeriodPrev(t *testing.T) {
	tests := []struct {
		name string
		p    Period
		want Period
	}{
		{"day across year end", PeriodOf(Day, ymd(2026, time.January, 1)),
			Period{Day, ymd(2025, time.December, 31), ymd(2025, time.December, 31)}},
		{"week across year end", PeriodOf(Week, ymd(2026, time.January, 7)),
			Period{Week, ymd(2025, time.December, 29), ymd(2026, time.January, 4)}},
		{"week straddling the year", PeriodOf(Week, ymd(2026, time.January, 1)),
			Period{Week, ymd(2025, time.December, 22), ymd(2025, time.December, 28)}},
		{"month across year end", PeriodOf(Month, ymd(2026, time.January, 15)),
			Period{Month, ymd(2025, time.December, 1), ymd(2025, time.December, 31)}},
		{"month before march", PeriodOf(Month, ymd(2024, time.March, 31)),
			Period{Month, ymd(2024, time.February, 1), ymd(2024, time.February, 29)}},
		{"custom span keeps its length", Period{Start: ymd(2026, time.January, 1), End: ymd(2026, time.January, 28)},
			Period{Start: ymd(2025, time.December, 4), End: ymd(2025, time.December, 31)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Prev(); got != tc.want {
				t.Errorf("%+v.Prev() = %+v, want %+v", tc.p, got, tc.want)
			}
		})
	}
}

func TestTrailing(t *testing.T) {
	p := PeriodOf(Week, ymd(2026, time.January, 7)) // 2026-01-05..11
	got := Trailing(p, 4)
	want := Period{Start: ymd(2025, time.December, 8), End: ymd(2026, time.January, 4)}
	if got != want {
		t.Fatalf("Trailing = %+v, want %+v", got, want)
	}
	if got.Days() != 28 || WorkingDays(got.Start, got.End) != 20 {
		t.Errorf("Trailing spans %d days, %d working days; want 28, 20", got.Days(), WorkingDays(got.Start, got.End))
	}
}

// Bounds must follow the civil calendar in the rep's zone: a week with a
// DST change is not 168 hours long.
func TestPeriodBoundsDST(t *testing.T) {
	paris := loadZoneT(t, "Europe/Paris")
	tests := []struct {
		name  string
		p     Period
		loc   *time.Location
		hours float64
	}{
		// Paris springs forward on Sunday 2026-03-29.
		{"spring week", PeriodOf(Week, ymd(2026, time.March, 25)), paris, 167},
		// Paris falls back on Sunday 2026-10-25 (the last Sunday of October).
		{"autumn week", PeriodOf(Week, ymd(2026, time.October, 21)), paris, 169},
		{"week after the autumn change", PeriodOf(Week, ymd(2026, time.October, 28)), paris, 168},
		{"spring day", PeriodOf(Day, ymd(2026, time.March, 29)), paris, 23},
		{"march", PeriodOf(Month, ymd(2026, time.March, 1)), paris, 31*24 - 1},
		{"utc week", PeriodOf(Week, ymd(2026, time.March, 25)), time.UTC, 168},
		{"nil is utc", PeriodOf(Week, ymd(2026, time.March, 25)), nil, 168},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			from, to := tc.p.Bounds(tc.loc)
			if got := to.Sub(from).Hours(); got != tc.hours {
				t.Errorf("Bounds(%+v) spans %v hours, want %v", tc.p, got, tc.hours)
			}
			if DateOf(from) != tc.p.Start || from.Hour() != 0 || DateOf(to) != tc.p.End.AddDays(1) || to.Hour() != 0 {
				t.Errorf("Bounds(%+v) = %v, %v: not local midnights", tc.p, from, to)
			}
		})
	}
}

// The month a rep is in depends on the rep's zone, not on UTC.
func TestPeriodOfInRepZone(t *testing.T) {
	auckland := loadZoneT(t, "Pacific/Auckland")
	instant := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		loc  *time.Location
		want Period
	}{
		{"auckland is already in december", auckland, Period{Month, ymd(2026, time.December, 1), ymd(2026, time.December, 31)}},
		{"utc is still in november", time.UTC, Period{Month, ymd(2026, time.November, 1), ymd(2026, time.November, 30)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := PeriodOf(Month, DateOf(instant.In(tc.loc))); got != tc.want {
				t.Errorf("PeriodOf(Month, %v in %v) = %+v, want %+v", instant, tc.loc, got, tc.want)
			}
		})
	}
	// The instant falls inside the Auckland December bounds.
	from, to := PeriodOf(Month, DateOf(instant.In(auckland))).Bounds(auckland)
	if instant.Before(from) || !instant.Before(to) {
		t.Errorf("%v not in Auckland December bounds [%v, %v)", instant, from, to)
	}
}

func TestWorkingDays(t *testing.T) {
	tests := []struct {
		name     string
		from, to Date
		want     int
	}{
		{"one monday", ymd(2026, time.November, 23), ymd(2026, time.November, 23), 1},
		{"one saturday", ymd(2026, time.November, 28), ymd(2026, time.November, 28), 0},
		{"full week", ymd(2026, time.November, 23), ymd(2026, time.November, 29), 5},
		{"saturday to monday", ymd(2026, time.November, 28), ymd(2026, time.November, 30), 1},
		{"friday to monday", ymd(2026, time.November, 27), ymd(2026, time.November, 30), 2},
		{"november 2026", ymd(2026, time.November, 1), ymd(2026, time.November, 30), 21},
		{"march 2027 has 23", ymd(2027, time.March, 1), ymd(2027, time.March, 31), 23},
		{"february 2026", ymd(2026, time.February, 1), ymd(2026, time.February, 28), 20},
		{"year 2026", ymd(2026, time.January, 1), ymd(2026, time.December, 31), 261},
		{"reversed", ymd(2026, time.November, 30), ymd(2026, time.November, 1), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := WorkingDays(tc.from, tc.to)
			if got != tc.want {
				t.Errorf("WorkingDays(%v, %v) = %d, want %d", tc.from, tc.to, got, tc.want)
			}
			if n := slowWorkingDays(tc.from, tc.to); got != n {
				t.Errorf("WorkingDays(%v, %v) = %d, day-by-day count %d", tc.from, tc.to, got, n)
			}
		})
	}
}

func slowWorkingDays(from, to Date) int {
	n := 0
	for d := from; !d.After(to); d = d.AddDays(1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return n
}

// dayNumber must agree with the stdlib on every day it is likely to see,
// including leap days and the years before 1970 and after 2100.
func TestDayNumber(t *testing.T) {
	tests := []Date{
		ymd(1970, time.January, 1), ymd(1969, time.December, 31), ymd(2000, time.February, 29),
		ymd(2100, time.March, 1), ymd(1600, time.January, 1), ymd(1, time.January, 1),
		ymd(-1, time.March, 1), ymd(2026, time.November, 30),
	}
	for _, d := range tests {
		t.Run(d.String(), func(t *testing.T) {
			want := d.utc().Unix() / secondsPerDay
			if d.utc().Unix() < 0 && d.utc().Unix()%secondsPerDay != 0 {
				want--
			}
			if got := d.dayNumber(); got != want {
				t.Errorf("dayNumber(%v) = %d, want %d", d, got, want)
			}
		})
	}
	for d := ymd(2023, time.December, 1); d.Before(ymd(2029, time.March, 1)); d = d.AddDays(1) {
		if d.AddDays(1).dayNumber()-d.dayNumber() != 1 {
			t.Fatalf("dayNumber not contiguous at %v", d)
		}
	}
}
