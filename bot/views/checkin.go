package views

import (
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
	NoteBlock       = "note"
	NoteMaxRunes    = 500
)

// CheckInMetrics are the counts the modal asks for: the core funnel.
var CheckInMetrics = []kpi.Metric{kpi.Calls, kpi.Leads, kpi.Meetings, kpi.Demos, kpi.Proposals, kpi.Followups, kpi.Signatures}

// firstField is where an error about the whole check-in goes.
var firstField = string(CheckInMetrics[0])

// CheckInModal is the check-in form: one whole number per core metric,
// the revenue, and a note, all optional. It carries no private metadata:
// the workspace and the user come with the submission.
func CheckInModal(lang prompts.Lang) slack.ModalViewRequest {
	blocks := []slack.Block{Context(prompts.Text(lang, "remind.modal.intro", nil))}
	for _, m := range CheckInMetrics {
		el := slack.NewNumberInputBlockElement(nil, string(m), false)
		el.MinValue, el.MaxValue = "0", strconv.Itoa(kpi.MaxPerMetric)
		in := slack.NewInputBlock(string(m), plainText(capitalize(prompts.MetricLabel(lang, m, 2))), nil, el)
		in.Optional = true
		blocks = append(blocks, in)
	}
	revenue := slack.NewNumberInputBlockElement(plainText(prompts.Text(lang, "remind.modal.revenue.placeholder", nil)), RevenueBlock, true)
	revenue.MinValue = "0"
	rev := slack.NewInputBlock(RevenueBlock, plainText(capitalize(prompts.MetricLabel(lang, kpi.Revenue, 2))), plainText(prompts.Text(lang, "remind.modal.revenue.hint", nil)), revenue)
	rev.Optional = true
	note := slack.NewPlainTextInputBlockElement(plainText(prompts.Text(lang, "remind.modal.note.placeholder", nil)), NoteBlock)
	note.Multiline, note.MaxLength = true, NoteMaxRunes
	nb := slack.NewInputBlock(NoteBlock, plainText(prompts.Text(lang, "remind.modal.note", nil)), nil, note)
	nb.Optional = true
	blocks = append(blocks, rev, nb)
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: CheckInCallback,
		Title:      plainText(prompts.Text(lang, "remind.modal.title", nil)),
		Submit:     plainText(prompts.Text(lang, "remind.modal.submit", nil)),
		Close:      plainText(prompts.Text(lang, "remind.modal.close", nil)),
		Blocks:     slack.Blocks{BlockSet: blocks},
	}
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

// ReadCheckIn turns the modal's fields into a /log text with the English
// metric words the parser knows, and the counts it should read. A field
// that is not a number Slack would have sent gets its own error; all
// fields empty is an error on the first one.
func ReadCheckIn(lang prompts.Lang, state *slack.ViewState) (string, map[kpi.Metric]int, map[string]string) {
	value := func(block string) string {
		if state == nil {
			return ""
		}
		return strings.TrimSpace(state.Values[block][block].Value)
	}
	errs := map[string]string{}
	counts := map[kpi.Metric]int{}
	var parts []string
	for _, m := range CheckInMetrics {
		v := value(string(m))
		if v == "" {
			continue
		}
		if !allDigits(v) {
			errs[string(m)] = prompts.Text(lang, "remind.modal.error.whole", map[string]any{"Limit": kpi.MaxPerMetric})
			continue
		}
		v = strings.TrimLeft(v, "0")
		if v == "" {
			v = "0"
		}
		n, _ := strconv.Atoi(v) // too large only for the parser to refuse
		counts[m] = n
		word := string(m)
		if v == "1" {
			word = strings.TrimSuffix(word, "s") // "1 call", "1 followup"
		}
		parts = append(parts, v+" "+word)
	}
	if v := value(RevenueBlock); v != "" {
		amount, ok := plainAmount(v)
		if !ok {
			errs[RevenueBlock] = prompts.Text(lang, "remind.modal.error.amount", nil)
		} else {
			parts = append(parts, "revenue "+amount)
		}
	}
	if len(errs) > 0 {
		return "", nil, errs
	}
	if len(parts) == 0 {
		return "", nil, map[string]string{firstField: prompts.Text(lang, "remind.modal.error.empty", nil)}
	}
	text := strings.Join(parts, " ")
	if note := strings.TrimSpace(value(NoteBlock)); note != "" {
		text += " -- " + note
	}
	return text, counts, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// plainAmount reads a number_input amount ("12000", "12000.5") into a
// form /log cannot misread: digits, then a decimal mark and at most two
// decimals ("1.000" would read as a thousand, so three are refused).
func plainAmount(s string) (string, bool) {
	whole, frac, hasFrac := strings.Cut(strings.Replace(s, ",", ".", 1), ".")
	if !allDigits(whole) || hasFrac && (!allDigits(frac) || len(frac) > 2) {
		return "", false
	}
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		whole = "0"
	}
	if hasFrac {
		return whole + "." + frac, true
	}
	return whole, true
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

// ModalRefusal puts the reason of a /log refusal (its fallback text)
// under the modal's first field, as plain text.
func ModalRefusal(refusal slack.Msg) *slack.ViewSubmissionResponse {
	reason := emphasis.Replace(strings.TrimSpace(strings.TrimPrefix(refusal.Text, "⚠️")))
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
	case pe.Metric != "":
		block = string(pe.Metric)
	}
	if pe.Kind == kpi.ErrTooMany {
		return ModalError(lang, block, "remind.modal.error.too_many", map[string]any{"Limit": pe.Limit, "Label": prompts.MetricLabel(lang, pe.Metric, 2)})
	}
	reason := prompts.Text(lang, parseErrorKey(pe), parseErrorData(lang, pe.Token, pe, func(s string) string { return s }))
	return ModalErrors(map[string]string{block: emphasis.Replace(reason)})
}
