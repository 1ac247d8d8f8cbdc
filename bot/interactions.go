package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// slackUI is the part of the Slack Web API that interactions use;
// *slack.Client implements it.
type slackUI interface {
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
	ScheduleMessageContext(ctx context.Context, channelID, postAt string, options ...slack.MsgOption) (string, string, error)
}

// interactor answers Slack interactions (button clicks, modal
// submissions). The HTTP and Socket Mode transports find it on the
// responder's handler, so *Handler needs no extra wiring there.
type interactor interface {
	Interact(ctx context.Context, cb slack.InteractionCallback) (response any, err error)
}

var _ interactor = (*Handler)(nil)

// SetSlackUI gives the handler the Slack client it needs to open the
// check-in modal (views.open) and snooze reminders (chat.scheduleMessage).
// Without one, those buttons tell the user to use /log. Call it before
// serving.
func (h *Handler) SetSlackUI(ui slackUI) { h.ui = ui }

func (h *Handler) slackUI() slackUI { return h.ui }

var errNoSlackUI = errors.New("bot: no Slack client for interactions (call Handler.SetSlackUI)")

// Slack wants an interaction acknowledged within 3 seconds, and a
// trigger_id is good for 3 seconds: everything an interaction does before
// its answer fits in interactBudget.
const interactBudget = 2500 * time.Millisecond

// responseURLClient posts to response_url, which answers quickly or not
// at all.
var responseURLClient = &http.Client{Timeout: 5 * time.Second}

// The check-in modal. Block IDs are the metric keys, so a validation
// error lands under the field it is about.
const (
	checkInCallback = "checkin"
	revenueBlock    = string(kpi.Revenue)
	noteBlock       = "note"
	noteMaxRunes    = 500
)

// checkInMetrics are the counts the modal asks for: the core funnel.
var checkInMetrics = []kpi.Metric{kpi.Calls, kpi.Leads, kpi.Meetings, kpi.Demos, kpi.Proposals, kpi.Followups, kpi.Signatures}

// Interact answers one interaction: a click on a reminder button, or the
// submission of the check-in modal. response is what Slack must receive
// in the acknowledgement (the HTTP body, or the Socket Mode ack payload),
// nil for an empty acknowledgement. A non-nil error is for the log; the
// response stands either way.
//
// The work outlives the request that carried it, within interactBudget:
// a check-in whose answer Slack dropped is still stored once.
func (h *Handler) Interact(ctx context.Context, cb slack.InteractionCallback) (any, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), interactBudget)
	defer cancel()
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		return nil, h.blockActions(ctx, cb)
	case slack.InteractionTypeViewSubmission:
		switch cb.View.CallbackID {
		case checkInCallback:
			return h.submitCheckIn(ctx, cb)
		case coachCallback:
			return h.submitCoachEdit(ctx, cb)
		}
	}
	return nil, nil
}

// interactionCommand is who interacted, as a command would carry it.
func interactionCommand(cb slack.InteractionCallback) Command {
	ws := cb.Team.ID
	if ws == "" {
		ws = cb.User.TeamID
	}
	if ws == "" {
		ws = cb.Enterprise.ID
	}
	return Command{Workspace: ws, User: cb.User.ID, UserName: cb.User.Name, Channel: cb.Channel.ID, ResponseURL: cb.ResponseURL}
}

func (h *Handler) blockActions(ctx context.Context, cb slack.InteractionCallback) error {
	for _, a := range cb.ActionCallback.BlockActions {
		switch a.ActionID {
		case actionCheckInOpen:
			return h.openCheckIn(ctx, cb)
		case actionReminderSnooze:
			return h.snoozeReminder(ctx, cb)
		case actionReminderOff:
			return h.remindersOff(ctx, cb)
		case actionCoachPost, actionCoachEdit, actionCoachSkip:
			return h.coachClick(ctx, cb, a)
		}
	}
	return nil
}

// openCheckIn opens the check-in modal on the click's trigger, which
// expires 3 seconds after the click: hence synchronously, within budget.
func (h *Handler) openCheckIn(ctx context.Context, cb slack.InteractionCallback) error {
	cmd := interactionCommand(cb)
	lang := h.profile(ctx, cmd).Lang
	ui := h.slackUI()
	if ui == nil {
		h.tell(ctx, cmd, lang, "remind.open.failed")
		return errNoSlackUI
	}
	if _, err := ui.OpenViewContext(ctx, cb.TriggerID, checkInModal(lang)); err != nil {
		h.tell(ctx, cmd, lang, "remind.open.failed")
		return fmt.Errorf("bot: open check-in modal: %w", err)
	}
	return nil
}

// snoozeReminder schedules the same reminder an hour from now, then
// replaces the clicked one with when it will come back.
func (h *Handler) snoozeReminder(ctx context.Context, cb slack.InteractionCallback) error {
	cmd := interactionCommand(cb)
	p := h.profile(ctx, cmd)
	ui := h.slackUI()
	if ui == nil {
		h.tell(ctx, cmd, p.Lang, "remind.snooze.failed")
		return errNoSlackUI
	}
	channel := cmd.Channel
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	if channel == "" {
		channel = cmd.User // a DM to the user
	}
	at := h.now().Add(snoozeFor)
	msg := reminderMsg(p.Lang)
	if _, _, err := ui.ScheduleMessageContext(ctx, channel, strconv.FormatInt(at.Unix(), 10),
		slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks.BlockSet...)); err != nil {
		h.tell(ctx, cmd, p.Lang, "remind.snooze.failed")
		return fmt.Errorf("bot: snooze reminder: %w", err)
	}
	return h.replaceClicked(ctx, cmd, prompts.Text(p.Lang, "remind.snoozed", map[string]string{"Time": at.In(p.Loc).Format("15:04")}))
}

// remindersOff records that the rep wants no more reminders, and replaces
// the clicked reminder with how to turn them back on.
func (h *Handler) remindersOff(ctx context.Context, cb slack.InteractionCallback) error {
	cmd := interactionCommand(cb)
	lang := h.profile(ctx, cmd).Lang
	store, ok := h.prefStore()
	if !ok {
		return errors.New("bot: storage keeps no reminder preferences")
	}
	pref, err := h.reminderPref(ctx, cmd.Workspace, cmd.User)
	if err != nil {
		h.tell(ctx, cmd, lang, "remind.off.failed")
		return fmt.Errorf("bot: reminders off: %w", err)
	}
	pref.Workspace, pref.User, pref.Off, pref.UpdatedAt = cmd.Workspace, cmd.User, true, h.now()
	if err := store.SaveReminderPref(ctx, pref); err != nil {
		h.tell(ctx, cmd, lang, "remind.off.failed")
		return fmt.Errorf("bot: reminders off: %w", err)
	}
	return h.replaceClicked(ctx, cmd, prompts.Text(lang, "remind.off.done", nil))
}

// replaceClicked replaces the message whose button was clicked.
func (h *Handler) replaceClicked(ctx context.Context, cmd Command, text string) error {
	if cmd.ResponseURL == "" {
		return nil
	}
	msg := ephemeral(text, section(text))
	msg.ResponseType, msg.ReplaceOriginal = "", true
	return postResponseURL(ctx, cmd.ResponseURL, msg)
}

// tell answers a click with a message only the user sees, leaving the
// clicked message as it was: what went wrong, and what to do instead.
func (h *Handler) tell(ctx context.Context, cmd Command, lang prompts.Lang, key prompts.Key) {
	if cmd.ResponseURL == "" {
		return
	}
	// The budget may be spent on what failed; this is worth a few
	// seconds more.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	text := prompts.Text(lang, key, nil)
	if err := postResponseURL(ctx, cmd.ResponseURL, ephemeral(text, section(text))); err != nil {
		h.log.Warn("interaction answer not delivered", "workspace", cmd.Workspace, "user", cmd.User, "err", err)
	}
}

func postResponseURL(ctx context.Context, responseURL string, msg slack.Msg) error {
	if err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, responseURLClient, wire(msg)); err != nil {
		// response_url lets anyone answer in the user's name for 30
		// minutes: keep it out of the logs.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("bot: post to response_url: %w", err)
	}
	return nil
}

// checkInModal is the check-in form: one whole number per core metric,
// the revenue, and a note, all optional. It carries no private metadata:
// the workspace and the user come with the submission.
func checkInModal(lang prompts.Lang) slack.ModalViewRequest {
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	blocks := []slack.Block{contextBlock(prompts.Text(lang, "remind.modal.intro", nil))}
	for _, m := range checkInMetrics {
		el := slack.NewNumberInputBlockElement(nil, string(m), false)
		el.MinValue, el.MaxValue = "0", strconv.Itoa(kpi.MaxPerMetric)
		in := slack.NewInputBlock(string(m), plain(capitalize(prompts.MetricLabel(lang, m, 2))), nil, el)
		in.Optional = true
		blocks = append(blocks, in)
	}
	revenue := slack.NewNumberInputBlockElement(plain(prompts.Text(lang, "remind.modal.revenue.placeholder", nil)), revenueBlock, true)
	revenue.MinValue = "0"
	rev := slack.NewInputBlock(revenueBlock, plain(capitalize(prompts.MetricLabel(lang, kpi.Revenue, 2))), plain(prompts.Text(lang, "remind.modal.revenue.hint", nil)), revenue)
	rev.Optional = true
	note := slack.NewPlainTextInputBlockElement(plain(prompts.Text(lang, "remind.modal.note.placeholder", nil)), noteBlock)
	note.Multiline, note.MaxLength = true, noteMaxRunes
	nb := slack.NewInputBlock(noteBlock, plain(prompts.Text(lang, "remind.modal.note", nil)), nil, note)
	nb.Optional = true
	blocks = append(blocks, rev, nb)
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: checkInCallback,
		Title:      plain(prompts.Text(lang, "remind.modal.title", nil)),
		Submit:     plain(prompts.Text(lang, "remind.modal.submit", nil)),
		Close:      plain(prompts.Text(lang, "remind.modal.close", nil)),
		Blocks:     slack.Blocks{BlockSet: blocks},
	}
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// submitCheckIn stores the modal's check-in through /log itself: the
// fields become the /log text a rep could have typed ("7 calls 2
// meetings -- note"), keyed by the view so a repeated submission stores
// once. What /log would refuse goes back to the modal, under the field it
// is about; a stored check-in closes it.
func (h *Handler) submitCheckIn(ctx context.Context, cb slack.InteractionCallback) (any, error) {
	cmd := interactionCommand(cb)
	cmd.Name, cmd.Key, cmd.Source, cmd.Channel, cmd.ResponseURL = "/log", "view:"+cb.View.ID, "slack-modal", "", ""
	p := h.profile(ctx, cmd)
	firstField := string(checkInMetrics[0])
	if cb.View.ID == "" || cmd.Workspace == "" || cmd.User == "" {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{firstField: prompts.Text(p.Lang, "remind.modal.error.failed", nil)}),
			errors.New("bot: check-in submission without a view, workspace or user")
	}
	text, counts, fieldErrs := checkInText(p.Lang, cb.View.State)
	if len(fieldErrs) > 0 {
		return slack.NewErrorsViewSubmissionResponse(fieldErrs), nil
	}
	cmd.Text = text
	// The same parser /log uses, first, to put a refusal under its field.
	entry, err := h.parser.Parse(text, h.now().In(p.Loc))
	var pe *kpi.ParseError
	if errors.As(err, &pe) {
		block, reason := fieldError(p.Lang, pe)
		return slack.NewErrorsViewSubmissionResponse(map[string]string{block: reason}), nil
	}
	if err != nil {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{firstField: prompts.Text(p.Lang, "remind.modal.error.failed", nil)}), err
	}

	msg, err := h.Handle(ctx, cmd)
	if err != nil {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{firstField: prompts.Text(p.Lang, "remind.modal.error.failed", nil)}), err
	}
	// /log answers in words; whether the entry is stored is in storage.
	// The day after too: a submission at midnight may land on either.
	day := entry.Date
	stored, err := h.store.CheckIns(ctx, cmd.Workspace, cmd.User, day.AddDays(-1).String(), day.AddDays(1).String())
	if err != nil {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{firstField: prompts.Text(p.Lang, "remind.modal.error.failed", nil)}), err
	}
	dayTotals := map[kpi.Metric]int{}
	for _, c := range stored {
		if c.Key == cmd.Key {
			return slack.NewClearViewSubmissionResponse(), nil
		}
		if c.Day == day.String() {
			for m, n := range c.Counts {
				dayTotals[kpi.Metric(m)] += n
			}
		}
	}
	// Refused: the one refusal a well-formed entry meets is the daily cap,
	// with what was logged earlier that day.
	for _, m := range checkInMetrics {
		if n, ok := counts[m]; ok && n > 0 && dayTotals[m]+n > kpi.MaxPerMetric {
			return slack.NewErrorsViewSubmissionResponse(map[string]string{string(m): prompts.Text(p.Lang, "remind.modal.error.too_many_day", map[string]any{
				"Total": dayTotals[m] + n, "Label": prompts.MetricLabel(p.Lang, m, dayTotals[m]+n), "Limit": kpi.MaxPerMetric, "Already": dayTotals[m],
			})}), nil
		}
	}
	reason := plainText.Replace(strings.TrimSpace(strings.TrimPrefix(msg.Text, "⚠️")))
	return slack.NewErrorsViewSubmissionResponse(map[string]string{firstField: reason}), nil
}

// checkInText turns the modal's fields into a /log text with the English
// metric words the parser knows, and the counts it should read. A field
// that is not a number Slack would have sent gets its own error; all
// fields empty is an error on the first one.
func checkInText(lang prompts.Lang, state *slack.ViewState) (string, map[kpi.Metric]int, map[string]string) {
	value := func(block string) string {
		if state == nil {
			return ""
		}
		return strings.TrimSpace(state.Values[block][block].Value)
	}
	errs := map[string]string{}
	counts := map[kpi.Metric]int{}
	var parts []string
	for _, m := range checkInMetrics {
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
	if v := value(revenueBlock); v != "" {
		amount, ok := plainAmount(v)
		if !ok {
			errs[revenueBlock] = prompts.Text(lang, "remind.modal.error.amount", nil)
		} else {
			parts = append(parts, "revenue "+amount)
		}
	}
	if len(errs) > 0 {
		return "", nil, errs
	}
	if len(parts) == 0 {
		return "", nil, map[string]string{string(checkInMetrics[0]): prompts.Text(lang, "remind.modal.error.empty", nil)}
	}
	text := strings.Join(parts, " ")
	if note := strings.TrimSpace(value(noteBlock)); note != "" {
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

// fieldError puts a /log refusal under the modal field it is about, in
// the words /log would use, without its mrkdwn: modal errors are plain.
func fieldError(lang prompts.Lang, pe *kpi.ParseError) (block, reason string) {
	block = string(checkInMetrics[0])
	switch {
	case pe.Kind == kpi.ErrTooLong:
		return noteBlock, prompts.Text(lang, "remind.modal.error.too_long", map[string]any{"Limit": pe.Limit})
	case pe.Metric == kpi.Revenue || pe.Kind == kpi.ErrRevenueTooLarge || pe.Kind == kpi.ErrBadAmount:
		block = revenueBlock
	case pe.Metric != "":
		block = string(pe.Metric)
	}
	if pe.Kind == kpi.ErrTooMany {
		return block, prompts.Text(lang, "remind.modal.error.too_many", map[string]any{"Limit": pe.Limit, "Label": prompts.MetricLabel(lang, pe.Metric, 2)})
	}
	key, ok := parseErrorKeys[pe.Kind]
	if !ok {
		key = prompts.LogErrorEmpty
	}
	label := ""
	if pe.Metric != "" {
		label = prompts.MetricLabel(lang, pe.Metric, 2)
	}
	reason = prompts.Text(lang, key, map[string]any{
		"Token": pe.Token, "Suggestion": pe.Suggestion, "Text": pe.Token, "Limit": pe.Limit, "Label": label,
	})
	return block, plainText.Replace(reason)
}

// plainText drops mrkdwn emphasis from a /log answer: modal errors are
// plain text.
var plainText = strings.NewReplacer("`", "", "*", "")
