package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/storage"
)

// FigureStore is what every view of numbers reads: weeks of check-ins and
// the workspace's objectives.
type FigureStore interface {
	WeeksBetween(ctx context.Context, workspace string, users []string, fromStart, toStart string) ([]storage.Week, error)
	Objectives(ctx context.Context, workspace string) ([]storage.Objective, error)
	ObjectivesFor(ctx context.Context, workspace, owner, manager string) ([]storage.Objective, error)
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

// objectivesFor returns owner's objectives and, when manager is set, the
// team objectives of manager's team: what owner's check-in can move,
// read without the rest of the workspace's.
func (f figures) objectivesFor(ctx context.Context, ws, owner, manager string) ([]storage.Objective, error) {
	out, err := f.store.ObjectivesFor(ctx, ws, owner, manager)
	if err != nil {
		return nil, fmt.Errorf("bot: objectives: %w", err)
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

// toKPI converts a stored objective for the kpi package; loc says on
// which day it was set.
func toKPI(o storage.Objective, loc *time.Location) kpi.Objective {
	ko := kpi.Objective{
		ID: o.Code, Owner: o.Owner, Target: o.Target, Value: o.Value, Period: kpi.PeriodKind(o.Period),
		Kind: kpi.ObjectiveKind(o.Kind), Threshold: o.Threshold, Direction: kpi.Direction(o.Direction), Action: o.Action,
	}
	if !o.CreatedAt.IsZero() {
		ko.Since = kpi.DateOf(o.CreatedAt.In(loc))
	}
	return ko
}

// judgeFrom is the first day judge needs facts from: the start of the
// month, or of the trailing weeks the pace comes from.
func judgeFrom(today kpi.Date) kpi.Date {
	return loadFrom(kpi.Trailing(kpi.PeriodOf(kpi.Week, today), trendWeeks), today)
}

// judge reads one objective at today. facts hold the check-ins from
// judgeFrom(today) on of its owner, or of the team for a team objective.
// /kpi me, /kpi team, the digest, the review, coaching and the alerts
// all read objectives through it, so they never disagree: the part of the
// period since the objective was set, the owner's days logged, the pace
// of the trailing weeks.
func judge(so storage.Objective, facts []kpi.Fact, today kpi.Date, loc *time.Location) kpi.Progress {
	o := toKPI(so, loc)
	if o.Owner != kpi.TeamOwner {
		facts = factsOf(facts, o.Owner)
	}
	period := kpi.PeriodOf(o.Period, today)
	judged := judgedSpan(o, today)
	trailP := kpi.Trailing(kpi.PeriodOf(kpi.Week, today), trendWeeks)
	pace := 0.0
	if m := kpi.Metric(o.Target); m.Valid() {
		pace = kpi.DailyPace(kpi.Sum(facts, trailP), m, trailP)
	}
	return kpi.Evaluate(o, kpi.Sum(facts, judged), period, today, pace, kpi.DefaultMinEvents)
}

// judgedSpan is the days o's value adds up as of today: its period up
// to today, from the day it was set when that was during the period.
func judgedSpan(o kpi.Objective, today kpi.Date) kpi.Period {
	judged := upTo(kpi.PeriodOf(o.Period, today), today)
	if o.Since.After(judged.Start) {
		judged.Start = o.Since
	}
	return judged
}

// hiddenTeamObjectives are the team objectives of progress, judged as of
// today, whose value adds up fewer than min reps over the days it is
// judged on: a team objective set this morning, or a month only one rep
// has logged in yet, would show that rep's own counts, whatever the
// week's contributors.
func hiddenTeamObjectives(progress []kpi.Progress, facts []kpi.Fact, today kpi.Date, min int) map[string]views.Anonymity {
	hidden := map[string]views.Anonymity{}
	for _, pr := range progress {
		if pr.Objective.Owner != kpi.TeamOwner {
			continue
		}
		if n := kpi.Contributors(facts, judgedSpan(pr.Objective, today)); n < min {
			hidden[pr.Objective.ID] = views.Anonymity{Contributors: n, Min: min}
		}
	}
	return hidden
}

// judgeAll judges each objective, leaving out those set after the
// period they would be judged on.
func judgeAll(objectives []storage.Objective, facts []kpi.Fact, today kpi.Date, loc *time.Location) []kpi.Progress {
	out := make([]kpi.Progress, 0, len(objectives))
	for _, so := range objectives {
		if pr := judge(so, facts, today, loc); pr.Status != kpi.NotSet {
			out = append(out, pr)
		}
	}
	return out
}

// factsOf keeps user's facts.
func factsOf(facts []kpi.Fact, user string) []kpi.Fact {
	var mine []kpi.Fact
	for _, f := range facts {
		if f.User == user {
			mine = append(mine, f)
		}
	}
	return mine
}

// earliest is the earlier of two dates.
func earliest(a, b kpi.Date) kpi.Date {
	if b.Before(a) {
		return b
	}
	return a
}

// commitmentsOf is what views show of stored commitments.
func commitmentsOf(cs []storage.Commitment) []views.Commitment {
	out := make([]views.Commitment, 0, len(cs))
	for _, c := range cs {
		out = append(out, views.Commitment{Code: c.Code, Text: c.Text, Due: c.Due, Done: c.DoneAt != nil})
	}
	return out
}
