package bot

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// numbers answers /kpi me, /kpi team and /kpi plan: a rep's or a team's
// figures against their own trend and objectives, and the reverse funnel.
type numbers struct {
	figures     figures
	commitments interface {
		Commitments(ctx context.Context, workspace, rep string) ([]storage.Commitment, error)
	}
	settings *settings
	privacy  interface {
		ShareCounts(ctx context.Context, workspace, user string) (bool, error)
	}
}

// me answers /kpi me [period] [@rep] [--manager-view]: a rep's own
// figures, all of them; to their manager, rates and outcomes without the
// raw activity counts unless the rep shares them; and, with
// --manager-view, the rep's own figures exactly as their manager sees
// them.
func (nu *numbers) me(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	preview := false
	var rest []string
	for _, a := range r.args {
		switch strings.ToLower(a) {
		case "--manager-view", "--vue-manager", "--manager":
			preview = true
		default:
			rest = append(rest, a)
		}
	}
	r.args = rest
	p := r.period(kpi.Week)
	target := r.cmd.User
	if len(r.args) > 0 {
		u, ok := userArg(r.cmd, r.args[0])
		if !ok {
			return views.PeriodOrMention(lang, r.args[0], prompts.Text(lang, "example.me", nil)), nil
		}
		target = u
	}
	// Individual figures go to the rep and, privately, to their manager:
	// nobody else, admins included.
	if target != r.cmd.User && !r.who.managesRep(target) {
		return denied(lang, "self_or_manager")
	}
	view := views.MeSelf
	switch {
	case preview && target != r.cmd.User:
		return views.Usage(lang, "kpi.me.preview.self", nil, prompts.Text(lang, "example.me.preview", nil)), nil
	case preview:
		view = views.MePreview
	case target != r.cmd.User:
		view = views.MeManager
	}
	hide := false
	if view != views.MeSelf {
		shares, err := nu.privacy.ShareCounts(ctx, r.cmd.Workspace, target)
		if err != nil {
			return slack.Msg{}, err
		}
		hide = !shares
	}
	m, err := nu.meData(ctx, r.cmd.Workspace, target, p, r.today, r.p.Loc)
	if err != nil {
		return slack.Msg{}, err
	}
	m.HideCounts, m.View = hide, view
	m.InTeam = r.who.inTeam && !r.who.manages
	return views.Me(lang, m), nil
}

// meData is a rep's figures over p as of today, all of them, as the rep
// sees them: totals so far, the trailing weeks, objectives, commitments
// and coaching signals. /kpi me and App Home show them.
func (nu *numbers) meData(ctx context.Context, workspace, target string, p kpi.Period, today kpi.Date, loc *time.Location) (views.MeData, error) {
	prev := kpi.Trailing(p, trendWeeks)
	facts, err := nu.figures.facts(ctx, workspace, []string{target}, earliest(loadFrom(prev, today), judgeFrom(today)), today)
	if err != nil {
		return views.MeData{}, err
	}
	cur, trail := kpi.Sum(facts, upTo(p, today)), kpi.Sum(facts, prev)
	objectives, err := nu.figures.objectivesFor(ctx, workspace, target, "")
	if err != nil {
		return views.MeData{}, err
	}
	progress := judgeAll(objectives, facts, today, loc)
	commitments, err := nu.commitments.Commitments(ctx, workspace, target)
	if err != nil {
		return views.MeData{}, err
	}
	currency, err := nu.figures.currency(ctx, workspace)
	if err != nil {
		return views.MeData{}, err
	}
	so := upTo(p, today)
	return views.MeData{
		Figures:    views.Figures{Period: p, Cur: cur, Trail: trail, Progress: progress, Currency: currency},
		Rep:        target,
		View:       views.MeSelf,
		LoggedDays: cur.ActiveDays, WorkingDays: kpi.WorkingDays(so.Start, so.End),
		Commitments: commitmentsOf(commitments),
		Signals:     kpi.CoachingSignals(cur, trail, progress, kpi.DefaultMinEvents),
	}, nil
}

func (nu *numbers) team(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	p := r.period(kpi.Week)
	lang := r.p.Lang
	if len(r.args) > 0 {
		return views.PeriodOrMention(lang, r.args[0], prompts.Text(lang, "example.team", nil)), nil
	}
	if !r.who.inTeam {
		return views.Reply(lang, "kpi.team.none", nil), nil
	}
	t, err := nu.teamData(ctx, r.cmd.Workspace, r.who, p, r.today, r.p.Loc)
	if err != nil {
		return slack.Msg{}, err
	}
	return views.Team(lang, t), nil
}

// teamData is the team of who over p as of today, as who may see it:
// nothing below the team's minimum of contributors, and for its manager
// each rep's rates, never a count per rep. /kpi team and a manager's App
// Home show it.
func (nu *numbers) teamData(ctx context.Context, workspace string, who actor, p kpi.Period, today kpi.Date, loc *time.Location) (views.TeamData, error) {
	team := who.team
	prev := kpi.Trailing(p, trendWeeks)
	facts, err := nu.figures.facts(ctx, workspace, team.Reps, earliest(loadFrom(prev, today), judgeFrom(today)), today)
	if err != nil {
		return views.TeamData{}, err
	}
	cur, trail := kpi.Sum(facts, upTo(p, today)), kpi.Sum(facts, prev)
	// The team's objectives; its manager's view also judges the reps'
	// own, for those too little logged to judge.
	objectives, err := nu.figures.objectives(ctx, workspace, func(o storage.Objective) bool {
		return o.Team == team.Manager && (o.Owner == kpi.TeamOwner || who.manages)
	})
	if err != nil {
		return views.TeamData{}, err
	}
	all := judgeAll(objectives, facts, today, loc)
	progress := slices.DeleteFunc(slices.Clone(all), func(pr kpi.Progress) bool { return pr.Objective.Owner != kpi.TeamOwner })
	currency, err := nu.figures.currency(ctx, workspace)
	if err != nil {
		return views.TeamData{}, err
	}
	t := views.TeamData{Figures: views.Figures{Period: p, Cur: cur, Trail: trail, Progress: progress, Currency: currency}, Manager: team.Manager, Reps: team.Reps}
	// Team figures of one or two reps are their own figures: below the
	// team's minimum, nobody sees them, the manager included.
	if n := kpi.Contributors(facts, upTo(p, today)); n < team.MinContributors() {
		t.Anonymity = &views.Anonymity{Contributors: n, Min: team.MinContributors()}
	}
	t.Hidden = hiddenTeamObjectives(progress, facts, today, team.MinContributors())
	if who.manages {
		t.RepRates, t.ByRep = true, kpi.SumByUser(facts, upTo(p, today))
		t.Unjudged = unjudged(all, t.Anonymity != nil)
	}
	return t, nil
}

func (nu *numbers) plan(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	example := prompts.Text(lang, "example.plan", nil)
	p := r.period(kpi.Month)
	if len(r.args) < 2 {
		return views.BadUsage(lang, r.cmd.Text, example), nil
	}
	n, _, ok := parseAmount(r.args[0])
	if !ok {
		return views.Usage(lang, "kpi.error.number", map[string]string{"Token": views.Escape(r.args[0])}, example), nil
	}
	ws, err := nu.settings.of(ctx, r.cmd.Workspace)
	if err != nil {
		return slack.Msg{}, err
	}
	metric, ok := ws.vocab.Lookup(strings.Join(r.args[1:], " "))
	if !ok {
		_, _, suggestion, _ := kpi.ParseTarget(strings.Join(r.args[1:], " "), ws.vocab)
		return views.UnknownTarget(lang, strings.Join(r.args[1:], " "), suggestion, example), nil
	}
	// Rates and pace come from the four weeks up to today, whatever the
	// period planned for.
	prev := kpi.Period{Start: r.today.AddDays(-7*trendWeeks + 1), End: r.today}
	users := []string{r.cmd.User}
	if r.who.inTeam {
		users = append(users, r.who.team.Reps...)
	}
	facts, err := nu.figures.facts(ctx, r.cmd.Workspace, users, prev.Start, prev.End)
	if err != nil {
		return slack.Msg{}, err
	}
	byUser := kpi.SumByUser(facts, prev)
	own := byUser[r.cmd.User]
	team := kpi.Sum(facts, prev)
	if r.who.inTeam && kpi.Contributors(facts, prev) < r.who.team.MinContributors() {
		// Team rates of one or two reps are a teammate's own rates: the
		// plan falls back to the benchmarks instead.
		team = kpi.Totals{Counts: map[kpi.Metric]int{}}
	}
	// The pace is per day logged: a rep who started last week is not
	// averaged over four weeks they were not using the bot.
	daily := 0.0
	if own.ActiveDays > 0 {
		daily = float64(own.Counts[kpi.Calls]) / float64(own.ActiveDays)
	}
	plan, err := kpi.ReversePlan(metric, n, own, team, daily, kpi.DefaultMinEvents)
	if err != nil {
		return views.PlanError(lang, metric, err, example), nil
	}
	return views.Plan(lang, n, metric, p, r.today, plan), nil
}
