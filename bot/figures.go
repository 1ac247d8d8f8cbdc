package bot

import (
	"context"
	"fmt"

	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/storage"
)

// FigureStore is what every view of numbers reads: weeks of check-ins and
// the workspace's objectives.
type FigureStore interface {
	WeeksBetween(ctx context.Context, workspace string, users []string, fromStart, toStart string) ([]storage.Week, error)
	Objectives(ctx context.Context, workspace string) ([]storage.Objective, error)
}

// figures reads what every view of numbers starts from.
type figures struct {
	store    FigureStore
	settings *settings
}

// trendWeeks is how far back a rep's own trend looks, as the design asks.
const trendWeeks = 4

// currency is the workspace currency, the one figures count amounts in.
func (f figures) currency(ctx context.Context, ws string) (string, error) {
	return f.settings.currencyOf(ctx, ws)
}

// facts reads users' check-ins from the week holding from up to the
// week holding to. Amounts logged in another currency than the
// workspace's (before it changed) are left out: they cannot be added to
// the others, and must never be shown as if they were in it.
func (f figures) facts(ctx context.Context, ws string, users []string, from, to kpi.Date) ([]kpi.Fact, error) {
	if len(users) == 0 {
		return nil, nil
	}
	cur, err := f.currency(ctx, ws)
	if err != nil {
		return nil, err
	}
	first, _ := kpi.WeekOf(from)
	last, _ := kpi.WeekOf(to)
	weeks, err := f.store.WeeksBetween(ctx, ws, users, first.String(), last.String())
	if err != nil {
		return nil, fmt.Errorf("bot: load check-ins: %w", err)
	}
	var facts []kpi.Fact
	// An edit that moved an entry to another week and was cut short
	// leaves a copy in each: the latest revision counts, once.
	type seen struct{ i, rev int }
	byKey := map[string]seen{}
	for _, w := range weeks {
		for _, c := range w.Live() {
			day, err := kpi.ParseDate(c.Day)
			if err != nil {
				continue
			}
			fact := kpi.Fact{User: c.User, Day: day, Counts: countsFromStore(c.Counts)}
			if f.settings.entryCurrency(c) == cur {
				fact.RevenueCents = c.RevenueCents
				fact.PipelineCents, fact.HasPipeline = c.PipelineCents, c.HasPipeline
			}
			if prev, dup := byKey[c.Key]; dup {
				if c.Rev > prev.rev {
					facts[prev.i] = fact
					byKey[c.Key] = seen{prev.i, c.Rev}
				}
				continue
			}
			byKey[c.Key] = seen{len(facts), c.Rev}
			facts = append(facts, fact)
		}
	}
	return facts, nil
}

// objectives returns the workspace's objectives that keep says to keep.
func (f figures) objectives(ctx context.Context, ws string, keep func(storage.Objective) bool) ([]storage.Objective, error) {
	all, err := f.store.Objectives(ctx, ws)
	if err != nil {
		return nil, fmt.Errorf("bot: objectives: %w", err)
	}
	var out []storage.Objective
	for _, o := range all {
		if keep(o) {
			out = append(out, o)
		}
	}
	return out, nil
}

// teamWeek reads what a digest or review needs: the team's facts over the
// week before day and the four weeks before that.
func (f figures) teamWeek(ctx context.Context, team storage.Team, day kpi.Date) (week, prev kpi.Period, facts []kpi.Fact, err error) {
	week = lastWeek(day)
	prev = kpi.Trailing(week, trendWeeks)
	facts, err = f.facts(ctx, team.Workspace, team.Reps, prev.Start, week.End)
	return week, prev, facts, err
}

// lastWeek is the week before day's: a Monday ritual looks back on it.
func lastWeek(day kpi.Date) kpi.Period { return kpi.PeriodOf(kpi.Week, day).Prev() }

// loadFrom is the first day a view needs: the trailing weeks, or the start
// of the month when a monthly objective reaches further back.
func loadFrom(prev kpi.Period, today kpi.Date) kpi.Date {
	if month := kpi.PeriodOf(kpi.Month, today).Start; month.Before(prev.Start) {
		return month
	}
	return prev.Start
}

// upTo cuts p at today: what has happened so far.
func upTo(p kpi.Period, today kpi.Date) kpi.Period {
	if today.Before(p.End) {
		p.End = today
	}
	return p
}

// toKPI converts a stored objective for the kpi package.
func toKPI(o storage.Objective) kpi.Objective {
	return kpi.Objective{
		ID: o.Code, Owner: o.Owner, Target: o.Target, Value: o.Value, Period: kpi.PeriodKind(o.Period),
		Kind: kpi.ObjectiveKind(o.Kind), Threshold: o.Threshold, Direction: kpi.Direction(o.Direction), Action: o.Action,
	}
}

// evaluate computes each objective's progress. current gives the owner's
// totals over the objective's period so far; trail, over trailP, sets the
// recent pace the fourth question compares with.
func evaluate(objectives []storage.Objective, today kpi.Date, current func(kpi.PeriodKind) kpi.Totals, trail kpi.Totals, trailP kpi.Period) []kpi.Progress {
	out := make([]kpi.Progress, 0, len(objectives))
	for _, so := range objectives {
		o := toKPI(so)
		pace := 0.0
		if m := kpi.Metric(o.Target); m.Valid() {
			pace = kpi.DailyPace(trail, m, trailP)
		}
		out = append(out, kpi.Evaluate(o, current(o.Period), kpi.PeriodOf(o.Period, today), today, pace, kpi.DefaultMinEvents))
	}
	return out
}

// commitmentsOf is what views show of stored commitments.
func commitmentsOf(cs []storage.Commitment) []views.Commitment {
	out := make([]views.Commitment, 0, len(cs))
	for _, c := range cs {
		out = append(out, views.Commitment{Text: c.Text, Due: c.Due})
	}
	return out
}
