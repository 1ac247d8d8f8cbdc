package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/logctx"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// slackUI is the part of the Slack Web API that interactions use;
// *slack.Client implements it.
type slackUI interface {
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
	PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error)
	ScheduleMessageContext(ctx context.Context, channelID, postAt string, options ...slack.MsgOption) (string, string, error)
}

var errNoSlackUI = errors.New("bot: no Slack client for interactions (call Handler.SetSlackUI)")

// interactionSource is the Source of what a click or a modal does.
const interactionSource = "slack-interaction"

// Slack wants an interaction acknowledged within 3 seconds, and a
// trigger_id is good for 3 seconds: everything an interaction does before
// its answer fits in interactBudget.
const interactBudget = 2500 * time.Millisecond

// responseURLClient posts to response_url, which answers quickly or not
// at all.
var responseURLClient = &http.Client{Timeout: 5 * time.Second}

// interactions answers Slack interactions: the reminder's buttons and the
// check-in modal here, the coaching draft's buttons and modal through
// coaching.
type interactions struct {
	store interface {
		CheckIns(ctx context.Context, workspace, user, from, to string) ([]storage.CheckIn, error)
		DeletePending(ctx context.Context, workspace, user, code string) error
		ReviseCheckIn(ctx context.Context, c, next storage.CheckIn, editKey string, dayCap int, at time.Time) (storage.CheckIn, error)
	}
	settings *settings
	ui       slackUI
	// commands stores a modal's check-in as /log does.
	commands   CommandHandler
	checkIns   *checkIns
	reminders  *reminders
	coaching   *coaching
	roster     *roster
	home       *home
	forget     *forget
	mySettings *mySettings
	numbers    *numbers
	// actor says who clicked and their roles, as for a /kpi command.
	actor func(context.Context, Command) (actor, error)
	env
}

// interact dispatches an interaction, within interactBudget however
// soon the request that carried it ends; see Handler.Interact.
func (it *interactions) interact(ctx context.Context, cb slack.InteractionCallback) (any, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), interactBudget)
	defer cancel()
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		return nil, it.blockActions(ctx, cb)
	case slack.InteractionTypeViewSubmission:
		switch cb.View.CallbackID {
		case views.CheckInCallback:
			return it.submitCheckIn(ctx, cb)
		case views.MySettingsCallback:
			return it.mySettings.submit(ctx, cb)
		case views.PlanCallback:
			return it.submitPlan(ctx, cb)
		case views.CoachCallback:
			return it.coaching.submitEdit(ctx, cb)
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

func (it *interactions) blockActions(ctx context.Context, cb slack.InteractionCallback) error {
	for _, a := range cb.ActionCallback.BlockActions {
		switch a.ActionID {
		case views.ActionCheckInOpen:
			return it.openCheckIn(ctx, cb)
		case views.ActionReminderSnooze:
			return it.reminders.snooze(ctx, cb)
		case views.ActionReminderOff:
			return it.reminders.off(ctx, cb)
		case views.ActionTeamAccept, views.ActionTeamDecline:
			return it.roster.click(ctx, cb, a)
		case views.ActionForgetMe, views.ActionForgetWorkspace:
			return it.forget.click(ctx, cb, a, it.actor)
		case views.ActionCoachPost, views.ActionCoachEdit, views.ActionCoachSkip:
			return it.coaching.click(ctx, cb, a)
		case views.ActionPendingSave, views.ActionPendingCancel:
			return it.decidePending(ctx, cb, a)
		case views.ActionPendingEdit:
			return it.editPending(ctx, cb, a.Value)
		case views.ActionEntryEdit:
			return it.editEntry(ctx, cb, a.Value)
		case views.ActionEntryDelete:
			return it.deleteEntry(ctx, cb, a.Value)
		case views.ActionEntriesNewer, views.ActionEntriesOlder:
			return it.entriesPage(ctx, cb, a.Value)
		case views.ActionCommitmentDone:
			return it.home.completeCommitment(ctx, cb, a.Value)
		case views.ActionPlanOpen:
			return it.openPlan(ctx, cb)
		case views.ActionSettingsOpen:
			cmd := interactionCommand(cb)
			return it.mySettings.open(ctx, cb.TriggerID, cmd.Workspace, cmd.User, it.users.profile(ctx, cmd.Workspace, cmd.User).Lang)
		}
	}
	return nil
}

// openCheckIn opens the check-in modal on the click's trigger, which
// expires 3 seconds after the click: hence synchronously, within budget.
func (it *interactions) openCheckIn(ctx context.Context, cb slack.InteractionCallback) error {
	cmd := interactionCommand(cb)
	lang := it.users.profile(ctx, cmd.Workspace, cmd.User).Lang
	ui := it.ui
	if ui == nil {
		tell(ctx, it.log, cmd, lang, "remind.open.failed")
		return errNoSlackUI
	}
	if _, err := ui.OpenViewContext(ctx, cb.TriggerID, views.CheckInModal(lang)); err != nil {
		tell(ctx, it.log, cmd, lang, "remind.open.failed")
		return fmt.Errorf("bot: open check-in modal: %w", err)
	}
	return nil
}

// decidePending saves or drops the reading whose button was clicked. The
// value names a reading; only the clicking user's own waiting reading can
// match it, so a forged value reaches nobody else's. The clicked message
// is replaced with the outcome; a reading no longer waiting is said
// privately, and the message stays.
func (it *interactions) decidePending(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) error {
	cmd := interactionCommand(cb)
	cmd.Name, cmd.Source, cmd.Key = "/log", "slack-interaction", cb.TriggerID
	p := it.users.profile(ctx, cmd.Workspace, cmd.User)
	if _, err := it.checkIns.waiting(ctx, cmd, a.Value); errors.Is(err, storage.ErrNotFound) || a.Value == "" {
		tell(ctx, it.log, cmd, p.Lang, "log.pending.none")
		return nil
	} else if err != nil {
		tell(ctx, it.log, cmd, p.Lang, prompts.LogFailed)
		return err
	}
	var msg slack.Msg
	var err error
	if a.ActionID == views.ActionPendingSave {
		msg, err = it.checkIns.save(ctx, cmd, p, a.Value)
	} else {
		msg, err = it.checkIns.cancel(ctx, cmd, p, a.Value)
	}
	if err != nil {
		tell(ctx, it.log, cmd, p.Lang, prompts.LogFailed)
		return err
	}
	return replaceClicked(ctx, cmd, views.Replace(msg))
}

// editPending opens the check-in modal filled in with the clicking user's
// waiting reading, if code names it.
func (it *interactions) editPending(ctx context.Context, cb slack.InteractionCallback, code string) error {
	cmd := interactionCommand(cb)
	p := it.users.profile(ctx, cmd.Workspace, cmd.User)
	pending, err := it.checkIns.waiting(ctx, cmd, code)
	if errors.Is(err, storage.ErrNotFound) || code == "" {
		tell(ctx, it.log, cmd, p.Lang, "log.pending.none")
		return nil
	}
	if err != nil {
		tell(ctx, it.log, cmd, p.Lang, "log.modal.open.failed")
		return err
	}
	ws, err := it.settings.of(ctx, cmd.Workspace)
	if err != nil {
		tell(ctx, it.log, cmd, p.Lang, "log.modal.open.failed")
		return err
	}
	form := it.checkIns.form(pending.Entry, ws)
	form.Metadata = pendingPrefix + pending.Code
	if pending.Revises != "" {
		// A correction waiting for its confirmation: the form corrects
		// that entry, and the reading stops waiting once it is stored.
		form.Correcting = true
		form.Metadata = editPrefix + pending.Revises + " " + pendingPrefix + pending.Code
	}
	return it.openForm(ctx, cb, cmd, p.Lang, form)
}

// editEntry opens the check-in modal filled in with the clicking user's
// entry that ref names, to correct it. Another user's reference finds
// nothing and is refused, with no data.
func (it *interactions) editEntry(ctx context.Context, cb slack.InteractionCallback, ref string) error {
	cmd := interactionCommand(cb)
	cmd.Source = interactionSource
	p := it.users.profile(ctx, cmd.Workspace, cmd.User)
	c, msg, err := it.checkIns.find(ctx, cmd, p, ref)
	if err != nil {
		tellMsg(ctx, it.log, cmd, msg)
		if errors.Is(err, errDenied) {
			return nil
		}
		return err
	}
	ws, err := it.settings.of(ctx, cmd.Workspace)
	if err != nil {
		tell(ctx, it.log, cmd, p.Lang, "log.modal.open.failed")
		return err
	}
	return it.openForm(ctx, cb, cmd, p.Lang, it.checkIns.correctionForm(c, ws))
}

// deleteEntry withdraws the clicking user's entry that ref names, and
// replaces the list with what is left of it.
func (it *interactions) deleteEntry(ctx context.Context, cb slack.InteractionCallback, ref string) error {
	cmd := interactionCommand(cb)
	cmd.Name, cmd.Source, cmd.Key = "/log", interactionSource, cb.TriggerID
	p := it.users.profile(ctx, cmd.Workspace, cmd.User)
	msg, done, err := it.checkIns.withdraw(ctx, cmd, p, ref)
	if !done {
		tellMsg(ctx, it.log, cmd, msg)
		return err
	}
	if cb.View.Type == slack.VTHomeTab {
		// Clicked in App Home, which has no response_url: the tab is
		// published again without the entry.
		return it.home.publish(ctx, cmd.Workspace, cmd.User)
	}
	list, err := it.checkIns.list(ctx, cmd, p, 1, msg.Text)
	if err != nil {
		tellMsg(ctx, it.log, cmd, msg)
		return err
	}
	return replaceClicked(ctx, cmd, views.Replace(list))
}

// entriesPage shows another page of the clicking user's own entries.
func (it *interactions) entriesPage(ctx context.Context, cb slack.InteractionCallback, value string) error {
	cmd := interactionCommand(cb)
	p := it.users.profile(ctx, cmd.Workspace, cmd.User)
	page, ok := pageArg(value)
	if !ok {
		page = 1
	}
	list, err := it.checkIns.list(ctx, cmd, p, page, "")
	if err != nil {
		tellMsg(ctx, it.log, cmd, list)
		return err
	}
	return replaceClicked(ctx, cmd, views.Replace(list))
}

// openForm opens the check-in modal filled in with form on the click's
// trigger, which expires 3 seconds after the click.
func (it *interactions) openForm(ctx context.Context, cb slack.InteractionCallback, cmd Command, lang prompts.Lang, form views.CheckInForm) error {
	if it.ui == nil {
		tell(ctx, it.log, cmd, lang, "log.modal.open.failed")
		return errNoSlackUI
	}
	if _, err := it.ui.OpenViewContext(ctx, cb.TriggerID, views.CheckInModalFor(lang, form)); err != nil {
		tell(ctx, it.log, cmd, lang, "log.modal.open.failed")
		return fmt.Errorf("bot: open check-in modal: %w", err)
	}
	return nil
}

// The private metadata of a check-in modal filled in from a reading to
// confirm: "pending:<code>".
const pendingPrefix = "pending:"

// replaceClicked replaces the message whose button was clicked.
func replaceClicked(ctx context.Context, cmd Command, msg slack.Msg) error {
	if cmd.ResponseURL == "" {
		return nil
	}
	return postResponseURL(ctx, cmd.ResponseURL, msg)
}

// tell answers a click with a message only the user sees, leaving the
// clicked message as it was: what went wrong, and what to do instead.
func tell(ctx context.Context, log *slog.Logger, cmd Command, lang prompts.Lang, key prompts.Key) {
	tellMsg(ctx, log, cmd, views.Reply(lang, key, nil))
}

// tellMsg is tell with a message of its own.
func tellMsg(ctx context.Context, log *slog.Logger, cmd Command, msg slack.Msg) {
	if cmd.ResponseURL == "" {
		return
	}
	// The budget may be spent on what failed; this is worth a few
	// seconds more.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	msg.ReplaceOriginal = false
	if err := postResponseURL(ctx, cmd.ResponseURL, msg); err != nil {
		logctx.Logger(ctx, log).Warn("interaction answer not delivered", "workspace", cmd.Workspace, "user", cmd.User, "err", err)
	}
}

func postResponseURL(ctx context.Context, responseURL string, msg slack.Msg) error {
	if err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, responseURLClient, views.Wire(msg)); err != nil {
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

// submitCheckIn stores the modal's check-in through /log itself: the
// fields become the /log text a rep could have typed ("7 calls 2
// meetings -- note"), keyed by the view so a repeated submission stores
// once. What /log would refuse goes back to the modal, under the field it
// is about; a stored check-in closes it.
//
// A modal filled in from a reading to confirm says so in its metadata;
// the reading must still be the submitting user's own waiting one (or the
// submission a repeat of one already stored), and it stops waiting once
// the entry is stored.
func (it *interactions) submitCheckIn(ctx context.Context, cb slack.InteractionCallback) (any, error) {
	cmd := interactionCommand(cb)
	cmd.Name, cmd.Key, cmd.Source, cmd.Channel, cmd.ResponseURL = "/log", "view:"+cb.View.ID, "slack-modal", "", ""
	p := it.users.profile(ctx, cmd.Workspace, cmd.User)
	if cb.View.ID == "" || cmd.Workspace == "" || cmd.User == "" {
		return views.CheckInFailed(p.Lang), errors.New("bot: check-in submission without a view, workspace or user")
	}
	ws, err := it.settings.of(ctx, cmd.Workspace)
	if err != nil {
		return views.CheckInFailed(p.Lang), err
	}
	if meta, ok := strings.CutPrefix(cb.View.PrivateMetadata, editPrefix); ok {
		ref, waiting, _ := strings.Cut(meta, " ")
		return it.submitCorrection(ctx, cb, cmd, p, ws, ref, strings.TrimPrefix(waiting, pendingPrefix))
	}
	now := it.now().In(p.Loc)
	text, counts, fieldErrs := views.ReadCheckIn(p.Lang, cb.View.State, kpi.DateOf(now), ws.currency)
	if len(fieldErrs) > 0 {
		return views.ModalErrors(fieldErrs), nil
	}
	cmd.Text = text
	// The same parser /log uses, first, to put a refusal under its field.
	entry, err := ws.parser.Parse(text, now)
	var pe *kpi.ParseError
	if errors.As(err, &pe) {
		return views.FieldError(p.Lang, pe), nil
	}
	if err != nil {
		return views.CheckInFailed(p.Lang), err
	}
	// Whether the entry is stored is in storage, around its day: a
	// submission at midnight may land on either side.
	day := entry.Date
	storedAround := func() ([]storage.CheckIn, bool, error) {
		cs, err := it.store.CheckIns(ctx, cmd.Workspace, cmd.User, day.AddDays(-1).String(), day.AddDays(1).String())
		for _, c := range cs {
			if c.Key == cmd.Key {
				return cs, true, err
			}
		}
		return cs, false, err
	}

	var pending *storage.Pending
	if code, ok := strings.CutPrefix(cb.View.PrivateMetadata, pendingPrefix); ok {
		w, err := it.checkIns.waiting(ctx, cmd, code)
		switch {
		case err == nil && code != "":
			pending = &w
		case errors.Is(err, storage.ErrNotFound) || code == "":
			if _, done, err := storedAround(); err != nil {
				return views.CheckInFailed(p.Lang), err
			} else if done {
				return views.ModalDone(), nil
			}
			return views.ModalNotice(p.Lang, "log.pending.none"), nil
		default:
			return views.CheckInFailed(p.Lang), err
		}
	}

	msg, err := it.commands.Handle(ctx, cmd)
	if err != nil {
		return views.CheckInFailed(p.Lang), err
	}
	stored, done, err := storedAround()
	if err != nil {
		return views.CheckInFailed(p.Lang), err
	}
	if done {
		if pending != nil {
			if err := it.store.DeletePending(ctx, cmd.Workspace, cmd.User, pending.Code); err != nil && !errors.Is(err, storage.ErrNotFound) {
				logctx.Logger(ctx, it.log).Warn("saved reading left waiting", "workspace", cmd.Workspace, "user", cmd.User, "err", err)
			}
		}
		return views.ModalDone(), nil
	}
	dayTotals := map[kpi.Metric]int{}
	for _, c := range stored {
		if c.Day == day.String() {
			for m, n := range c.Counts {
				dayTotals[kpi.Metric(m)] += n
			}
		}
	}
	// Refused: the one refusal a well-formed entry meets is the daily cap,
	// with what was logged earlier that day.
	for m, n := range counts {
		if n > 0 && dayTotals[m]+n > kpi.MaxPerMetric {
			return views.TooManyInADayModal(p.Lang, m, n, dayTotals[m]), nil
		}
	}
	return views.ModalRefusal(msg), nil
}

// submitCorrection stores the modal's values as a new revision of the
// submitting user's entry that ref names: the same parser, the same daily
// cap, and the view's ID as the edit's key, so a repeated submission
// changes nothing twice. A reference that is not one of theirs is refused.
// waiting, when set, is the code of the submitting user's reading the form
// was opened from: it stops waiting once the correction is stored.
func (it *interactions) submitCorrection(ctx context.Context, cb slack.InteractionCallback, cmd Command, p Profile, ws *workspaceConfig, ref, waiting string) (any, error) {
	c, msg, err := it.checkIns.find(ctx, cmd, p, ref)
	if errors.Is(err, errDenied) {
		return views.ModalRefusal(msg), nil
	}
	if err != nil {
		return views.CheckInFailed(p.Lang), err
	}
	now := it.now().In(p.Loc)
	// The day is always written: today is a day like any other here.
	text, _, fieldErrs := views.ReadCheckIn(p.Lang, cb.View.State, kpi.Date{}, ws.currency)
	if len(fieldErrs) > 0 {
		return views.ModalErrors(fieldErrs), nil
	}
	entry, err := ws.parser.Parse(text, now)
	var pe *kpi.ParseError
	if errors.As(err, &pe) {
		return views.FieldError(p.Lang, pe), nil
	}
	if err != nil {
		return views.CheckInFailed(p.Lang), err
	}
	cmd.Text = text
	next := it.checkIns.checkInOf(cmd, p, entry)
	if !entry.DateGiven {
		next.Day = c.Day
	}
	rev, err := it.store.ReviseCheckIn(ctx, c, next, cmd.Key, kpi.MaxPerMetric, it.now())
	var capErr *storage.CapError
	switch {
	case errors.As(err, &capErr):
		day, _ := kpi.ParseDate(next.Day)
		return views.TooManyInADayField(p.Lang, kpi.Metric(capErr.Metric), next.Counts[capErr.Metric], capErr.Total, day, capErr.Cap), nil
	case errors.Is(err, storage.ErrStale):
		return views.ModalNotice(p.Lang, "log.entry.stale"), nil
	case err != nil:
		return views.CheckInFailed(p.Lang), err
	}
	if rev.Rev > c.Rev {
		it.checkIns.afterStored(ctx, cmd.Workspace, cmd.User)
	}
	if waiting != "" {
		if err := it.store.DeletePending(ctx, cmd.Workspace, cmd.User, waiting); err != nil && !errors.Is(err, storage.ErrNotFound) {
			logctx.Logger(ctx, it.log).Warn("saved reading left waiting", "workspace", cmd.Workspace, "user", cmd.User, "err", err)
		}
	}
	return views.ModalDone(), nil
}

// openPlan opens App Home's Plan modal, where the rep picks a target.
func (it *interactions) openPlan(ctx context.Context, cb slack.InteractionCallback) error {
	cmd := interactionCommand(cb)
	if it.ui == nil {
		return errNoSlackUI
	}
	if _, err := it.ui.OpenViewContext(ctx, cb.TriggerID, views.PlanModal(it.users.profile(ctx, cmd.Workspace, cmd.User).Lang)); err != nil {
		return fmt.Errorf("bot: open plan modal: %w", err)
	}
	return nil
}

// submitPlan answers the Plan modal with /kpi plan's reverse funnel, in
// the modal itself; a target it cannot take is shown under its field.
func (it *interactions) submitPlan(ctx context.Context, cb slack.InteractionCallback) (any, error) {
	cmd := interactionCommand(cb)
	p := it.users.profile(ctx, cmd.Workspace, cmd.User)
	if cb.View.State == nil || cmd.Workspace == "" || cmd.User == "" {
		return views.ModalError(p.Lang, views.PlanTargetBlock, "plan.modal.error.target", nil), errors.New("bot: plan submission without state, workspace or user")
	}
	value := func(block string) slack.BlockAction { return cb.View.State.Values[block][views.PlanActionID] }
	n, err := strconv.Atoi(value(views.PlanTargetBlock).Value)
	if err != nil || n < 1 || n > 100000 {
		return views.ModalError(p.Lang, views.PlanTargetBlock, "plan.modal.error.target", nil), nil
	}
	metric := value(views.PlanMetricBlock).SelectedOption.Value
	if !slices.Contains(views.PlanMetrics, kpi.Metric(metric)) {
		return views.ModalError(p.Lang, views.PlanMetricBlock, "plan.modal.error.metric", nil), nil
	}
	period := "mois"
	if value(views.PlanPeriodBlock).SelectedOption.Value == "week" {
		period = "semaine"
	}
	who, err := it.actor(ctx, cmd)
	if err != nil {
		return views.ModalError(p.Lang, views.PlanTargetBlock, "kpi.error.failed", nil), err
	}
	cmd.Name, cmd.Source = "/kpi", interactionSource
	r := kpiRequest{cmd: cmd, p: p, who: who, today: kpi.DateOf(it.now().In(p.Loc)), args: []string{strconv.Itoa(n), metric, period}}
	answer, err := it.numbers.plan(ctx, r)
	if err != nil {
		return views.ModalError(p.Lang, views.PlanTargetBlock, "kpi.error.failed", nil), err
	}
	return views.PlanResult(p.Lang, answer), nil
}
