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
)

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
}

// String returns a short English name for logs, e.g. "unknown word".
func (k ErrorKind) String() string {
	if k.valid() {
		return kindNames[k]
	}
	return "ErrorKind(" + strconv.Itoa(int(k)) + ")"
}

func (k ErrorKind) valid() bool { return k >= ErrEmpty && k <= ErrTooLong }

// ParseError describes why a /log text was rejected. It carries data, not
// sentences, so that the bot can word it in the rep's language.
type ParseError struct {
	Kind       ErrorKind
	Token      string // the offending token exactly as the user typed it (original case/accents)
	Suggestion string // for ErrUnknownWord: the nearest known word, "" if none close
	Metric     Metric // for ErrTooMany/ErrNegative/ErrNotWhole when known
	// Limit is the limit crossed, when relevant: MaxPerMetric, MaxDaysBack,
	// MaxTextRunes, or for ErrRevenueTooLarge MaxRevenueCents in whole
	// currency units (cents would not fit an int on 32-bit platforms).
	Limit int
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
	if e.Suggestion != "" {
		s += fmt.Sprintf(", did you mean %q?", e.Suggestion)
	}
	return s
}
