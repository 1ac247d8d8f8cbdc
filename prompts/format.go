package prompts

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

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

// Amounts is the money of a check-in or of totals: revenue and the
// pipeline value of offers, in the workspace currency (an ISO code; the
// default currency when empty).
type Amounts struct {
	RevenueCents  int64
	HasRevenue    bool
	PipelineCents int64
	HasPipeline   bool
	Currency      string
}

// Items renders counts and amounts as one short line, in funnel order:
// "3 rdv · 1 offre · CA 12 500 € · pipeline 15 000 €". Zero counts are
// kept when they were typed on purpose (a rep may log "0 appel"), which is
// why the caller decides what goes in counts.
func Items(lang Lang, counts map[kpi.Metric]int, a Amounts) string {
	var parts []string
	for _, m := range kpi.CountMetrics {
		n, ok := counts[m]
		if !ok {
			continue
		}
		parts = append(parts, strconv.Itoa(n)+" "+MetricLabel(lang, m, n))
	}
	if a.HasRevenue {
		parts = append(parts, MetricLabel(lang, kpi.Revenue, 1)+" "+Money(lang, a.RevenueCents, a.Currency))
	}
	if a.HasPipeline {
		parts = append(parts, Text(lang, PipelineLabel, nil)+" "+Money(lang, a.PipelineCents, a.Currency))
	}
	return strings.Join(parts, " · ")
}

// currencySigns is how each language writes the currencies /log reads
// amounts in: French puts the sign after the number ("12 500 $US"),
// English before it ("$12,500"). A currency with no sign of its own is
// written with its ISO code, after the number in French and before it,
// with a space, in English ("CHF 12,500").
var currencySigns = map[string][2]string{
	"EUR": {"€", "€"},
	"USD": {"$US", "$"},
	"GBP": {"£", "£"},
	"CAD": {"$CA", "CA$"},
	"AUD": {"$AU", "A$"},
	"NZD": {"$NZ", "NZ$"},
	"SGD": {"$SG", "S$"},
	"HKD": {"$HK", "HK$"},
	"MXN": {"$MX", "MX$"},
	"JPY": {"¥", "¥"},
	"CNY": {"CNY", "CN¥"},
	"INR": {"₹", "₹"},
	"BRL": {"R$", "R$"},
	"CHF": {"", ""}, "SEK": {"", ""}, "NOK": {"", ""}, "DKK": {"", ""}, "PLN": {"", ""},
	"CZK": {"", ""}, "HUF": {"", ""}, "RON": {"", ""}, "MAD": {"", ""}, "TND": {"", ""},
	"XOF": {"", ""}, "XAF": {"", ""}, "ZAR": {"", ""}, "AED": {"", ""},
}

// DefaultCurrency is the currency of amounts that name none: the euro, as
// kpibot counted before workspaces chose one.
const DefaultCurrency = kpi.DefaultCurrency

// KnownCurrency reports whether code (an ISO 4217 code, any case) is a
// currency kpibot reads and writes amounts in.
func KnownCurrency(code string) bool {
	_, ok := currencySigns[strings.ToUpper(strings.TrimSpace(code))]
	return ok
}

// Currencies lists the codes KnownCurrency accepts, sorted.
func Currencies() []string {
	out := make([]string, 0, len(currencySigns))
	for c := range currencySigns {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Money formats an amount in cents of currency (an ISO code; the default
// currency when empty) the way each language writes it: "12 500 €" and
// "12 500 $US" in French, "€12,500" and "$12,500" in English. Cents are
// shown only when there are some, because reps mostly log round amounts.
func Money(lang Lang, cents int64, currency string) string {
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
	code := strings.ToUpper(currency)
	if code == "" {
		code = DefaultCurrency
	}
	signs, ok := currencySigns[code]
	if lang == French {
		sign := signs[0]
		if !ok || sign == "" {
			sign = code
		}
		if neg {
			s = "-" + s
		}
		return s + "\u00a0" + sign
	}
	sign := signs[1]
	if !ok || sign == "" {
		sign = code + "\u00a0"
	}
	if neg {
		return "-" + sign + s
	}
	return sign + s
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

// WeekdayShort names a day of the week short: "lun.", "Mon".
func WeekdayShort(lang Lang, d time.Weekday) string {
	if _, ok := weekdays[lang]; !ok {
		lang = French
	}
	return weekdays[lang][d]
}

// Weekday names the day of the week of d in full: "lundi", "Monday".
func Weekday(lang Lang, d kpi.Date) string {
	names := map[Lang][7]string{
		French:  {"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		English: {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	}
	n, ok := names[lang]
	if !ok {
		n = names[French]
	}
	return n[d.Weekday()]
}

// DayMonth writes the day of the month and the month in full: "26
// novembre", "26 November".
func DayMonth(lang Lang, d kpi.Date) string {
	month, _, _ := strings.Cut(MonthName(lang, d), " ")
	return strconv.Itoa(d.Day) + " " + month
}

// ProseDate writes d as a sentence says it: "vendredi 4 décembre" in
// French, "Fri 4 Dec" in English. A date written as an ISO code never
// appears in prose.
func ProseDate(lang Lang, d kpi.Date) string {
	if lang == English {
		return Date(lang, d)
	}
	return Weekday(lang, d) + " " + DayMonth(lang, d)
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
