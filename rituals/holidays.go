package rituals

import (
	"time"

	"github.com/kpibot/kpibot/kpi"
)

// Holidays is a set of public holidays, each with its name. Workspaces
// configure their own; FrenchHolidays is the default.
type Holidays map[kpi.Date]string

// FrenchHolidays returns France's 11 public holidays of year: Jan 1, Easter
// Monday, May 1, May 8, Ascension, Whit Monday, Jul 14, Aug 15, Nov 1,
// Nov 11 and Dec 25. A schedule that crosses New Year needs two years;
// Merge joins them.
func FrenchHolidays(year int) Holidays {
	easter := easterSunday(year)
	fixed := func(m time.Month, d int) kpi.Date { return kpi.Date{Year: year, Month: m, Day: d} }
	return Holidays{
		fixed(time.January, 1):   "Jour de l'an",
		easter.AddDays(1):        "Lundi de Pâques",
		fixed(time.May, 1):       "Fête du Travail",
		fixed(time.May, 8):       "Victoire 1945",
		easter.AddDays(39):       "Ascension",
		easter.AddDays(50):       "Lundi de Pentecôte",
		fixed(time.July, 14):     "Fête nationale",
		fixed(time.August, 15):   "Assomption",
		fixed(time.November, 1):  "Toussaint",
		fixed(time.November, 11): "Armistice 1918",
		fixed(time.December, 25): "Noël",
	}
}

// easterSunday computes Western Easter with the anonymous Gregorian
// algorithm (Meeus/Jones/Butcher), valid for every Gregorian year.
func easterSunday(year int) kpi.Date {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return kpi.Date{Year: year, Month: time.Month(month), Day: day}
}

// Is reports whether d is a holiday. A nil set has none.
func (h Holidays) Is(d kpi.Date) bool {
	_, ok := h[d]
	return ok
}

// Merge returns a new set with the holidays of h and of others.
func (h Holidays) Merge(others ...Holidays) Holidays {
	out := make(Holidays, len(h))
	for _, set := range append([]Holidays{h}, others...) {
		for d, name := range set {
			out[d] = name
		}
	}
	return out
}
