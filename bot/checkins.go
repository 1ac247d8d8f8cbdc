package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// CheckInStore is the storage the handler needs for check-ins.
type CheckInStore interface {
	SaveCheckIn(ctx context.Context, c storage.CheckIn, weekStart string, dayCap int) (storage.CheckIn, bool, storage.Week, error)
	UndoLastCheckIn(ctx context.Context, workspace, user, day, weekStart string, at time.Time) (storage.CheckIn, error)
}

// checkIns answers /log: it parses the text, stores the check-in once per
// delivery, and tells the rep their week so far; a stored check-in then
// has its alerts checked.
type checkIns struct {
	store    CheckInStore
	settings *settings
	alerts   *alerts
	env
}

// handle answers /log <text>, /log help and /log undo.
func (ci *checkIns) handle(ctx context.Context, cmd Command, p Profile) (slack.Msg, error) {
	text := strings.TrimSpace(cmd.Text)
	switch strings.ToLower(text) {
	case "", "help", "aide", "?":
		return views.LogHelp(p.Lang), nil
	case "undo", "annuler":
		return ci.undo(ctx, cmd, p)
	}
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

	weekStart, weekEnd := kpi.WeekOf(entry.Date)
	c, created, week, err := ci.store.SaveCheckIn(ctx, storage.CheckIn{
		Workspace:    cmd.Workspace,
		User:         cmd.User,
		Key:          cmd.Key,
		Day:          entry.Date.String(),
		TZ:           p.Loc.String(),
		Raw:          cmd.Text,
		Counts:       countsToStore(entry.Counts),
		RevenueCents: entry.RevenueCents,
		HasRevenue:   entry.HasRevenue,
		Currency:     entry.Currency,
		Note:         entry.Note,
		Source:       cmd.Source,
		CreatedAt:    ci.now(),
	}, weekStart.String(), kpi.MaxPerMetric)
	var capErr *storage.CapError
	if errors.As(err, &capErr) {
		return views.TooManyInADay(p.Lang, kpi.Metric(capErr.Metric), capErr.Total, entry.Date, capErr.Cap), nil
	}
	if errors.Is(err, storage.ErrKeyConflict) {
		ci.log.Warn("check-in refused: its key belongs to another user", "workspace", cmd.Workspace, "user", cmd.User, "source", cmd.Source)
		return views.KeyConflict(p.Lang), nil
	}
	if err != nil {
		return views.Reply(p.Lang, prompts.LogFailed, nil), fmt.Errorf("bot: save check-in: %w", err)
	}
	if created {
		ci.alerts.after(ctx, cmd.Workspace, cmd.User)
	}
	day, _ := kpi.ParseDate(c.Day)
	e := views.Entry{Day: day, Tally: ci.settings.tallyOf(c, ws.currency), Note: c.Note}
	return views.Recorded(p.Lang, e, !created, kpi.DateOf(now), weekStart, weekEnd, ci.settings.tally(week.Live(), ws.currency)), nil
}

func (ci *checkIns) undo(ctx context.Context, cmd Command, p Profile) (slack.Msg, error) {
	ws, err := ci.settings.of(ctx, cmd.Workspace)
	if err != nil {
		return views.Reply(p.Lang, prompts.LogUndoFailed, nil), err
	}
	today := kpi.DateOf(ci.now().In(p.Loc))
	monday, _ := kpi.WeekOf(today)
	c, err := ci.store.UndoLastCheckIn(ctx, cmd.Workspace, cmd.User, today.String(), monday.String(), ci.now())
	if errors.Is(err, storage.ErrNotFound) {
		return views.NothingToUndo(p.Lang, today), nil
	}
	if err != nil {
		return views.Reply(p.Lang, prompts.LogUndoFailed, nil), fmt.Errorf("bot: undo check-in: %w", err)
	}
	return views.Undone(p.Lang, today, c.Raw, ci.settings.tallyOf(c, ws.currency)), nil
}

// tallyOf is what one stored check-in counts, its amounts in currency.
// Amounts in another currency (logged before the workspace changed it)
// are shown in their own.
func (s *settings) tallyOf(c storage.CheckIn, currency string) views.Tally {
	cur := s.entryCurrency(c)
	if !c.HasRevenue {
		cur = currency
	}
	return views.Tally{Counts: countsFromStore(c.Counts), Amounts: prompts.Amounts{
		RevenueCents: c.RevenueCents, HasRevenue: c.HasRevenue, Currency: cur,
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
