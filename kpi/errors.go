package kpi

import (
	"fmt"
	"strconv"
)

// ErrorKind says what was wrong with a /log text, so the bot can phrase the
// message in French or English; kpi itself produces no user-facing text.
type ErrorKind int

// The kinds of parse errors. The zero value is deliberately not a kind, so
// an unset Kind is easy to spot.
const (
	// ErrEmpty: nothing to record (no metric, no amount).
	ErrEmpty ErrorKind = iota + 1
	// ErrUnknownWord: a word that is neither a metric, a date nor an amount.
	ErrUnknownWord
	// ErrNumberWithoutMetric: a number that no metric claims ("3" alone).
	ErrNumberWithoutMetric
	// ErrMetricWithoutNumber: a revenue word without an amount ("CA" alone).
	// Count metrics never raise it: on their own they count 1.
	ErrMetricWithoutNumber
	// ErrNegative: a negative count or amount ("-2 rdv").
	ErrNegative
	// ErrNotWhole: a count with decimals ("2.5 rdv").
	ErrNotWhole
	// ErrTooMany: more than MaxPerMetric for one metric, after summing.
	ErrTooMany
	// ErrRevenueTooLarge: amounts summing to more than MaxRevenueCents.
	ErrRevenueTooLarge
	// ErrBadAmount: an amount that cannot be read without guessing
	// ("12,500k€", "€" with no number).
	ErrBadAmount
	// ErrBadDate: a date that does not exist or is not ISO ("2026-02-30").
	ErrBadDate
	// ErrFutureDate: a date after today in the rep's zone.
	ErrFutureDate
	// ErrTooOld: a date more than MaxDaysBack days before today.
	ErrTooOld
	// ErrTwoDates: two date words naming different days.
	ErrTwoDates
	// ErrTooLong: a text of more than MaxTextRunes characters.
	ErrTooLong
	// ErrImpossibleDate: a day that does not exist ("31/11", "2026-02-30",
	// "le 32").
	ErrImpossibleDate
	// ErrWeekdayMismatch: a weekday and a day of the month that disagree
	// ("jeudi 26" when the 26th was a Monday). Suggestion is the right
	// weekday with the day as typed ("lundi 26"), Date the day meant by the
	// number.
	ErrWeekdayMismatch
	// ErrOtherCurrency: an amount in another currency than the workspace's
	// ("$12,500" in a euro workspace). Suggestion is the workspace currency
	// (ISO code, "EUR"), Currency the one typed ("USD"). Nothing is converted.
	ErrOtherCurrency
	// ErrBareAmount: an amount with no word saying what it is ("12k€"
	// alone, "3 rdv 12k€"): revenue needs a sale, a signature, a renewal or
	// "CA" beside it ("1 vente 12k€", "CA 12k"); the value of offers needs
	// the offers ("2 offres 15k€").
	ErrBareAmount
	// ErrAmbiguous: words or a number that can be read two ways ("rdv 3
	// offre": 3 meetings or 3 offers?). Suggestion is the reading kpi would
	// pick. A parser made WithDoubts returns such readings as Entry.Doubts
	// instead, except when there is no reading at all to offer ("1er rdv").
	ErrAmbiguous
	// ErrConflict: words that cannot go together ("1 rdv signé", "1 deal
	// gagné perdu", "1 renouvellement perdu").
	ErrConflict
	// ErrDanglingWord: a word that qualifies something and has nothing to
	// qualify ("3 envoyés", "2 clients", "dont" with no count after it).
	ErrDanglingWord
	// ErrSubsetTooLarge: a part larger than its whole ("12 appels dont 15
	// décrochés").
	ErrSubsetTooLarge
	// ErrNotHappened: something that did not take place ("2 rdv annulés",
	// "1 démo reportée", "no-show"): only what happened is logged.
	ErrNotHappened
)

// lastKind is the highest ErrorKind.
const lastKind = ErrNotHappened

var kindNames = [...]string{
	ErrEmpty:               "empty",
	ErrUnknownWord:         "unknown word",
	ErrNumberWithoutMetric: "number without metric",
	ErrMetricWithoutNumber: "metric without number",
	ErrNegative:            "negative",
	ErrNotWhole:            "not a whole number",
	ErrTooMany:             "too many",
	ErrRevenueTooLarge:     "revenue too large",
	ErrBadAmount:           "bad amount",
	ErrBadDate:             "bad date",
	ErrFutureDate:          "future date",
	ErrTooOld:              "date too old",
	ErrTwoDates:            "two dates",
	ErrTooLong:             "too long",
	ErrImpossibleDate:      "impossible date",
	ErrWeekdayMismatch:     "weekday mismatch",
	ErrOtherCurrency:       "other currency",
	ErrBareAmount:          "bare amount",
	ErrAmbiguous:           "ambiguous",
	ErrConflict:            "conflicting words",
	ErrDanglingWord:        "dangling word",
	ErrSubsetTooLarge:      "subset too large",
	ErrNotHappened:         "did not happen",
}

// ErrorKinds lists every kind, for callers that map each to a message.
var ErrorKinds = func() []ErrorKind {
	var out []ErrorKind
	for k := ErrEmpty; k <= lastKind; k++ {
		out = append(out, k)
	}
	return out
}()

// String returns a short English name for logs, e.g. "unknown word".
func (k ErrorKind) String() string {
	if k.valid() {
		return kindNames[k]
	}
	return "ErrorKind(" + strconv.Itoa(int(k)) + ")"
}

func (k ErrorKind) valid() bool { return k >= ErrEmpty && k <= lastKind }

// ParseError describes why a /log text was rejected. It carries data, not
// sentences, so that the bot can word it in the rep's language.
type ParseError struct {
	Kind  ErrorKind
	Token string // the offending token exactly as the user typed it (original case/accents)
	// Suggestion is the nearest valid form, "" when there is none: for
	// ErrUnknownWord the nearest known word, for ErrWeekdayMismatch the
	// right weekday with the day, for ErrAmbiguous the reading kpi would
	// pick, for ErrOtherCurrency the workspace currency code. A future date
	// never gets one: there is nothing to correct, only to wait for.
	Suggestion string
	Metric     Metric // for ErrTooMany/ErrNegative/ErrNotWhole when known
	// Limit is the limit crossed, when relevant: MaxPerMetric, MaxDaysBack,
	// MaxTextRunes, or for ErrRevenueTooLarge MaxRevenueCents in whole
	// currency units (cents would not fit an int on 32-bit platforms).
	Limit int
	// Date is the day a date error is about when it is known: the day a
	// number names for ErrWeekdayMismatch, the day for ErrFutureDate and
	// ErrTooOld.
	Date Date
	// Currency is the ISO code of the currency typed, for ErrOtherCurrency.
	Currency string
}

// Error returns an English description for logs, prefixed "kpi: ".
func (e *ParseError) Error() string {
	if e == nil {
		return "kpi: <nil ParseError>"
	}
	s := "kpi: " + e.Kind.String()
	if e.Token != "" {
		s += fmt.Sprintf(" %q", e.Token)
	}
	if e.Metric != "" {
		s += " (" + string(e.Metric) + ")"
	}
	if e.Limit != 0 {
		s += fmt.Sprintf(" (limit %d)", e.Limit)
	}
	if e.Currency != "" {
		s += " (" + e.Currency + ")"
	}
	if e.Suggestion != "" {
		s += fmt.Sprintf(", did you mean %q?", e.Suggestion)
	}
	return s
}
