package views

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// The check-in modal. Block IDs are the metric keys, so a validation
// error lands under the field it is about.
const (
	CheckInCallback = "checkin"
	RevenueBlock    = string(kpi.Revenue)
	PipelineBlock   = "pipeline"
	DayBlock        = "day"
	NoteBlock       = "note"
	NoteMaxRunes    = 500
)

// CheckInMetrics are the counts the modal always asks for: the core
// funnel. A form filled in from an entry also shows the other metrics the
// entry has, so that correcting it never drops one.
var CheckInMetrics = []kpi.Metric{kpi.Calls, kpi.Leads, kpi.Meetings, kpi.Demos, kpi.Proposals, kpi.Followups, kpi.Signatures}

// firstField is where an error about the whole check-in goes.
var firstField = string(CheckInMetrics[0])

// CheckInForm is what the check-in modal shows filled in: a reading to
// confirm or an entry to correct. The zero value is the empty form of the
// reminder, for today.
type CheckInForm struct {
	Tally
	Day  kpi.Date // the zero Date leaves the date picker on today
	Note string
	// Metadata comes back with the submission (private_metadata) to say
	// what the form is for. It is not trusted: the bot checks that what it
	// names belongs to whoever submits.
	Metadata string
	// Correcting titles the form as the correction of an entry.
	Correcting bool
}

// CheckInModal is the empty check-in form: one whole number per core
// metric, the revenue, the value of proposals, the day and a note, all
// optional. It carries no
// private metadata: the workspace and the user come with the submission.
func CheckInModal(lang prompts.Lang) slack.ModalViewRequest {
	return CheckInModalFor(lang, CheckInForm{})
}

// CheckInModalFor is the check-in form filled in with f.
func CheckInModalFor(lang prompts.Lang, f CheckInForm) slack.ModalViewRequest {
	intro := "remind.modal.intro"
	title := prompts.Key("remind.modal.title")
	if f.Correcting || f.Metadata != "" {
		intro, title = "log.modal.edit.intro", "log.modal.edit.title"
	}
	blocks := []slack.Block{Context(prompts.Text(lang, prompts.Key(intro), nil))}
	for _, m := range formMetrics(f.Counts) {
		el := slack.NewNumberInputBlockElement(nil, string(m), false)
		el.MinValue, el.MaxValue = "0", strconv.Itoa(kpi.MaxPerMetric)
		if n, ok := f.Counts[m]; ok {
			el.InitialValue = strconv.Itoa(n)
		}
		in := slack.NewInputBlock(string(m), plainText(capitalize(prompts.MetricLabel(lang, m, 2))), nil, el)
		in.Optional = true
		blocks = append(blocks, in)
	}
	amount := func(block, label string, hint prompts.Key, has bool, cents int64) *slack.InputBlock {
		el := slack.NewNumberInputBlockElement(plainText(prompts.Text(lang, "remind.modal.revenue.placeholder", nil)), block, true)
		el.MinValue, el.MaxValue = "0", strconv.Itoa(kpi.MaxRevenueCents/100)
		if has {
			el.InitialValue = plainCents(cents)
		}
		in := slack.NewInputBlock(block, plainText(label), plainText(prompts.Text(lang, hint, nil)), el)
		in.Optional = true
		return in
	}
	rev := amount(RevenueBlock, capitalize(prompts.MetricLabel(lang, kpi.Revenue, 2)), "remind.modal.revenue.hint", f.HasRevenue, f.RevenueCents)
	pipe := amount(PipelineBlock, prompts.Text(lang, "log.modal.pipeline", nil), "log.modal.pipeline.hint", f.HasPipeline, f.PipelineCents)
	day := slack.NewDatePickerBlockElement(DayBlock)
	day.Placeholder = plainText(prompts.Text(lang, "log.modal.day.placeholder", nil))
	if !f.Day.IsZero() {
		day.InitialDate = f.Day.String()
	}
	db := slack.NewInputBlock(DayBlock, plainText(prompts.Text(lang, "log.modal.day", nil)), nil, day)
	db.Optional = true
	note := slack.NewPlainTextInputBlockElement(plainText(prompts.Text(lang, "remind.modal.note.placeholder", nil)), NoteBlock)
	note.Multiline, note.MaxLength, note.InitialValue = true, NoteMaxRunes, f.Note
	nb := slack.NewInputBlock(NoteBlock, plainText(prompts.Text(lang, "remind.modal.note", nil)), nil, note)
	nb.Optional = true
	blocks = append(blocks, rev, pipe, db, nb)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      CheckInCallback,
		PrivateMetadata: f.Metadata,
		Title:           plainText(prompts.Text(lang, title, nil)),
		Submit:          plainText(prompts.Text(lang, "remind.modal.submit", nil)),
		Close:           plainText(prompts.Text(lang, "remind.modal.close", nil)),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// formMetrics are the count fields of a form: the core funnel, and every
// other metric counts has, in funnel order.
func formMetrics(counts map[kpi.Metric]int) []kpi.Metric {
	var out []kpi.Metric
	for _, m := range kpi.CountMetrics {
		if _, ok := counts[m]; ok || slices.Contains(CheckInMetrics, m) {
			out = append(out, m)
		}
	}
	return out
}

// plainCents writes cents as the modal's number input shows them:
// "12000", "12000.5".
func plainCents(v int64) string {
	s := strconv.FormatInt(v/100, 10)
	if c := v % 100; c != 0 {
		s += strings.TrimRight("."+strconv.FormatInt(100+c, 10)[1:], "0")
	}
	return s
}

// plainText is a plain_text object, as modal titles, labels and hints are.
func plainText(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// ReadCheckIn turns the modal's fields into the /log text the parser reads
// back to the same entry (kpi's canonical English: "7 calls 2 meetings
// revenue 12000 EUR 2026-11-20 -- note"), in currency, and the counts it
// should read. The day is written only when it is not today (always, when
// today is the zero Date: a correction keeps the day it names). A field that
// is not a number Slack would have sent gets its own error; all fields
// empty is an error on the first one.
func ReadCheckIn(lang prompts.Lang, state *slack.ViewState, today kpi.Date, currency string) (string, map[kpi.Metric]int, map[string]string) {
	value := func(block string) string {
		if state == nil {
			return ""
		}
		return strings.TrimSpace(state.Values[block][block].Value)
	}
	errs := map[string]string{}
	e := kpi.Entry{Counts: map[kpi.Metric]int{}, Currency: currency}
	for _, m := range kpi.CountMetrics {
		v := value(string(m))
		if v == "" {
			continue
		}
		if !allDigits(v) {
			errs[string(m)] = prompts.Text(lang, "remind.modal.error.whole", map[string]any{"Limit": kpi.MaxPerMetric})
			continue
		}
		v = strings.TrimLeft(v, "0")
		if len(v) > 9 {
			v = "999999999" // far past the cap, which the parser refuses
		}
		n, _ := strconv.Atoi(v)
		e.Counts[m] = n
	}
	amount := func(block string) (int64, bool) {
		v := value(block)
		if v == "" {
			return 0, false
		}
		cents, ok := plainAmount(v)
		if !ok {
			errs[block] = prompts.Text(lang, "remind.modal.error.amount", nil)
		}
		return cents, ok
	}
	e.RevenueCents, e.HasRevenue = amount(RevenueBlock)
	e.PipelineCents, e.HasPipeline = amount(PipelineBlock)
	if state != nil {
		if d := state.Values[DayBlock][DayBlock].SelectedDate; d != "" {
			day, err := kpi.ParseDate(d)
			if err != nil {
				errs[DayBlock] = prompts.Text(lang, "log.modal.day.error", nil)
			} else if day != today || today.IsZero() {
				e.Date, e.DateGiven = day, true
			}
		}
	}
	if len(errs) > 0 {
		return "", nil, errs
	}
	if len(e.Counts) == 0 && !e.HasRevenue && !e.HasPipeline {
		return "", nil, map[string]string{firstField: prompts.Text(lang, "remind.modal.error.empty", nil)}
	}
	e.Note = strings.TrimSpace(value(NoteBlock))
	return e.CanonicalEnglish(), e.Counts, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// plainAmount reads a number_input amount ("12000", "12000.5") into
// cents, refusing what could be misread: digits, then a decimal mark and
// at most two decimals ("1.000" would read as a thousand, so three are
// refused). An amount past any bound is kept large for the parser to
// refuse with its own words.
func plainAmount(s string) (int64, bool) {
	whole, frac, hasFrac := strings.Cut(strings.Replace(s, ",", ".", 1), ".")
	if !allDigits(whole) || hasFrac && (!allDigits(frac) || len(frac) > 2) {
		return 0, false
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 12 {
		whole = "999999999999"
	}
	units, _ := strconv.ParseInt("0"+whole, 10, 64)
	cents := units * 100
	if hasFrac {
		c, _ := strconv.ParseInt((frac + "0")[:2], 10, 64)
		cents += c
	}
	return cents, true
}

// ModalDone closes a modal: its submission is taken.
func ModalDone() *slack.ViewSubmissionResponse { return slack.NewClearViewSubmissionResponse() }

// ModalErrors keeps a modal open with errs under their blocks.
func ModalErrors(errs map[string]string) *slack.ViewSubmissionResponse {
	return slack.NewErrorsViewSubmissionResponse(errs)
}

// ModalError keeps a modal open with the catalog text key under block.
func ModalError(lang prompts.Lang, block string, key prompts.Key, data any) *slack.ViewSubmissionResponse {
	return ModalErrors(map[string]string{block: prompts.Text(lang, key, data)})
}

// ModalNotice keeps the check-in modal open with the catalog text key
// under its first field: what it was for is gone.
func ModalNotice(lang prompts.Lang, key prompts.Key) *slack.ViewSubmissionResponse {
	return ModalError(lang, firstField, key, nil)
}

// CheckInFailed keeps the check-in modal open: it could not be stored.
func CheckInFailed(lang prompts.Lang) *slack.ViewSubmissionResponse {
	return ModalError(lang, firstField, "remind.modal.error.failed", nil)
}

// TooManyInADayModal refuses, under m's field, n more of m on a day that
// already has already.
func TooManyInADayModal(lang prompts.Lang, m kpi.Metric, n, already int) *slack.ViewSubmissionResponse {
	return ModalError(lang, string(m), "remind.modal.error.too_many_day", map[string]any{
		"Total": already + n, "Label": prompts.MetricLabel(lang, m, already+n), "Limit": kpi.MaxPerMetric, "Already": already,
	})
}

// TooManyInADayField refuses, under m's field, a correction of n of m
// that would take day's total of m to total, past limit.
func TooManyInADayField(lang prompts.Lang, m kpi.Metric, n, total int, day kpi.Date, limit int) *slack.ViewSubmissionResponse {
	return ModalErrors(map[string]string{string(m): Unemphasise(prompts.Text(lang, prompts.LogErrorTooManyDay, capData(lang, m, n, total, day, limit)))})
}

// ModalRefusal puts the reason of a /log refusal (its fallback text)
// under the modal's first field, as plain text.
func ModalRefusal(refusal slack.Msg) *slack.ViewSubmissionResponse {
	reason := Unemphasise(strings.TrimSpace(strings.TrimPrefix(refusal.Text, "⚠️")))
	return ModalErrors(map[string]string{firstField: reason})
}

// FieldError puts a /log refusal under the modal field it is about, in
// the words /log would use, without its mrkdwn: modal errors are plain.
func FieldError(lang prompts.Lang, pe *kpi.ParseError) *slack.ViewSubmissionResponse {
	block := firstField
	switch {
	case pe.Kind == kpi.ErrTooLong:
		return ModalError(lang, NoteBlock, "remind.modal.error.too_long", map[string]any{"Limit": pe.Limit})
	case pe.Metric == kpi.Revenue || pe.Kind == kpi.ErrRevenueTooLarge || pe.Kind == kpi.ErrBadAmount:
		block = RevenueBlock
	case pe.Kind == kpi.ErrFutureDate || pe.Kind == kpi.ErrTooOld || pe.Kind == kpi.ErrBadDate || pe.Kind == kpi.ErrImpossibleDate:
		block = DayBlock
	case pe.Metric != "":
		block = string(pe.Metric)
	}
	if pe.Kind == kpi.ErrTooMany {
		return ModalError(lang, block, "remind.modal.error.too_many", map[string]any{"Limit": pe.Limit, "Label": prompts.MetricLabel(lang, pe.Metric, 2)})
	}
	reason := prompts.Text(lang, parseErrorKey(pe), parseErrorData(lang, pe.Token, pe, func(s string) string { return s }))
	return ModalErrors(map[string]string{block: Unemphasise(reason)})
}
