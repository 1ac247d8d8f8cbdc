package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/deliver"
	"github.com/kpibot/kpibot/bot/logctx"
	"github.com/kpibot/kpibot/bot/tenancy"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
	"github.com/kpibot/kpibot/storage"
)

// Outbox delivers the messages rituals send on their own: the Slack
// deliver.Deliverer in production, console.Outbox in the console. channel is a
// channel ID, or a user ID for a DM.
type Outbox interface {
	// Send posts msg unless the occurrence is already there; fresh says
	// which, so what follows a message is not sent twice either.
	Send(ctx context.Context, channel string, msg slack.Msg, occurrenceID string) (ts string, fresh bool, err error)
	// OpenGroup opens (or finds) the private conversation of users and the
	// bot, for coaching threads.
	OpenGroup(ctx context.Context, users []string) (channel string, err error)
	// Upload shares a file in channel (a user ID for their DM), in the
	// thread of threadTS when set: a PNG chart, or a CSV export.
	Upload(ctx context.Context, channel, threadTS, filename, title string, png []byte) error
}

// errNoChannel is a review with nowhere to go.
var errNoChannel = errors.New("bot: the team has no ritual channel")

// posterStore is what ritual contents read beyond figures.
type posterStore interface {
	teamFinder
	RitualSettings(ctx context.Context, workspace, team string) (map[string]storage.RitualSetting, error)
	Practices(ctx context.Context, workspace, week string) ([]storage.Practice, error)
	Shoutout(ctx context.Context, workspace, user string) (bool, error)
	ShareCounts(ctx context.Context, workspace, user string) (bool, error)
}

// RitualPoster composes each ritual's contents and sends them through an
// Outbox; it is the rituals.Poster of the scheduler. The Outbox carries
// the occurrence ID so a retried post finds the first one.
type RitualPoster struct {
	out       Outbox
	store     posterStore
	figures   figures
	users     users
	alerts    *alerts
	coaching  *coaching
	reminders *reminders
	log       *slog.Logger
}

// NewRitualPoster returns a poster composing with h's storage, clock and
// defaults, and sending digests, reviews and reminders through out
// (coaching threads and alerts go through h's own outbox).
func NewRitualPoster(h *Handler, out Outbox) *RitualPoster {
	return &RitualPoster{
		out: out, store: h.store, figures: h.figures, users: h.users,
		alerts: h.alerts, coaching: h.coaching, reminders: h.reminders, log: h.log,
	}
}

// Post implements rituals.Poster. A reminder for a rep who already logged
// that day, or is away, sends nothing and returns an empty ts.
//
// On the occurrence's first attempt (rituals.Attempt), messages go out
// without reading the conversation back first: nothing can be there yet.
// Slack's refusals that no retry fixes (deliver.Permanent) come back as a
// *rituals.PermanentError, so the scheduler stops retrying them.
func (p *RitualPoster) Post(ctx context.Context, job rituals.Job, occurrenceID string, at time.Time) (string, error) {
	ctx = tenancy.With(ctx, job.Workspace)
	if rituals.Attempt(ctx) == 1 {
		ctx = deliver.FirstAttempt(ctx)
	}
	ts, err := p.post(ctx, job, occurrenceID, at)
	if code, workspace, ok := deliver.Permanent(err); ok {
		return ts, &rituals.PermanentError{Workspace: workspace, Reason: code, Err: err}
	}
	return ts, err
}

func (p *RitualPoster) post(ctx context.Context, job rituals.Job, occurrenceID string, at time.Time) (string, error) {
	loc := job.Schedule.Loc
	if loc == nil {
		loc = p.users.tz
	}
	day := kpi.DateOf(at.In(loc))
	if job.Ritual == rituals.Reminder {
		return p.reminders.post(ctx, p.out, job, occurrenceID, day)
	}
	if job.Ritual == rituals.Coaching {
		return p.coaching.post(ctx, job, occurrenceID, at)
	}
	if job.Ritual == rituals.Alert {
		team, err := p.store.TeamOf(ctx, job.Workspace, job.Team)
		if err != nil {
			return "", fmt.Errorf("bot: ritual team: %w", err)
		}
		// Each alert is its own message with its own claim; the ritual
		// itself posts nothing.
		_, err = p.postAlerts(ctx, job.Workspace, team)
		return "", err
	}
	team, err := p.store.TeamOf(ctx, job.Workspace, job.Team)
	if err != nil {
		return "", fmt.Errorf("bot: ritual team: %w", err)
	}
	switch job.Ritual {
	case rituals.Digest:
		// The digest is the manager's: in their language.
		lang := p.users.known(ctx, team.Workspace, team.Manager).Lang
		nc, ok := p.out.(nativeCharter)
		native := ok && nc.NativeCharts()
		msg, few, err := p.digest(ctx, lang, team, day, native)
		if err != nil {
			return "", err
		}
		// Where Slack draws charts, the funnel and the trend are in the
		// digest itself, and each rep's rates are a table too; if Slack
		// refuses them, the digest goes again once without, the rates'
		// text stays, and the PNGs follow in its thread as elsewhere.
		// Too few reps logged for team figures (few): no chart at all, its
		// counts would be one or two reps' own.
		nativeTrend := false
		if native && !few {
			week, weeks, err := p.chartWeeks(ctx, team, day)
			if err != nil {
				return "", err
			}
			var charts []slack.Block
			charts, nativeTrend = views.DigestNativeCharts(lang, weeks[len(weeks)-1].Totals, weeks, views.PeriodLabel(lang, week), views.DigestTrendTitle(lang))
			msg.Blocks.BlockSet = append(msg.Blocks.BlockSet, charts...)
		}
		ts, fresh, err := p.out.Send(ctx, team.Manager, msg, occurrenceID)
		if native && refusedWith(err, "invalid_blocks") {
			logctx.Logger(ctx, p.log).Warn("digest: Slack refused its native charts and table; sent again with the PNGs and the text", "workspace", team.Workspace, "team", team.Manager)
			msg, _ = views.WithoutNativeCharts(msg)
			native, nativeTrend = false, false
			ts, fresh, err = p.out.Send(ctx, team.Manager, msg, occurrenceID)
		}
		if err != nil || !fresh || few || native && nativeTrend {
			return ts, err
		}
		// The charts Slack did not draw follow in the digest's thread.
		// The digest itself is what must arrive once; a chart that fails is
		// logged, not retried, so a retry cannot post the digest twice.
		if err := p.digestCharts(ctx, lang, team, day, ts, !native); err != nil {
			logctx.Logger(ctx, p.log).Error("digest charts not shared", "workspace", team.Workspace, "team", team.Manager, "err", err)
		}
		return ts, nil
	case rituals.Review:
		channel, err := p.reviewChannel(ctx, team)
		if err != nil {
			return "", err
		}
		// The review is the team's, in its channel: in the language its
		// manager chose, else the workspace's.
		lang, ok := prompts.ParseLang(team.Lang)
		if !ok {
			lang = p.users.lang
		}
		msg, unnamed, err := p.review(ctx, lang, team, day)
		if err != nil {
			return "", err
		}
		ts, fresh, err := p.out.Send(ctx, channel, msg, occurrenceID)
		if code, _, _ := deliver.Permanent(err); code == "not_in_channel" {
			p.askInvite(ctx, team, channel, occurrenceID)
		}
		if err != nil || !fresh || unnamed == nil {
			return ts, err
		}
		// The rep behind the highlight did not opt in to be named: thank
		// them privately instead, once.
		rl := p.users.known(ctx, team.Workspace, unnamed.Rep).Lang
		if _, _, err := p.out.Send(ctx, unnamed.Rep, views.Thanks(rl, *unnamed), occurrenceID+"/thanks"); err != nil {
			logctx.Logger(ctx, p.log).Error("review thanks not sent", "workspace", team.Workspace, "err", err)
		}
		return ts, nil
	}
	return "", fmt.Errorf("bot: unknown ritual %q", job.Ritual)
}

// askInvite tells the manager, once per occurrence and in their language,
// that the review could not go to channel because the bot is not in it.
func (p *RitualPoster) askInvite(ctx context.Context, team storage.Team, channel, occurrenceID string) {
	lang := p.users.known(ctx, team.Workspace, team.Manager).Lang
	msg := views.Notice(lang, "ritual.review.invite", map[string]string{"Channel": "<#" + channel + ">"})
	if _, _, err := p.out.Send(ctx, team.Manager, msg, occurrenceID+"/invite"); err != nil {
		logctx.Logger(ctx, p.log).Error("review: asking the manager to invite the bot failed", "workspace", team.Workspace, "team", team.Manager, "err", err)
	}
}

// postAlerts sends the team's alerts that are due and returns how many
// DMs went out: a manual run reports that number.
func (p *RitualPoster) postAlerts(ctx context.Context, workspace string, team storage.Team) (int, error) {
	objectives, err := p.figures.objectives(ctx, workspace, func(o storage.Objective) bool { return o.Team == team.Manager })
	if err != nil {
		return 0, err
	}
	return p.alerts.send(ctx, workspace, team, objectives)
}

func (p *RitualPoster) reviewChannel(ctx context.Context, team storage.Team) (string, error) {
	settings, err := p.store.RitualSettings(ctx, team.Workspace, team.Manager)
	if err != nil {
		return "", err
	}
	if c := settings[string(rituals.Review)].Channel; c != "" {
		return c, nil
	}
	if team.Channel != "" {
		return team.Channel, nil
	}
	return "", errNoChannel
}

// digest gathers the manager's weekly digest: the team funnel against
// benchmarks and its own trend, objectives at risk with their action, and
// who could use a coaching conversation, from each rep's own trend, and
// each rep's rates (with nativeTable, in Slack's table too). few says
// that too few reps logged last week to show the team's figures.
func (p *RitualPoster) digest(ctx context.Context, lang prompts.Lang, team storage.Team, day kpi.Date, nativeTable bool) (msg slack.Msg, few bool, err error) {
	week, prev, facts, err := p.figures.teamWeek(ctx, team, day)
	if err != nil {
		return slack.Msg{}, false, err
	}
	currency, err := p.figures.currency(ctx, team.Workspace)
	if err != nil {
		return slack.Msg{}, false, err
	}
	d := views.DigestData{Manager: team.Manager, Currency: currency, Week: week, Cur: kpi.Sum(facts, week), Trail: kpi.Sum(facts, prev), Private: map[string]bool{}}
	if n := kpi.Contributors(facts, week); n < team.MinContributors() {
		d.Anonymity = &views.Anonymity{Contributors: n, Min: team.MinContributors()}
	}
	for _, rep := range team.Reps {
		shares, err := p.store.ShareCounts(ctx, team.Workspace, rep)
		if err != nil {
			return slack.Msg{}, false, err
		}
		d.Private[rep] = !shares
	}

	objectives, err := p.figures.objectives(ctx, team.Workspace, func(o storage.Objective) bool { return o.Team == team.Manager })
	if err != nil {
		return slack.Msg{}, false, err
	}
	byUser := kpi.SumByUser(facts, week)
	trailBy := kpi.SumByUser(facts, prev)
	d.Reps, d.ByRep, d.NativeTable = team.Reps, byUser, nativeTable
	progressBy := map[string][]kpi.Progress{}
	progress := judgeAll(objectives, facts, week.End, p.users.tz)
	hidden := hiddenTeamObjectives(progress, facts, week.End, team.MinContributors())
	for _, pr := range progress {
		progressBy[pr.Objective.Owner] = append(progressBy[pr.Objective.Owner], pr)
		if _, few := hidden[pr.Objective.ID]; pr.Objective.Owner == kpi.TeamOwner && (d.Anonymity != nil || few) {
			continue // a team figure of too few reps
		}
		if !pr.FewLogged && (pr.Status == kpi.AtRisk || pr.Status == kpi.OffTrack || pr.Alert) {
			d.AtRisk = append(d.AtRisk, pr)
		}
	}
	d.Unjudged = unjudged(progress, d.Anonymity != nil)

	for _, rep := range team.Reps {
		signals := kpi.CoachingSignals(byUser[rep], trailBy[rep], progressBy[rep], kpi.DefaultMinEvents)
		if len(signals) > 0 {
			d.Coach = append(d.Coach, views.Candidate{Rep: rep, Signal: signals[0]})
		}
	}
	slices.SortStableFunc(d.Coach, func(a, b views.Candidate) int {
		if a.Signal.Impact != b.Signal.Impact {
			if a.Signal.Impact > b.Signal.Impact {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Rep, b.Rep)
	})
	return views.Digest(lang, d), d.Anonymity != nil, nil
}

// unjudged are the objectives of progress whose owner logged on too few
// days to say anything of them: the digest and a manager's App Home list
// them under a neutral heading, never as behind. A team objective is left
// out when the team's figures are not shown (anonymous: too few reps
// logged for them not to be one person's).
func unjudged(progress []kpi.Progress, anonymous bool) []kpi.Progress {
	var out []kpi.Progress
	for _, pr := range progress {
		if pr.FewLogged && (pr.Objective.Owner != kpi.TeamOwner || !anonymous) {
			out = append(out, pr)
		}
	}
	return out
}

// digestCharts renders the 12-week trend, and with withFunnel the funnel
// of last week too, as PNGs, and shares them in the digest's thread.
func (p *RitualPoster) digestCharts(ctx context.Context, lang prompts.Lang, team storage.Team, day kpi.Date, threadTS string, withFunnel bool) error {
	week, weeks, err := p.chartWeeks(ctx, team, day)
	if err != nil {
		return err
	}
	trend, err := views.TrendChart(lang, weeks, views.DigestTrendTitle(lang))
	if err != nil {
		return err
	}
	if withFunnel {
		funnel, err := views.FunnelChart(lang, weeks[len(weeks)-1].Totals, views.PeriodLabel(lang, week))
		if err != nil {
			return err
		}
		if err := p.out.Upload(ctx, team.Manager, threadTS, prompts.Text(lang, "chart.file.funnel", map[string]string{"Week": week.Start.String()}), views.PeriodLabel(lang, week), funnel); err != nil {
			return err
		}
	}
	return p.out.Upload(ctx, team.Manager, threadTS, prompts.Text(lang, "chart.file.trend", map[string]string{"Week": week.Start.String()}), views.DigestTrendTitle(lang), trend)
}

// chartWeeks is what the digest's charts draw: last week, and the team's
// totals of each of the views.MaxChartWeeks weeks up to it, last week's
// last.
func (p *RitualPoster) chartWeeks(ctx context.Context, team storage.Team, day kpi.Date) (kpi.Period, []views.ChartWeek, error) {
	week := lastWeek(day)
	first := week.Start.AddDays(-7 * (views.MaxChartWeeks - 1))
	facts, err := p.figures.facts(ctx, team.Workspace, team.Reps, first, week.End)
	if err != nil {
		return kpi.Period{}, nil, err
	}
	var weeks []views.ChartWeek
	for w := kpi.PeriodOf(kpi.Week, first); !w.Start.After(week.Start); w = kpi.PeriodOf(kpi.Week, w.End.AddDays(1)) {
		weeks = append(weeks, views.ChartWeek{Start: w.Start, Totals: kpi.Sum(facts, w)})
	}
	return week, weeks, nil
}

// nativeCharter is the optional side of an Outbox whose messages Slack
// draws, native chart blocks included (the deliverer; not the console).
type nativeCharter interface {
	NativeCharts() bool
}

// refusedWith reports whether err is Slack's refusal with code.
func refusedWith(err error, code string) bool {
	var refused slack.SlackErrorResponse
	return errors.As(err, &refused) && refused.Err == code
}

// review gathers the Monday review for the team channel: team figures
// only, the largest conversion gain of the week (naming the rep only if
// they opted in; otherwise unnamed is returned so they can be thanked
// privately), the practices the team shared, and a question for the
// thread.
func (p *RitualPoster) review(ctx context.Context, lang prompts.Lang, team storage.Team, day kpi.Date) (msg slack.Msg, unnamed *views.Gain, err error) {
	week, prev, facts, err := p.figures.teamWeek(ctx, team, day)
	if err != nil {
		return slack.Msg{}, nil, err
	}
	cur, trail := kpi.Sum(facts, week), kpi.Sum(facts, prev)
	objectives, err := p.figures.objectives(ctx, team.Workspace, func(o storage.Objective) bool {
		return o.Owner == kpi.TeamOwner && o.Team == team.Manager
	})
	if err != nil {
		return slack.Msg{}, nil, err
	}
	currency, err := p.figures.currency(ctx, team.Workspace)
	if err != nil {
		return slack.Msg{}, nil, err
	}
	r := views.ReviewData{Figures: views.Figures{Period: week, Cur: cur, Trail: trail, Currency: currency}}
	if n := kpi.Contributors(facts, week); n < team.MinContributors() {
		// One or two reps' totals, or "someone" among two, point to
		// them: the channel sees no figure, and nobody is named.
		r.Anonymity = &views.Anonymity{Contributors: n, Min: team.MinContributors()}
		if r.Practice, err = p.sharedPractices(ctx, team, week); err != nil {
			return slack.Msg{}, nil, err
		}
		return views.Review(lang, r), nil, nil
	}
	r.Progress = judgeAll(objectives, facts, week.End, p.users.tz)
	r.Hidden = hiddenTeamObjectives(r.Progress, facts, week.End, team.MinContributors())

	if g, ok := bestGain(kpi.SumByUser(facts, week), kpi.SumByUser(facts, prev)); ok {
		named, err := p.store.Shoutout(ctx, team.Workspace, g.Rep)
		if err != nil {
			return slack.Msg{}, nil, err
		}
		r.Gain, r.Named = &g, named
		if !named {
			unnamed = &g
		}
	}
	if r.Practice, err = p.sharedPractices(ctx, team, week); err != nil {
		return slack.Msg{}, nil, err
	}
	return views.Review(lang, r), unnamed, nil
}

// sharedPractices is what the team's reps shared during week, each author
// named only if they opted in.
func (p *RitualPoster) sharedPractices(ctx context.Context, team storage.Team, week kpi.Period) ([]views.Practice, error) {
	all, err := p.store.Practices(ctx, team.Workspace, week.Start.String())
	if err != nil {
		return nil, err
	}
	var out []views.Practice
	for _, practice := range all {
		if !slices.Contains(team.Reps, practice.User) {
			continue
		}
		shared := views.Practice{Text: practice.Text}
		if named, err := p.store.Shoutout(ctx, team.Workspace, practice.User); err != nil {
			return nil, err
		} else if named {
			shared.By = practice.User
		}
		out = append(out, shared)
	}
	return out, nil
}

// bestGain finds the largest rise in a conversion rate, with enough data
// on both sides, against each rep's own previous weeks: quality, never
// volume. Below 5 points nothing stands out.
func bestGain(cur, prev map[string]kpi.Totals) (views.Gain, bool) {
	var best views.Gain
	users := make([]string, 0, len(cur))
	for u := range cur {
		users = append(users, u)
	}
	slices.Sort(users)
	for _, u := range users {
		before := kpi.Funnel(prev[u], kpi.DefaultMinEvents)
		for i, r := range kpi.Funnel(cur[u], kpi.DefaultMinEvents)[:len(kpi.Stages)] {
			if r.Enough && before[i].Enough && r.Value-before[i].Value > best.To-best.From {
				best = views.Gain{Rep: u, Stage: r.Stage, From: before[i].Value, To: r.Value}
			}
		}
	}
	return best, best.Rep != "" && best.To-best.From >= 0.05
}
