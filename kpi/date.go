package kpi

import (
	"errors"
	"fmt"
	"time"
)

// Date is a civil (calendar) date with no time of day and no time zone.
// KPIs are counted per day as the rep lives it, so storing an instant would
// let the same entry fall on different days depending on who reads it.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar day of t in t's own Location. Callers choose
// the zone by converting t first, e.g. DateOf(now.In(repZone)).
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// errBadISODate is deliberately unexported: callers only need to know that
// the text was not a valid ISO date, and the parser maps it to ErrBadDate.
var errBadISODate = errors.New("kpi: not a valid YYYY-MM-DD date")

// ParseDate parses a strict ISO 8601 calendar date ("2026-11-23"). It
// rejects other layouts and days that do not exist ("2026-02-30") instead of
// normalising them, because a silently shifted day would log KPIs on the
// wrong date.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("%w: %q", errBadISODate, s)
	}
	y, ok1 := atoiDigits(s[0:4])
	m, ok2 := atoiDigits(s[5:7])
	d, ok3 := atoiDigits(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, time.Month(m)) {
		return Date{}, fmt.Errorf("%w: %q", errBadISODate, s)
	}
	return Date{Year: y, Month: time.Month(m), Day: d}, nil
}

// atoiDigits accepts ASCII digits only; strconv.Atoi would also take a sign.
func atoiDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(s) > 0
}

// daysIn relies on time.Date normalising day 0 of the next month to the last
// day of this one, which keeps the leap-year rules in one place (the stdlib).
func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// String formats d as ISO 8601, the same layout ParseDate accepts.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// utc anchors d at UTC midnight. UTC has no DST, so day arithmetic on these
// instants is always a whole multiple of 24 hours.
func (d Date) utc() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// AddDays returns the date n calendar days after d (before it when n < 0),
// rolling over month and year ends.
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC))
}

// In returns the instant at which d starts in loc. On the rare days where a
// zone skips midnight because of DST, time.Date moves it forward to the first
// instant that exists, which is still the start of that day. A nil loc is
// taken as UTC rather than panicking.
func (d Date) In(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.compare(o) < 0 }

// After reports whether d is a later day than o.
func (d Date) After(o Date) bool { return d.compare(o) > 0 }

func (d Date) compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return cmpDateField(d.Year, o.Year)
	case d.Month != o.Month:
		return cmpDateField(int(d.Month), int(o.Month))
	default:
		return cmpDateField(d.Day, o.Day)
	}
}

func cmpDateField(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// DaysSince returns d - o in whole calendar days. It works on UTC midnights
// because in a local zone a DST day lasts 23 or 25 hours and dividing by
// 24h would be off by one. Unix seconds rather than a Duration keep it
// correct for dates more than 292 years apart.
func (d Date) DaysSince(o Date) int {
	return int((d.utc().Unix() - o.utc().Unix()) / secondsPerDay)
}

const secondsPerDay = 24 * 60 * 60

// IsZero reports whether d is the zero Date, which callers use for "unset".
func (d Date) IsZero() bool { return d == Date{} }
