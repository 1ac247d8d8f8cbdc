package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/logctx"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// CheckInStore is the storage the handler needs for check-ins, and for
// the readings waiting for their rep's confirmation.
type CheckInStore interface {
	SaveCheckIn(ctx context.Context, c storage.CheckIn, weekStart string, dayCap int) (storage.CheckIn, bool, storage.Week, error)
	EntryStore
	PendingStore
}

// EntryStore finds, corrects and withdraws a rep's own entries.
type EntryStore interface {
	UserCheckIns(ctx context.Context, workspace, user, from, to string) ([]storage.CheckIn, error)
	FindCheckIn(ctx context.Context, workspace, user, code, from, to string) (storage.CheckIn, error)
	WithdrawCheckIn(ctx context.Context, c storage.CheckIn, at time.Time) (storage.CheckIn, error)
	ReviseCheckIn(ctx context.Context, c, next storage.CheckIn, editKey string, dayCap int, at time.Time) (storage.CheckIn, error)
}

// PendingStore keeps the readings /log was unsure of until their rep saves
// or drops them.
type PendingStore interface {
	SavePending(ctx context.Context, p storage.Pending) (storage.Pending, error)
	Pending(ctx context.Context, workspace, user string, now time.Time) (storage.Pending, error)
	DeletePending(ctx context.Context, workspace, user, code string) error
}

// PendingTTL is how long a reading waits for its rep: long enough to be
// seen after a call, short enough that an old guess is not saved by a
// "/log ok" meant for something else.
const PendingTTL = time.Hour

// checkIns answers /log: it parses the text, stores the check-in once per
// delivery, and tells the rep their week so far; a stored check-in then
// has its alerts checked. A reading with a guess in it is not stored: it
// waits for the rep to save, edit or drop it.
type checkIns struct {
	store    CheckInStore
	settings *settings
	alerts   *alerts
	home     *home // nil until NewHandler wires it
	ui       slackUI
	env
}

// openForm opens the check-in modal for /log typed alone in Slack, on
// the command's trigger; it reports whether it did. The console, or a
// trigger Slack no longer takes, gets the help instead.
func (ci *checkIns) openForm(ctx context.Context, cmd Command, p Profile) bool {
	if ci.ui == nil || cmd.Key == "" || !strings.HasPrefix(cmd.Source, "slack") {
		return false
	}
	if _, err := ci.ui.OpenViewContext(ctx, cmd.Key, views.CheckInModal(p.Lang)); err != nil {
		logctx.Logger(ctx, ci.log).Warn("check-in modal not opened for /log; showing the help", "workspace", cmd.Workspace, "user", cmd.User, "err", err)
		return false
	}
	return true
}

// The /log subcommands: what the first word asks for.
const (
	logEntry   = iota // a text to record
	logHelp           // help, aide
	logUndo           // undo, annuler
	logSave           // ok: save the waiting reading
	logCancel         // cancel: drop it
	logEdit           // edit [page | code [text]]: list or correct entries
	logRemove         // rm code: withdraw an entry
	logHistory        // history [page]: entries with their versions
)

// logVerb reads the subcommand at the head of a /log text; anything else
// is a text to record.
func logVerb(text string) (verb int, rest string) {
	head, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(head) {
	case "", "help", "aide", "?":
		return logHelp, rest
	case "undo", "annuler":
		return logUndo, rest
	case "ok", "oui", "yes", "save", "enregistrer", "valider":
		return logSave, rest
	case "cancel", "non", "no", "abandon", "abandonner":
		return logCancel, rest
	case "edit", "modifier", "corriger", "list", "liste":
		return logEdit, rest
	case "rm", "remove", "delete", "del", "suppr", "supprimer", "retirer":
		return logRemove, rest
	case "history", "historique", "hist":
		return logHistory, rest
	}
	return logEntry, strings.TrimSpace(text)
}

// handle answers /log <text>, /log help, /log undo, /log ok or /log
// cancel for a waiting reading, and /log edit, rm and history.
func (ci *checkIns) handle(ctx context.Context, cmd Command, p Profile) (slack.Msg, error) {
	verb, rest := logVerb(cmd.Text)
	switch verb {
	case logHelp:
		if strings.TrimSpace(cmd.Text) == "" && ci.openForm(ctx, cmd, p) {
			return views.Reply(p.Lang, "log.modal.opened", nil), nil
		}
		if rest == "" {
			return views.LogHelp(p.Lang), nil
		}
	case logUndo:
		return ci.undo(ctx, cmd, p)
	case logSave:
		return ci.save(ctx, cmd, p, rest)
	case logCancel:
		return ci.cancel(ctx, cmd, p, rest)
	case logEdit:
		return ci.edit(ctx, cmd, p, rest)
	case logRemove:
		return ci.remove(ctx, cmd, p, rest)
	case logHistory:
		return ci.history(ctx, cmd, p, rest)
	}
	text := strings.TrimSpace(cmd.Text)
	ws, err := ci.settings.of(ctx, cmd.Workspace)
	if err != nil {
		return views.Reply(p.Lang, prompts.LogFailed, nil), err
	}
	now := ci.now().In(p.Loc)
	entry, err := ws.parser.Parse(text, now)
	if err != nil {
		var pe *kpi.ParseError
		if !errors.As(err, &pe) {
			return views.Reply(p.Lang, prompts.LogFailed, nil), fmt.Errorf("bot: parse /log: %w", err)
		}
		return views.ParseError(p.Lang, text, pe), nil
	}
	c := ci.checkInOf(cmd, p, entry)
	if len(entry.Doubts) > 0 {
		return ci.ask(ctx, cmd, p, ws, c, entry.Doubts, storage.CheckIn{})
	}
	return ci.record(ctx, cmd, p, ws, c)
}

// checkInOf is what entry, parsed from cmd, stores.
func (ci *checkIns) checkInOf(cmd Command, p Profile, entry kpi.Entry) storage.CheckIn {
	return storage.CheckIn{
		Workspace:     cmd.Workspace,
		User:          cmd.User,
		Key:           cmd.Key,
		Day:           entry.Date.String(),
		TZ:            p.Loc.String(),
		Raw:           cmd.Text,
		Counts:        countsToStore(entry.Counts),
		RevenueCents:  entry.RevenueCents,
		HasRevenue:    entry.HasRevenue,
		PipelineCents: entry.PipelineCents,
		HasPipeline:   entry.HasPipeline,
		Currency:      entry.Currency,
		Note:          entry.Note,
		Source:        cmd.Source,
		CreatedAt:     ci.now(),
	}
}

// ask keeps a reading with guesses in it for the rep to confirm, and
// shows it with its buttons. Nothing counts until it is saved. revises,
// when it has a key, is the entry the reading would correct.
func (ci *checkIns) ask(ctx context.Context, cmd Command, p Profile, ws *workspaceConfig, c storage.CheckIn, doubts []kpi.Doubt, revises storage.CheckIn) (slack.Msg, error) {
	pending := storage.Pending{Workspace: cmd.Workspace, User: cmd.User, Entry: c, CreatedAt: ci.now(), ExpiresAt: ci.now().Add(PendingTTL)}
	if revises.Key != "" {
		pending.Revises = revises.Ref()
	}
	for _, d := range doubts {
		pending.Doubts = append(pending.Doubts, storage.PendingDoubt{Kind: d.Kind.String(), Token: d.Token, Reading: d.Reading, Metric: string(d.Metric)})
	}
	saved, err := ci.store.SavePending(ctx, pending)
	if err != nil {
		return views.Reply(p.Lang, prompts.LogFailed, nil), fmt.Errorf("bot: keep the reading to confirm: %w", err)
	}
	e := ci.entryView(c, ws)
	e.Code = ""
	if revises.Key != "" {
		e.Code = revises.Code()
	}
	return views.Ask(p.Lang, e, doubtsOf(saved.Doubts), saved.Code, kpi.DateOf(ci.now().In(p.Loc))), nil
}

// doubtsOf is what the reply shows of stored doubts.
func doubtsOf(ds []storage.PendingDoubt) []views.Doubt {
	out := make([]views.Doubt, 0, len(ds))
	for _, d := range ds {
		out = append(out, views.Doubt{Kind: d.Kind, Token: d.Token, Reading: d.Reading, Metric: kpi.Metric(d.Metric)})
	}
	return out
}

// waiting returns the user's waiting reading if code names it (any code
// does when code is empty: the console's /log ok), or ErrNotFound. The
// reading is looked up by the user who asks, never by the code: a code
// that is not theirs finds nothing.
func (ci *checkIns) waiting(ctx context.Context, cmd Command, code string) (storage.Pending, error) {
	pending, err := ci.store.Pending(ctx, cmd.Workspace, cmd.User, ci.now())
	if err != nil {
		return storage.Pending{}, err
	}
	if code != "" && code != pending.Code {
		return storage.Pending{}, storage.ErrNotFound
	}
	return pending, nil
}

// save stores the waiting reading, under the key of the /log that made it
// (so saving twice stores once), then lets it go.
func (ci *checkIns) save(ctx context.Context, cmd Command, p Profile, code string) (slack.Msg, error) {
	pending, err := ci.waiting(ctx, cmd, code)
	if errors.Is(err, storage.ErrNotFound) {
		return views.NothingPending(p.Lang), nil
	}
	if err != nil {
		return views.Reply(p.Lang, prompts.LogFailed, nil), fmt.Errorf("bot: load the reading to confirm: %w", err)
	}
	ws, err := ci.settings.of(ctx, cmd.Workspace)
	if err != nil {
		return views.Reply(p.Lang, prompts.LogFailed, nil), err
	}
	var msg slack.Msg
	var stored bool
	if pending.Revises != "" {
		msg, stored, err = ci.reviseWaiting(ctx, cmd, p, ws, pending)
	} else {
		msg, stored, err = ci.write(ctx, cmd, p, ws, pending.Entry)
	}
	if stored {
		// Stored: the reading has done its job. Failing to drop it leaves
		// it to expire; saving it again stores nothing twice.
		if err := ci.store.DeletePending(ctx, cmd.Workspace, cmd.User, pending.Code); err != nil && !errors.Is(err, storage.ErrNotFound) {
			logctx.Logger(ctx, ci.log).Warn("saved reading left waiting", "workspace", cmd.Workspace, "user", cmd.User, "err", err)
		}
	}
	return msg, err
}

// cancel drops the waiting reading.
func (ci *checkIns) cancel(ctx context.Context, cmd Command, p Profile, code string) (slack.Msg, error) {
	pending, err := ci.waiting(ctx, cmd, code)
	if err == nil {
		err = ci.store.DeletePending(ctx, cmd.Workspace, cmd.User, pending.Code)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return views.NothingPending(p.Lang), nil
	}
	if err != nil {
		return views.Reply(p.Lang, prompts.LogFailed, nil), fmt.Errorf("bot: drop the reading to confirm: %w", err)
	}
	return views.PendingCancelled(p.Lang, pending.Entry.Raw), nil
}

// record stores a confident reading at once.
func (ci *checkIns) record(ctx context.Context, cmd Command, p Profile, ws *workspaceConfig, c storage.CheckIn) (slack.Msg, error) {
	msg, _, err := ci.write(ctx, cmd, p, ws, c)
	return msg, err
}

// write stores c once per key, within the daily cap, and answers with
// the entry and the week so far. stored says whether c is in storage
// now, stored by this call or by an earlier one with the same key.
func (ci *checkIns) write(ctx context.Context, cmd Command, p Profile, ws *workspaceConfig, c storage.CheckIn) (slack.Msg, bool, error) {
	day, err := kpi.ParseDate(c.Day)
	if err != nil {
		return views.Reply(p.Lang, prompts.LogFailed, nil), false, fmt.Errorf("bot: check-in day %q: %w", c.Day, err)
	}
	weekStart, weekEnd := kpi.WeekOf(day)
	counts := c.Counts
	c, created, week, err := ci.store.SaveCheckIn(ctx, c, weekStart.String(), kpi.MaxPerMetric)
	var capErr *storage.CapError
	if errors.As(err, &capErr) {
		return views.TooManyInADay(p.Lang, kpi.Metric(capErr.Metric), counts[capErr.Metric], capErr.Total, day, capErr.Cap), false, nil
	}
	if errors.Is(err, storage.ErrKeyConflict) {
		logctx.Logger(ctx, ci.log).Warn("check-in refused: its key belongs to another user", "workspace", cmd.Workspace, "user", cmd.User, "source", cmd.Source)
		return views.KeyConflict(p.Lang), false, nil
	}
	if err != nil {
		return views.Reply(p.Lang, prompts.LogFailed, nil), false, fmt.Errorf("bot: save check-in: %w", err)
	}
	if created {
		ci.afterStored(ctx, cmd.Workspace, cmd.User)
	}
	today := kpi.DateOf(ci.now().In(p.Loc))
	return views.Recorded(p.Lang, ci.entryView(c, ws), !created, today, weekStart, weekEnd, ci.settings.tally(week.Live(), ws.currency)), true, nil
}

// form is a stored (or waiting) check-in as the check-in modal shows it.
func (ci *checkIns) form(c storage.CheckIn, ws *workspaceConfig) views.CheckInForm {
	e := ci.entryView(c, ws)
	return views.CheckInForm{Tally: e.Tally, Day: e.Day, Note: e.Note}
}

// entryView is a stored (or waiting) check-in as replies show it.
func (ci *checkIns) entryView(c storage.CheckIn, ws *workspaceConfig) views.Entry {
	day, _ := kpi.ParseDate(c.Day)
	return views.Entry{Day: day, Tally: ci.settings.tallyOf(c, ws.currency), Note: c.Note, Code: c.Code()}
}

// undo withdraws the rep's last entry, the one logged last, whatever
// day it was for. Entries are logged for at most kpi.MaxDaysBack days
// back, so any entry logged in that many days is found among the days
// twice as far back.
func (ci *checkIns) undo(ctx context.Context, cmd Command, p Profile) (slack.Msg, error) {
	ws, err := ci.settings.of(ctx, cmd.Workspace)
	if err != nil {
		return views.Reply(p.Lang, prompts.LogUndoFailed, nil), err
	}
	today := kpi.DateOf(ci.now().In(p.Loc))
	// Two undos at once must not withdraw the same entry twice: a
	// withdrawal only applies to the entry as read, else we look again.
	for range 3 {
		all, err := ci.store.UserCheckIns(ctx, cmd.Workspace, cmd.User, today.AddDays(-2*kpi.MaxDaysBack).String(), today.AddDays(1).String())
		if err != nil {
			return views.Reply(p.Lang, prompts.LogUndoFailed, nil), fmt.Errorf("bot: undo check-in: %w", err)
		}
		var last *storage.CheckIn
		for i, c := range all {
			if c.Live() && (last == nil || c.CreatedAt.After(last.CreatedAt)) {
				last = &all[i]
			}
		}
		if last == nil {
			return views.NothingToUndo(p.Lang), nil
		}
		c, err := ci.store.WithdrawCheckIn(ctx, *last, ci.now())
		if errors.Is(err, storage.ErrStale) {
			continue
		}
		if err != nil {
			return views.Reply(p.Lang, prompts.LogUndoFailed, nil), fmt.Errorf("bot: undo check-in: %w", err)
		}
		return views.Undone(p.Lang, ci.entryView(c, ws), c.Raw, today), nil
	}
	return views.Reply(p.Lang, prompts.LogUndoFailed, nil), errors.New("bot: undo check-in: concurrent changes")
}

// tallyOf is what one stored check-in counts, its amounts in currency.
// Amounts in another currency (logged before the workspace changed it)
// are shown in their own.
func (s *settings) tallyOf(c storage.CheckIn, currency string) views.Tally {
	cur := s.entryCurrency(c)
	if !c.HasRevenue && !c.HasPipeline {
		cur = currency
	}
	return views.Tally{Counts: countsFromStore(c.Counts), Amounts: prompts.Amounts{
		RevenueCents: c.RevenueCents, HasRevenue: c.HasRevenue,
		PipelineCents: c.PipelineCents, HasPipeline: c.HasPipeline, Currency: cur,
	}}
}

// tally adds check-ins up in currency: amounts in another one cannot be
// added to them, and are left out.
func (s *settings) tally(cs []storage.CheckIn, currency string) views.Tally {
	t := views.Tally{Counts: map[kpi.Metric]int{}, Amounts: prompts.Amounts{Currency: currency}}
	for _, c := range cs {
		one := s.tallyOf(c, currency)
		if one.Currency != currency {
			one.Amounts = prompts.Amounts{Currency: currency}
		}
		t.Add(one)
	}
	return t
}

func countsToStore(in map[kpi.Metric]int) map[string]int {
	out := make(map[string]int, len(in))
	for m, n := range in {
		out[string(m)] = n
	}
	return out
}

func countsFromStore(in map[string]int) map[kpi.Metric]int {
	out := make(map[kpi.Metric]int, len(in))
	for m, n := range in {
		out[kpi.Metric(m)] = n
	}
	return out
}

// afterStored runs, off the request path, what follows a stored or
// corrected check-in: the alerts it may cross, and the rep's App Home.
func (ci *checkIns) afterStored(ctx context.Context, workspace, user string) {
	ci.alerts.after(ctx, workspace, user)
	if ci.home != nil {
		ci.home.refresh(ctx, workspace, user)
	}
}
