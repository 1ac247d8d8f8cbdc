package prompts

import (
	"math"
	"strconv"
	"strings"

	"github.com/kpibot/kpibot/kpi"
)

// MetricLabel names metric m for a count of n, with the plural rule of lang
// (French treats 0 and 1 as singular).
func MetricLabel(lang Lang, m kpi.Metric, n int) string {
	form := "other"
	if n == 1 || (lang == French && n == 0) {
		form = "one"
	}
	return Text(lang, Key("metric."+string(m)+"."+form), nil)
}

// Items renders counts and revenue as one short line, in funnel order:
// "3 rdv · 1 offre · CA 12 500 €". Zero counts are kept when they were
// typed on purpose (a rep may log "0 appel"), which is why the caller
// decides what goes in counts.
func Items(lang Lang, counts map[kpi.Metric]int, revenueCents int64, hasRevenue bool) string {
	var parts []string
	for _, m := range kpi.CountMetrics {
		n, ok := counts[m]
		if !ok {
			continue
		}
		parts = append(parts, strconv.Itoa(n)+" "+MetricLabel(lang, m, n))
	}
	if hasRevenue {
		parts = append(parts, MetricLabel(lang, kpi.Revenue, 1)+" "+Money(lang, revenueCents))
	}
	return strings.Join(parts, " · ")
}

// Money formats an amount in cents the way each language writes it:
// "12 500 €" in French, "€12,500" in English. Cents are shown only when
// there are some, because reps mostly log round amounts.
func Money(lang Lang, cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	sep, dec := ",", "."
	if lang == French {
		sep, dec = "\u202f", ","
	}
	s := group(cents/100, sep)
	if c := cents % 100; c != 0 {
		s += dec + strconv.FormatInt(c/10, 10) + strconv.FormatInt(c%10, 10)
	}
	if neg {
		s = "-" + s
	}
	if lang == French {
		return s + "\u00a0€"
	}
	return "€" + s
}

// group writes n with sep between groups of three digits.
func group(n int64, sep string) string {
	digits := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}

var (
	weekdays = map[Lang][7]string{
		French:  {"dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."},
		English: {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
	}
	months = map[Lang][12]string{
		French:  {"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
		English: {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	}
)

// MonthName writes the month of d with its year: "novembre 2026".
func MonthName(lang Lang, d kpi.Date) string {
	full := map[Lang][12]string{
		French:  {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		English: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	}
	names, ok := full[lang]
	if !ok {
		names = full[French]
	}
	return names[d.Month-1] + " " + strconv.Itoa(d.Year)
}

// Percent writes a rate: "33 %" in French, "33%" in English, with one
// decimal under 10% where a point matters.
func Percent(lang Lang, v float64) string {
	p := v * 100
	s := strconv.FormatFloat(math.Round(p), 'f', 0, 64)
	if p < 10 && math.Round(p*10)/10 != math.Round(p) {
		s = strconv.FormatFloat(math.Round(p*10)/10, 'f', 1, 64)
	}
	if lang == English {
		return s + "%"
	}
	return strings.Replace(s, ".", ",", 1) + "\u202f%"
}

// Number writes a figure with the language's decimal mark; callers round.
func Number(lang Lang, v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if lang != English {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// StageLabel names a funnel stage by its two metrics: "offres → signatures".
func StageLabel(lang Lang, s kpi.Stage) string {
	return MetricLabel(lang, s.From, 2) + " → " + MetricLabel(lang, s.To, 2)
}

// Date writes d short and unambiguous: "lun. 23 nov." or "Mon 23 Nov".
func Date(lang Lang, d kpi.Date) string {
	if _, ok := weekdays[lang]; !ok {
		lang = French
	}
	return weekdays[lang][d.Weekday()] + " " + strconv.Itoa(d.Day) + " " + months[lang][d.Month-1]
}

// Day names d relative to today when that reads better: "today (Mon 23
// Nov)", "yesterday (Sun 22 Nov)", or just the date.
func Day(lang Lang, d, today kpi.Date) string {
	switch d.DaysSince(today) {
	case 0:
		return Text(lang, DayToday, nil) + " (" + Date(lang, d) + ")"
	case -1:
		return Text(lang, DayYesterday, nil) + " (" + Date(lang, d) + ")"
	}
	return Date(lang, d)
}
