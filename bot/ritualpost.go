package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

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
	// Upload shares a PNG in channel, in the thread of threadTS when set.
	Upload(ctx context.Context, channel, threadTS, filename, title string, png []byte) error
}

// errNoChannel is a review with nowhere to go.
var errNoChannel = errors.New("bot: the team has no ritual channel")

// RitualPoster builds each ritual's message and sends it through an
// Outbox; it is the rituals.Poster of the scheduler. The Outbox carries
// the occurrence ID so a retried post finds the first one.
type RitualPoster struct {
	h   *Handler
	out Outbox
}

// NewRitualPoster returns a poster building messages with h's storage,
// clock and defaults.
func NewRitualPoster(h *Handler, out Outbox) *RitualPoster { return &RitualPoster{h: h, out: out} }

// Post implements rituals.Poster. A reminder for a rep who already logged
// that day, or is away, sends nothing and returns an empty ts.
func (p *RitualPoster) Post(ctx context.Context, job rituals.Job, occurrenceID string, at time.Time) (string, error) {
	loc := job.Schedule.Loc
	if loc == nil {
		loc = p.h.tz
	}
	day := kpi.DateOf(at.In(loc))
	if job.Ritual == rituals.Reminder {
		return p.reminder(ctx, job, occurrenceID, day)
	}
	if job.Ritual == rituals.Coaching {
		return p.coaching(ctx, job, occurrenceID, at)
	}
	if job.Ritual == rituals.Alert {
		team, err := p.h.store.TeamOf(ctx, job.Workspace, job.Team)
		if err != nil {
			return "", fmt.Errorf("bot: ritual team: %w", err)
		}
		// Each alert is its own message with its own claim; the ritual
		// itself posts nothing.
		return "", p.h.sendAlerts(ctx, job.Workspace, team, func(o storage.Objective) bool { return o.Team == team.Manager })
	}
	team, err := p.h.store.TeamOf(ctx, job.Workspace, job.Team)
	if err != nil {
		return "", fmt.Errorf("bot: ritual team: %w", err)
	}
	lang := p.h.lang
	switch job.Ritual {
	case rituals.Digest:
		msg, err := p.h.digest(ctx, lang, team, day)
		if err != nil {
			return "", err
		}
		ts, fresh, err := p.out.Send(ctx, team.Manager, msg, occurrenceID)
		if err != nil || !fresh {
			return ts, err
		}
		// The charts follow in the digest's thread. The digest itself is
		// what must arrive once; a chart that fails is logged, not retried,
		// so a retry cannot post the digest twice.
		if err := p.digestCharts(ctx, lang, team, day, ts); err != nil {
			p.h.log.Error("digest charts not shared", "workspace", team.Workspace, "team", team.Manager, "err", err)
		}
		return ts, nil
	case rituals.Review:
		channel, err := p.h.reviewChannel(ctx, team)
		if err != nil {
			return "", err
		}
		msg, unnamed, err := p.h.review(ctx, lang, team, day)
		if err != nil {
			return "", err
		}
		ts, fresh, err := p.out.Send(ctx, channel, msg, occurrenceID)
		if err != nil || !fresh || unnamed == nil {
			return ts, err
		}
		// The rep behind the highlight did not opt in to be named: thank
		// them privately instead, once.
		rl := p.h.profile(ctx, Command{Workspace: team.Workspace, User: unnamed.Rep}).Lang
		if _, _, err := p.out.Send(ctx, unnamed.Rep, views.Thanks(rl, *unnamed), occurrenceID+"/thanks"); err != nil {
			p.h.log.Error("review thanks not sent", "workspace", team.Workspace, "err", err)
		}
		return ts, nil
	}
	return "", fmt.Errorf("bot: unknown ritual %q", job.Ritual)
}

// coaching opens a rep's conversation when their cadence says it is due:
// the weekly job checks how long ago the last one was.
func (p *RitualPoster) coaching(ctx context.Context, job rituals.Job, occurrenceID string, at time.Time) (string, error) {
	cadences, err := p.h.store.Cadences(ctx, job.Workspace)
	if err != nil {
		return "", err
	}
	weeks, ok := cadences[job.Target]
	if !ok {
		weeks = DefaultCadenceWeeks
	}
	if weeks == 0 {
		return "", nil
	}
	threads, err := p.h.store.Threads(ctx, job.Workspace, job.Target)
	if err != nil {
		return "", err
	}
	// A day's slack, so a thread opened a little later last time does not
	// push this one a whole week.
	if len(threads) > 0 && at.Sub(threads[0].CreatedAt) < time.Duration(7*weeks-1)*24*time.Hour {
		return "", nil
	}
	team, err := p.h.store.TeamOf(ctx, job.Workspace, job.Team)
	if err != nil {
		return "", fmt.Errorf("bot: coaching team: %w", err)
	}
	if !slices.Contains(team.Reps, job.Target) {
		return "", nil
	}
	t, err := p.h.openThread(ctx, job.Workspace, team, job.Target, at, occurrenceID)
	return t.TS, err
}

func (p *RitualPoster) reminder(ctx context.Context, job rituals.Job, occurrenceID string, day kpi.Date) (string, error) {
	logged, err := p.h.store.CheckIns(ctx, job.Workspace, job.Target, day.String(), day.String())
	if err != nil {
		return "", fmt.Errorf("bot: reminder: %w", err)
	}
	away, err := p.h.store.Away(ctx, job.Workspace, job.Target, day.String())
	if err != nil {
		return "", fmt.Errorf("bot: reminder: %w", err)
	}
	if len(logged) > 0 || away {
		return "", nil
	}
	// A rep who turned reminders off gets none, even from a manual run.
	pref, err := p.h.reminderPref(ctx, job.Workspace, job.Target)
	if err != nil {
		return "", fmt.Errorf("bot: reminder: %w", err)
	}
	if pref.Off {
		return "", nil
	}
	lang := p.h.profile(ctx, Command{Workspace: job.Workspace, User: job.Target}).Lang
	ts, _, err := p.out.Send(ctx, job.Target, views.Reminder(lang), occurrenceID)
	return ts, err
}

func (h *Handler) reviewChannel(ctx context.Context, team storage.Team) (string, error) {
	settings, err := h.store.RitualSettings(ctx, team.Workspace, team.Manager)
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

// lastWeek is the week before day's: a Monday ritual looks back on it.
func lastWeek(day kpi.Date) kpi.Period { return kpi.PeriodOf(kpi.Week, day).Prev() }

// teamWeek reads what a digest or review needs: the team's facts over the
// week before day and the four weeks before that.
func (h *Handler) teamWeek(ctx context.Context, team storage.Team, day kpi.Date) (week, prev kpi.Period, facts []kpi.Fact, err error) {
	week = lastWeek(day)
	prev = kpi.Trailing(week, trendWeeks)
	facts, err = h.loadFacts(ctx, team.Workspace, team.Reps, prev.Start, week.End)
	return week, prev, facts, err
}

// digest gathers the manager's weekly digest: the team funnel against
// benchmarks and its own trend, objectives at risk with their action, and
// who could use a coaching conversation, from each rep's own trend.
func (h *Handler) digest(ctx context.Context, lang prompts.Lang, team storage.Team, day kpi.Date) (slack.Msg, error) {
	week, prev, facts, err := h.teamWeek(ctx, team, day)
	if err != nil {
		return slack.Msg{}, err
	}
	d := views.DigestData{Manager: team.Manager, Week: week, Cur: kpi.Sum(facts, week), Trail: kpi.Sum(facts, prev)}

	objectives, err := h.objectivesOf(ctx, team.Workspace, func(o storage.Objective) bool { return o.Team == team.Manager })
	if err != nil {
		return slack.Msg{}, err
	}
	byUser := kpi.SumByUser(facts, week)
	trailBy := kpi.SumByUser(facts, prev)
	ownerTotals := func(owner string, kind kpi.PeriodKind) kpi.Totals {
		p := upTo(kpi.PeriodOf(kind, week.End), week.End)
		if owner == kpi.TeamOwner {
			return kpi.Sum(facts, p)
		}
		var mine []kpi.Fact
		for _, f := range facts {
			if f.User == owner {
				mine = append(mine, f)
			}
		}
		return kpi.Sum(mine, p)
	}
	progressBy := map[string][]kpi.Progress{}
	for _, so := range objectives {
		o := toKPI(so)
		pace := 0.0
		if m := kpi.Metric(o.Target); m.Valid() {
			t := d.Trail
			if o.Owner != kpi.TeamOwner {
				t = trailBy[o.Owner]
			}
			pace = kpi.DailyPace(t, m, prev)
		}
		pr := kpi.Evaluate(o, ownerTotals(o.Owner, o.Period), kpi.PeriodOf(o.Period, week.End), week.End, pace, kpi.DefaultMinEvents)
		progressBy[o.Owner] = append(progressBy[o.Owner], pr)
		if pr.Status == kpi.AtRisk || pr.Status == kpi.OffTrack || pr.Alert {
			d.AtRisk = append(d.AtRisk, pr)
		}
	}

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
	return views.Digest(lang, d), nil
}

// digestCharts renders the funnel of last week and the 12-week trend, and
// shares them in the digest's thread.
func (p *RitualPoster) digestCharts(ctx context.Context, lang prompts.Lang, team storage.Team, day kpi.Date, threadTS string) error {
	week := lastWeek(day)
	first := week.Start.AddDays(-7 * (views.MaxChartWeeks - 1))
	facts, err := p.h.loadFacts(ctx, team.Workspace, team.Reps, first, week.End)
	if err != nil {
		return err
	}
	funnel, err := views.FunnelChart(lang, kpi.Sum(facts, week), views.PeriodLabel(lang, week))
	if err != nil {
		return err
	}
	var weeks []views.ChartWeek
	for w := kpi.PeriodOf(kpi.Week, first); !w.Start.After(week.Start); w = kpi.PeriodOf(kpi.Week, w.End.AddDays(1)) {
		weeks = append(weeks, views.ChartWeek{Start: w.Start, Totals: kpi.Sum(facts, w)})
	}
	trend, err := views.TrendChart(lang, weeks, views.DigestTrendTitle(lang))
	if err != nil {
		return err
	}
	if err := p.out.Upload(ctx, team.Manager, threadTS, "funnel-"+week.Start.String()+".png", views.PeriodLabel(lang, week), funnel); err != nil {
		return err
	}
	return p.out.Upload(ctx, team.Manager, threadTS, "trend-"+week.Start.String()+".png", views.DigestTrendTitle(lang), trend)
}

// review gathers the Monday review for the team channel: team figures
// only, the largest conversion gain of the week (naming the rep only if
// they opted in; otherwise unnamed is returned so they can be thanked
// privately), the practices the team shared, and a question for the
// thread.
func (h *Handler) review(ctx context.Context, lang prompts.Lang, team storage.Team, day kpi.Date) (msg slack.Msg, unnamed *views.Gain, err error) {
	week, prev, facts, err := h.teamWeek(ctx, team, day)
	if err != nil {
		return slack.Msg{}, nil, err
	}
	cur, trail := kpi.Sum(facts, week), kpi.Sum(facts, prev)
	objectives, err := h.objectivesOf(ctx, team.Workspace, func(o storage.Objective) bool {
		return o.Owner == kpi.TeamOwner && o.Team == team.Manager
	})
	if err != nil {
		return slack.Msg{}, nil, err
	}
	r := views.ReviewData{Figures: views.Figures{Period: week, Cur: cur, Trail: trail}}
	r.Progress = h.evaluate(objectives, week.End, func(kind kpi.PeriodKind) kpi.Totals {
		return kpi.Sum(facts, upTo(kpi.PeriodOf(kind, week.End), week.End))
	}, trail, prev)

	if g, ok := bestGain(kpi.SumByUser(facts, week), kpi.SumByUser(facts, prev)); ok {
		named, err := h.store.Shoutout(ctx, team.Workspace, g.Rep)
		if err != nil {
			return slack.Msg{}, nil, err
		}
		r.Gain, r.Named = &g, named
		if !named {
			unnamed = &g
		}
	}
	if r.Practice, err = h.sharedPractices(ctx, team, week); err != nil {
		return slack.Msg{}, nil, err
	}
	return views.Review(lang, r), unnamed, nil
}

// sharedPractices is what the team's reps shared during week, each author
// named only if they opted in.
func (h *Handler) sharedPractices(ctx context.Context, team storage.Team, week kpi.Period) ([]views.Practice, error) {
	all, err := h.store.Practices(ctx, team.Workspace, week.Start.String())
	if err != nil {
		return nil, err
	}
	var out []views.Practice
	for _, p := range all {
		if !slices.Contains(team.Reps, p.User) {
			continue
		}
		shared := views.Practice{Text: p.Text}
		if named, err := h.store.Shoutout(ctx, team.Workspace, p.User); err != nil {
			return nil, err
		} else if named {
			shared.By = p.User
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
