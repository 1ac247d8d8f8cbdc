package kpi

import (
	"strings"
	"time"
)

// WeekOf returns the ISO week (Monday to Sunday) that contains d. Weeks
// start on Monday, as in France and in ISO 8601, whatever the locale.
func WeekOf(d Date) (monday, sunday Date) {
	back := (int(d.Weekday()) + 6) % 7 // days since Monday
	monday = d.AddDays(-back)
	return monday, monday.AddDays(6)
}

// PeriodKind is the length of a reporting period. The string value is
// stored with objectives, so it must never be renamed.
type PeriodKind string

// The reporting periods. Weeks are ISO weeks and months calendar months,
// both in the rep's timezone: the caller picks the Date in that zone.
const (
	Day   PeriodKind = "day"
	Week  PeriodKind = "week"
	Month PeriodKind = "month"
)

// Valid reports whether k is one of Day, Week or Month. Kinds come back
// from storage, so they cannot be trusted to be one of the constants.
func (k PeriodKind) Valid() bool {
	switch k {
	case Day, Week, Month:
		return true
	}
	return false
}

// periodWords holds what reps type for a period, normalised. Plurals and
// the adjectives ("hebdo", "monthly") are there because "/kpi goal set
// 10 rdv hebdo" is how people actually phrase it.
var periodWords = map[string]PeriodKind{
	"day": Day, "days": Day, "daily": Day, "jour": Day, "jours": Day,
	"quotidien": Day, "journee": Day,
	"week": Week, "weeks": Week, "weekly": Week, "semaine": Week,
	"semaines": Week, "sem": Week, "hebdo": Week, "hebdomadaire": Week,
	"month": Month, "months": Month, "monthly": Month, "mois": Month,
	"mensuel": Month,
}

// ParsePeriodKind accepts day/jour, week/semaine/sem, month/mois (case- and
// accent-insensitive, via Normalize), plus their plurals and the adjectives
// daily/quotidien, weekly/hebdo/hebdomadaire, monthly/mensuel.
func ParsePeriodKind(s string) (PeriodKind, bool) {
	k, ok := periodWords[strings.TrimSpace(Normalize(s))]
	return k, ok
}

// Period is a run of whole calendar days, Start..End inclusive. Kind is
// Day, Week or Month for the periods PeriodOf builds; a Period with an
// empty Kind is a custom run of days, such as the baseline from Trailing.
type Period struct {
	Kind       PeriodKind
	Start, End Date
}

// PeriodOf returns the day, the ISO week (Monday to Sunday) or the calendar
// month containing d. An unknown kind is taken as Day, so that a corrupted
// objective still yields a well-formed period rather than a panic.
func PeriodOf(kind PeriodKind, d Date) Period {
	switch kind {
	case Week:
		mon, sun := WeekOf(d)
		return Period{Kind: Week, Start: mon, End: sun}
	case Month:
		return Period{
			Kind:  Month,
			Start: Date{Year: d.Year, Month: d.Month, Day: 1},
			End:   Date{Year: d.Year, Month: d.Month, Day: daysIn(d.Year, d.Month)},
		}
	}
	return Period{Kind: Day, Start: d, End: d}
}

// Contains reports whether d is one of the days of p.
func (p Period) Contains(d Date) bool {
	return !d.Before(p.Start) && !d.After(p.End)
}

// Days returns the number of calendar days in p, 0 when End is before Start.
func (p Period) Days() int {
	return max(0, int(p.End.dayNumber()-p.Start.dayNumber())+1)
}

// Prev returns the previous period of the same kind. A custom period (empty
// Kind) moves back by its own length, so that "the 4 weeks before" stays 4
// weeks long.
func (p Period) Prev() Period {
	if p.Kind.Valid() {
		return PeriodOf(p.Kind, p.Start.AddDays(-1))
	}
	n := p.Days()
	return Period{Kind: p.Kind, Start: p.Start.AddDays(-n), End: p.End.AddDays(-n)}
}

// Bounds returns the instants [Start 00:00, End+1 00:00) in loc, for
// querying entries stored as instants. It is computed from the civil dates
// rather than as Start plus N×24h, because a week containing a DST change
// is 167 or 169 hours long. A nil loc is UTC.
func (p Period) Bounds(loc *time.Location) (from, to time.Time) {
	return p.Start.In(loc), p.End.AddDays(1).In(loc)
}

// Trailing returns the weeks×7 days just before p, the "own trailing
// average" baseline of CoachingSignals and of the recent pace given to
// Evaluate. Its Kind is empty: it is a custom run of days.
func Trailing(p Period, weeks int) Period {
	n := max(0, weeks) * 7
	return Period{Start: p.Start.AddDays(-n), End: p.Start.AddDays(-1)}
}

// WorkingDays counts Mondays to Fridays in [from, to], 0 if to is before
// from. Public holidays are ignored: they differ by country and the bot
// does not know them, and a missing day only makes forecasts cautious.
func WorkingDays(from, to Date) int {
	n := int(to.dayNumber()-from.dayNumber()) + 1
	if n <= 0 {
		return 0
	}
	count := n / 7 * 5
	wd := int(from.Weekday())
	for i := 0; i < n%7; i++ {
		if d := (wd + i) % 7; d != int(time.Saturday) && d != int(time.Sunday) {
			count++
		}
	}
	return count
}

// dayNumber returns the days since 1970-01-01 of a valid proleptic
// Gregorian date. It is pure integer arithmetic (H. Hinnant's
// days_from_civil) rather than time.Date, because SumByUser calls it once
// per fact and time.Date is an order of magnitude slower.
func (d Date) dayNumber() int64 {
	y := int64(d.Year)
	m := int64(d.Month)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era-- // floor division for years before 0
	}
	yoe := y - era*400
	mp := (m + 9) % 12 // March = 0
	doy := (153*mp+2)/5 + int64(d.Day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
