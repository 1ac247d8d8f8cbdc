package views

import (
	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// Tally is what a check-in, or several, add up to.
type Tally struct {
	Counts       map[kpi.Metric]int
	RevenueCents int64
	HasRevenue   bool
}

// Add adds t2 to t, whose Counts must not be nil.
func (t *Tally) Add(t2 Tally) {
	for m, n := range t2.Counts {
		t.Counts[m] += n
	}
	t.RevenueCents += t2.RevenueCents
	t.HasRevenue = t.HasRevenue || t2.HasRevenue
}

// Entry is one check-in as its /log reply shows it.
type Entry struct {
	Day kpi.Date
	Tally
	Note string
}

// LogHelp is /log help: examples to copy.
func LogHelp(lang prompts.Lang) slack.Msg { return Reply(lang, prompts.LogHelp, nil) }

// Recorded answers a stored check-in: what was recorded for which day,
// its note, whether it was a repeat, and the week so far (from to to).
func Recorded(lang prompts.Lang, e Entry, repeat bool, today, from, to kpi.Date, week Tally) slack.Msg {
	items := prompts.Items(lang, e.Counts, e.RevenueCents, e.HasRevenue)
	title := prompts.Text(lang, prompts.LogRecordedTitle, map[string]string{"Day": prompts.Day(lang, e.Day, today), "Items": items})
	blocks := []slack.Block{Section(title)}
	var notes []string
	if e.Note != "" {
		notes = append(notes, prompts.Text(lang, prompts.LogRecordedNote, map[string]string{"Note": Escape(e.Note)}))
	}
	if repeat {
		notes = append(notes, prompts.Text(lang, prompts.LogAlready, nil))
	}
	if len(notes) > 0 {
		blocks = append(blocks, Context(notes...))
	}

	weekText := prompts.Text(lang, prompts.LogWeekTitle, map[string]string{"From": prompts.Date(lang, from), "To": prompts.Date(lang, to)}) + "\n"
	if line := prompts.Items(lang, week.Counts, week.RevenueCents, week.HasRevenue); line != "" {
		weekText += prompts.Text(lang, prompts.LogWeekLine, map[string]string{"Items": line})
	} else {
		weekText += prompts.Text(lang, prompts.LogWeekEmpty, nil)
	}
	blocks = append(blocks, Section(weekText), Context(prompts.Text(lang, prompts.LogFooter, nil)))
	return Ephemeral(title, blocks...)
}

// NothingToUndo answers /log undo on a day without an entry.
func NothingToUndo(lang prompts.Lang, today kpi.Date) slack.Msg {
	return Reply(lang, prompts.LogUndoNone, map[string]string{"Day": prompts.Date(lang, today)})
}

// Undone answers /log undo: the entry of today withdrawn, raw as typed.
func Undone(lang prompts.Lang, today kpi.Date, raw string, t Tally) slack.Msg {
	return Reply(lang, prompts.LogUndoDone, map[string]string{
		"Day": prompts.Date(lang, today), "Raw": Escape(raw), "Items": prompts.Items(lang, t.Counts, t.RevenueCents, t.HasRevenue),
	})
}

// Refusal explains why nothing was stored, with an example to copy.
func Refusal(lang prompts.Lang, reason string) slack.Msg {
	text := "⚠️ " + reason + "\n" + prompts.Text(lang, prompts.LogErrorNothingSaved, nil)
	return Ephemeral(text, Section(text), Context(prompts.Text(lang, prompts.LogErrorExample, nil)))
}

// TooManyInADay refuses a check-in that would take a metric of day past
// the daily cap.
func TooManyInADay(lang prompts.Lang, m kpi.Metric, total int, day kpi.Date, limit int) slack.Msg {
	return Refusal(lang, prompts.Text(lang, prompts.LogErrorTooManyDay, map[string]any{
		"Total": total, "Label": prompts.MetricLabel(lang, m, total), "Day": prompts.Date(lang, day), "Limit": limit,
	}))
}

// KeyConflict refuses a check-in whose delivery key is another user's.
func KeyConflict(lang prompts.Lang) slack.Msg {
	return Refusal(lang, prompts.Text(lang, "log.error.key_conflict", nil))
}

var parseErrorKeys = map[kpi.ErrorKind]prompts.Key{
	kpi.ErrEmpty:               prompts.LogErrorEmpty,
	kpi.ErrUnknownWord:         prompts.LogErrorUnknown,
	kpi.ErrNumberWithoutMetric: prompts.LogErrorNumberNoMetric,
	kpi.ErrMetricWithoutNumber: prompts.LogErrorMetricNoNumber,
	kpi.ErrNegative:            prompts.LogErrorNegative,
	kpi.ErrNotWhole:            prompts.LogErrorNotWhole,
	kpi.ErrTooMany:             prompts.LogErrorTooMany,
	kpi.ErrRevenueTooLarge:     prompts.LogErrorRevenueTooLarge,
	kpi.ErrBadAmount:           prompts.LogErrorBadAmount,
	kpi.ErrBadDate:             prompts.LogErrorBadDate,
	kpi.ErrFutureDate:          prompts.LogErrorFutureDate,
	kpi.ErrTooOld:              prompts.LogErrorTooOld,
	kpi.ErrTwoDates:            prompts.LogErrorTwoDates,
	kpi.ErrTooLong:             prompts.LogErrorTooLong,
}

// parseErrorKey is the catalog entry of a parse error's kind.
func parseErrorKey(pe *kpi.ParseError) prompts.Key {
	key, ok := parseErrorKeys[pe.Kind]
	if !ok {
		key = prompts.LogErrorEmpty
	}
	return key
}

// metricLabel names the metric a parse error is about, if any.
func metricLabel(lang prompts.Lang, pe *kpi.ParseError) string {
	if pe.Metric == "" {
		return ""
	}
	return prompts.MetricLabel(lang, pe.Metric, 2)
}

// ParseError refuses what /log could not read, with the reason, the
// nearest known word and an example.
func ParseError(lang prompts.Lang, text string, pe *kpi.ParseError) slack.Msg {
	key := parseErrorKey(pe)
	if key == prompts.LogErrorUnknown && pe.Suggestion != "" {
		key = prompts.LogErrorUnknownSuggest
	}
	reason := prompts.Text(lang, key, map[string]any{
		"Token":      Escape(pe.Token),
		"Suggestion": Escape(pe.Suggestion),
		"Text":       Escape(text),
		"Limit":      pe.Limit,
		"Label":      metricLabel(lang, pe),
	})
	return Refusal(lang, reason)
}
