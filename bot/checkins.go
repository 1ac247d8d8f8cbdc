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
	store  CheckInStore
	parser *kpi.Parser
	alerts *alerts
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
	now := ci.now().In(p.Loc)
	entry, err := ci.parser.Parse(text, now)
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
	e := views.Entry{Day: day, Tally: tallyOf(c), Note: c.Note}
	return views.Recorded(p.Lang, e, !created, kpi.DateOf(now), weekStart, weekEnd, tally(week.Live())), nil
}

func (ci *checkIns) undo(ctx context.Context, cmd Command, p Profile) (slack.Msg, error) {
	today := kpi.DateOf(ci.now().In(p.Loc))
	monday, _ := kpi.WeekOf(today)
	c, err := ci.store.UndoLastCheckIn(ctx, cmd.Workspace, cmd.User, today.String(), monday.String(), ci.now())
	if errors.Is(err, storage.ErrNotFound) {
		return views.NothingToUndo(p.Lang, today), nil
	}
	if err != nil {
		return views.Reply(p.Lang, prompts.LogUndoFailed, nil), fmt.Errorf("bot: undo check-in: %w", err)
	}
	return views.Undone(p.Lang, today, c.Raw, tallyOf(c)), nil
}

// tallyOf is what one stored check-in counts.
func tallyOf(c storage.CheckIn) views.Tally {
	return views.Tally{Counts: countsFromStore(c.Counts), RevenueCents: c.RevenueCents, HasRevenue: c.HasRevenue}
}

// tally adds check-ins up.
func tally(cs []storage.CheckIn) views.Tally {
	t := views.Tally{Counts: map[kpi.Metric]int{}}
	for _, c := range cs {
		t.Add(tallyOf(c))
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
