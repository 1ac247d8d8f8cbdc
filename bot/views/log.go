package views

import (
	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// Tally is what a check-in, or several, add up to: counts, and amounts
// in the workspace currency.
type Tally struct {
	Counts map[kpi.Metric]int
	prompts.Amounts
}

// Add adds t2 to t, whose Counts must not be nil. Both are in the same
// currency: the caller leaves out amounts of another one.
func (t *Tally) Add(t2 Tally) {
	for m, n := range t2.Counts {
		t.Counts[m] += n
	}
	t.RevenueCents += t2.RevenueCents
	t.HasRevenue = t.HasRevenue || t2.HasRevenue
	t.PipelineCents += t2.PipelineCents
	t.HasPipeline = t.HasPipeline || t2.HasPipeline
	if t.Currency == "" {
		t.Currency = t2.Currency
	}
}

// items is the tally as one line of figures.
func (t Tally) items(lang prompts.Lang) string {
	if s := prompts.Items(lang, t.Counts, t.Amounts); s != "" {
		return s
	}
	// A day logged as empty ("rien", "nothing today").
	return prompts.Text(lang, "log.items.nothing", nil)
}

// Entry is one check-in as its /log reply shows it. Code, when set,
// names it in /log edit and /log rm.
type Entry struct {
	Day kpi.Date
	Tally
	Note string
	Code string
}

// LogHelp is /log help: examples to copy.
func LogHelp(lang prompts.Lang) slack.Msg { return Reply(lang, prompts.LogHelp, nil) }

// Recorded answers a stored check-in: what was recorded for which day,
// its note, whether it was a repeat, and the week so far (from to to).
func Recorded(lang prompts.Lang, e Entry, repeat bool, today, from, to kpi.Date, week Tally) slack.Msg {
	items := e.items(lang)
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

	// A correction for a past week shows that week, which is not "so far".
	weekKey := prompts.LogWeekTitle
	if to.Before(today) {
		weekKey = "log.week.past.title"
	}
	weekText := prompts.Text(lang, weekKey, map[string]string{"From": prompts.Date(lang, from), "To": prompts.Date(lang, to)}) + "\n"
	if line := week.items(lang); line != "" {
		weekText += prompts.Text(lang, prompts.LogWeekLine, map[string]string{"Items": line})
	} else {
		weekText += prompts.Text(lang, prompts.LogWeekEmpty, nil)
	}
	footer := prompts.Text(lang, prompts.LogFooter, nil)
	if e.Code != "" {
		footer = prompts.Text(lang, "log.footer.code", map[string]string{"Code": e.Code})
	}
	blocks = append(blocks, Section(weekText), Context(footer))
	return Ephemeral(title, blocks...)
}

// NothingToUndo answers /log undo when the rep logged nothing that still
// counts in the last kpi.MaxDaysBack days.
func NothingToUndo(lang prompts.Lang) slack.Msg {
	return Reply(lang, prompts.LogUndoNone, map[string]int{"Days": kpi.MaxDaysBack})
}

// Undone answers /log undo: the rep's last entry withdrawn, whatever day
// it was for, raw as typed.
func Undone(lang prompts.Lang, e Entry, raw string, today kpi.Date) slack.Msg {
	return Reply(lang, prompts.LogUndoDone, map[string]string{
		"Day": prompts.Day(lang, e.Day, today), "Raw": Escape(raw), "Items": e.items(lang), "Code": e.Code,
	})
}

// Refusal explains why nothing was stored, with an example to copy.
func Refusal(lang prompts.Lang, reason string) slack.Msg {
	text := "⚠️ " + reason + "\n" + prompts.Text(lang, prompts.LogErrorNothingSaved, nil)
	return Ephemeral(text, Section(text), Context(prompts.Text(lang, prompts.LogErrorExample, nil)))
}

// TooManyInADay refuses a check-in of n of metric m that would take day's
// total to total, past the daily limit: the figure typed, the reason, and
// how many are left that day.
func TooManyInADay(lang prompts.Lang, m kpi.Metric, n, total int, day kpi.Date, limit int) slack.Msg {
	return Refusal(lang, prompts.Text(lang, prompts.LogErrorTooManyDay, capData(lang, m, n, total, day, limit)))
}

// capData is what the texts of a daily-cap refusal say.
func capData(lang prompts.Lang, m kpi.Metric, n, total int, day kpi.Date, limit int) map[string]any {
	return map[string]any{
		"N": n, "LabelN": prompts.MetricLabel(lang, m, n), "Total": total, "Label": prompts.MetricLabel(lang, m, total),
		"Day": prompts.Date(lang, day), "Limit": limit, "Left": max(0, limit-(total-n)),
	}
}

// KeyConflict refuses a check-in whose delivery key is another user's.
func KeyConflict(lang prompts.Lang) slack.Msg {
	return Refusal(lang, prompts.Text(lang, "log.error.key_conflict", nil))
}

// parseErrorKeys words each kind of parse error; a test checks that every
// kind of kpi.ErrorKinds has its text.
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
	kpi.ErrImpossibleDate:      prompts.LogErrorImpossibleDate,
	kpi.ErrWeekdayMismatch:     prompts.LogErrorWeekdayMismatch,
	kpi.ErrOtherCurrency:       prompts.LogErrorOtherCurrency,
	kpi.ErrBareAmount:          prompts.LogErrorBareAmount,
	kpi.ErrAmbiguous:           prompts.LogErrorAmbiguous,
	kpi.ErrConflict:            prompts.LogErrorConflict,
	kpi.ErrDanglingWord:        prompts.LogErrorDangling,
	kpi.ErrSubsetTooLarge:      prompts.LogErrorSubsetTooLarge,
	kpi.ErrNotHappened:         prompts.LogErrorNotHappened,
}

// ParseErrorKey is the catalog entry of a parse error's kind, and whether
// the kind has one of its own.
func ParseErrorKey(kind kpi.ErrorKind) (prompts.Key, bool) {
	key, ok := parseErrorKeys[kind]
	if !ok {
		return prompts.LogErrorEmpty, false
	}
	return key, true
}

// parseErrorKey is the text of pe: its kind's, or the one that also gives
// the nearest known word.
func parseErrorKey(pe *kpi.ParseError) prompts.Key {
	key, _ := ParseErrorKey(pe.Kind)
	if key == prompts.LogErrorUnknown && pe.Suggestion != "" {
		key = prompts.LogErrorUnknownSuggest
	}
	return key
}

// parseErrorData is what the texts of parse errors may say: the token as
// typed, the nearest valid form, the whole text, the limit crossed, the
// metric, the day a date error is about, and for another currency the one
// typed. esc escapes user text for mrkdwn; modal errors are plain.
func parseErrorData(lang prompts.Lang, text string, pe *kpi.ParseError, esc func(string) string) map[string]any {
	data := map[string]any{
		"Token":      esc(pe.Token),
		"Suggestion": esc(pe.Suggestion),
		"Text":       esc(text),
		"Limit":      pe.Limit,
		"Label":      metricLabel(lang, pe),
		"Date":       "",
		"Weekday":    "",
		"DayMonth":   "",
		"Currency":   pe.Currency,
	}
	if !pe.Date.IsZero() {
		data["Date"] = prompts.Date(lang, pe.Date)
		data["Weekday"] = prompts.Weekday(lang, pe.Date)
		data["DayMonth"] = prompts.DayMonth(lang, pe.Date)
	}
	return data
}

// metricLabel names the metric a parse error is about, if any.
func metricLabel(lang prompts.Lang, pe *kpi.ParseError) string {
	if pe.Metric == "" {
		return ""
	}
	return prompts.MetricLabel(lang, pe.Metric, 2)
}

// ParseError refuses what /log could not read: the token quoted, the real
// reason, the nearest valid form when there is one, and an example.
func ParseError(lang prompts.Lang, text string, pe *kpi.ParseError) slack.Msg {
	return Refusal(lang, prompts.Text(lang, parseErrorKey(pe), parseErrorData(lang, text, pe, Escape)))
}
