package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
	"github.com/kpibot/kpibot/storage"
)

// Outbox delivers the messages rituals send on their own: the Slack
// deliver.Deliverer in production, ConsoleOutbox in the console. channel is a
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
		rl := p.h.profile(ctx, Command{Workspace: team.Workspace, User: unnamed.user}).Lang
		text := prompts.Text(rl, "ritual.thanks", unnamed.data(rl))
		if _, _, err := p.out.Send(ctx, unnamed.user, slack.Msg{Text: text, Blocks: slack.Blocks{BlockSet: []slack.Block{section(text)}}}, occurrenceID+"/thanks"); err != nil {
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
	ts, _, err := p.out.Send(ctx, job.Target, reminderMsg(lang), occurrenceID)
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

// digest builds the manager's weekly digest: the team funnel against
// benchmarks and its own trend, objectives at risk with their action, and
// who could use a coaching conversation, from each rep's own trend.
func (h *Handler) digest(ctx context.Context, lang prompts.Lang, team storage.Team, day kpi.Date) (slack.Msg, error) {
	week, prev, facts, err := h.teamWeek(ctx, team, day)
	if err != nil {
		return slack.Msg{}, err
	}
	cur, trail := kpi.Sum(facts, week), kpi.Sum(facts, prev)
	title := prompts.Text(lang, "ritual.digest.title", map[string]string{"Team": mention(team.Manager), "Period": periodLabel(lang, week)})
	blocks := []slack.Block{section(title), section(totalsText(lang, cur)), section(funnelText(lang, cur, &trail)), contextBlock(healthText(lang, cur))}

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
	var risk []string
	progressBy := map[string][]kpi.Progress{}
	for _, so := range objectives {
		o := toKPI(so)
		pace := 0.0
		if m := kpi.Metric(o.Target); m.Valid() {
			t := trail
			if o.Owner != kpi.TeamOwner {
				t = trailBy[o.Owner]
			}
			pace = kpi.DailyPace(t, m, prev)
		}
		pr := kpi.Evaluate(o, ownerTotals(o.Owner, o.Period), kpi.PeriodOf(o.Period, week.End), week.End, pace, kpi.DefaultMinEvents)
		progressBy[o.Owner] = append(progressBy[o.Owner], pr)
		if pr.Status != kpi.AtRisk && pr.Status != kpi.OffTrack && !pr.Alert {
			continue
		}
		action := ""
		if so.Action != "" {
			action = prompts.Text(lang, "ritual.digest.risk.action", map[string]string{"Action": escape(so.Action)})
		}
		risk = append(risk, prompts.Text(lang, "ritual.digest.risk.line", map[string]string{
			"Emoji": statusEmoji[pr.Status], "Owner": ownerLabel(lang, so.Owner, ""), "Target": targetLabel(lang, so.Target),
			"Value": targetAmount(lang, so.Target, pr.Value), "Goal": targetAmount(lang, so.Target, so.Value),
			"Status": prompts.Text(lang, prompts.Key("kpi.status."+string(pr.Status)), nil), "Action": action,
		}))
	}
	if len(risk) == 0 {
		risk = []string{prompts.Text(lang, "ritual.digest.risk.none", nil)}
	}
	blocks = append(blocks, section(prompts.Text(lang, "ritual.digest.risk.title", nil)+"\n"+strings.Join(risk, "\n")))

	type candidate struct {
		rep    string
		signal kpi.Signal
	}
	var cands []candidate
	for _, rep := range team.Reps {
		signals := kpi.CoachingSignals(byUser[rep], trailBy[rep], progressBy[rep], kpi.DefaultMinEvents)
		if len(signals) > 0 {
			cands = append(cands, candidate{rep, signals[0]})
		}
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		if a.signal.Impact != b.signal.Impact {
			if a.signal.Impact > b.signal.Impact {
				return -1
			}
			return 1
		}
		return strings.Compare(a.rep, b.rep)
	})
	coach := []string{prompts.Text(lang, "ritual.digest.coach.title", nil)}
	if len(cands) == 0 {
		coach = append(coach, prompts.Text(lang, "ritual.digest.coach.none", nil))
	}
	for i, c := range cands {
		if i == 10 {
			break
		}
		coach = append(coach, prompts.Text(lang, "ritual.digest.coach.line", map[string]string{"User": mention(c.rep), "Reason": signalText(lang, "ritual.reason.", c.signal)}))
	}
	blocks = append(blocks, section(strings.Join(coach, "\n")))
	return slack.Msg{Text: title, Blocks: slack.Blocks{BlockSet: blocks}}, nil
}

// digestCharts renders the funnel of last week and the 12-week trend, and
// shares them in the digest's thread.
func (p *RitualPoster) digestCharts(ctx context.Context, lang prompts.Lang, team storage.Team, day kpi.Date, threadTS string) error {
	week := lastWeek(day)
	first := week.Start.AddDays(-7 * (rituals.MaxChartWeeks - 1))
	facts, err := p.h.loadFacts(ctx, team.Workspace, team.Reps, first, week.End)
	if err != nil {
		return err
	}
	funnel, err := rituals.FunnelChart(lang, kpi.Sum(facts, week), periodLabel(lang, week))
	if err != nil {
		return err
	}
	var weeks []rituals.ChartWeek
	for w := kpi.PeriodOf(kpi.Week, first); !w.Start.After(week.Start); w = kpi.PeriodOf(kpi.Week, w.End.AddDays(1)) {
		weeks = append(weeks, rituals.ChartWeek{Start: w.Start, Totals: kpi.Sum(facts, w)})
	}
	trend, err := rituals.TrendChart(lang, weeks, prompts.Text(lang, "ritual.digest.trend", nil))
	if err != nil {
		return err
	}
	if err := p.out.Upload(ctx, team.Manager, threadTS, "funnel-"+week.Start.String()+".png", periodLabel(lang, week), funnel); err != nil {
		return err
	}
	return p.out.Upload(ctx, team.Manager, threadTS, "trend-"+week.Start.String()+".png", prompts.Text(lang, "ritual.digest.trend", nil), trend)
}

// review builds the Monday review for the team channel: team figures only,
// the largest conversion gain of the week (naming the rep only if they
// opted in; otherwise unnamed is returned so they can be thanked
// privately), the practices the team shared, and a question for the thread.
func (h *Handler) review(ctx context.Context, lang prompts.Lang, team storage.Team, day kpi.Date) (msg slack.Msg, unnamed *gain, err error) {
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
	progress := h.evaluate(objectives, week.End, func(kind kpi.PeriodKind) kpi.Totals {
		return kpi.Sum(facts, upTo(kpi.PeriodOf(kind, week.End), week.End))
	}, trail, prev)

	practice := prompts.Text(lang, "ritual.review.practice.none", nil)
	if g, ok := bestGain(kpi.SumByUser(facts, week), kpi.SumByUser(facts, prev)); ok {
		named, err := h.store.Shoutout(ctx, team.Workspace, g.user)
		if err != nil {
			return slack.Msg{}, nil, err
		}
		key := prompts.Key("ritual.review.practice.anonymous")
		if named {
			key = "ritual.review.practice.named"
		} else {
			unnamed = &g
		}
		practice = prompts.Text(lang, key, g.data(lang))
	}
	shared, err := h.sharedPractices(ctx, lang, team, week)
	if err != nil {
		return slack.Msg{}, nil, err
	}

	title := prompts.Text(lang, "ritual.review.title", map[string]string{"Period": periodLabel(lang, week)})
	blocks := []slack.Block{
		section(title),
		section(totalsText(lang, cur)),
		section(funnelText(lang, cur, &trail)),
		section(objectivesText(lang, objectives, progress, true)),
		section(prompts.Text(lang, "ritual.review.practice.title", nil) + "\n" + practice),
	}
	if shared != "" {
		blocks = append(blocks, section(shared))
	}
	blocks = append(blocks, section(prompts.Text(lang, "ritual.review.question", nil)))
	return slack.Msg{Text: title, Blocks: slack.Blocks{BlockSet: blocks}}, unnamed, nil
}

// sharedPractices lists what the team's reps shared during week, each
// author named only if they opted in.
func (h *Handler) sharedPractices(ctx context.Context, lang prompts.Lang, team storage.Team, week kpi.Period) (string, error) {
	all, err := h.store.Practices(ctx, team.Workspace, week.Start.String())
	if err != nil {
		return "", err
	}
	lines := []string{prompts.Text(lang, "ritual.review.shared.title", nil)}
	for _, p := range all {
		if !slices.Contains(team.Reps, p.User) {
			continue
		}
		by := ""
		if named, err := h.store.Shoutout(ctx, team.Workspace, p.User); err != nil {
			return "", err
		} else if named {
			by = prompts.Text(lang, "ritual.review.shared.by", map[string]string{"User": mention(p.User)})
		}
		line := prompts.Text(lang, "ritual.review.shared.line", map[string]string{"Text": escape(p.Text), "By": by})
		if len(strings.Join(lines, "\n"))+len(line) > 2900 {
			break
		}
		lines = append(lines, line)
	}
	if len(lines) == 1 {
		return "", nil
	}
	return strings.Join(lines, "\n"), nil
}

// gain is one rep's largest rise in a conversion rate over a week.
type gain struct {
	user     string
	stage    kpi.Stage
	from, to float64
}

func (g gain) data(lang prompts.Lang) map[string]string {
	return map[string]string{"User": mention(g.user), "Stage": stageLabel(lang, g.stage), "Reference": pct(lang, g.from), "Value": pct(lang, g.to)}
}

// bestGain finds the largest rise in a conversion rate, with enough data
// on both sides, against each rep's own previous weeks: quality, never
// volume. Below 5 points nothing stands out.
func bestGain(cur, prev map[string]kpi.Totals) (gain, bool) {
	var best gain
	users := make([]string, 0, len(cur))
	for u := range cur {
		users = append(users, u)
	}
	slices.Sort(users)
	for _, u := range users {
		before := kpi.Funnel(prev[u], kpi.DefaultMinEvents)
		for i, r := range kpi.Funnel(cur[u], kpi.DefaultMinEvents)[:len(kpi.Stages)] {
			if r.Enough && before[i].Enough && r.Value-before[i].Value > best.to-best.from {
				best = gain{user: u, stage: r.Stage, from: before[i].Value, to: r.Value}
			}
		}
	}
	return best, best.user != "" && best.to-best.from >= 0.05
}

// ConsoleOutbox prints ritual messages with where they would go, so the
// console shows what Slack would receive, and saves images under dir.
type ConsoleOutbox struct {
	mu  sync.Mutex
	out io.Writer
	dir string
	n   int
}

// NewConsoleOutbox prints to w and saves images under dir.
func NewConsoleOutbox(w io.Writer, dir string) *ConsoleOutbox {
	return &ConsoleOutbox{out: w, dir: dir}
}

// OpenGroup implements Outbox: the console names who would see it.
func (c *ConsoleOutbox) OpenGroup(_ context.Context, users []string) (string, error) {
	var names []string
	for _, u := range users {
		names = append(names, mention(u))
	}
	return "private:" + strings.Join(names, "+"), nil
}

// Upload implements Outbox: the PNG goes to the folder, named on screen.
func (c *ConsoleOutbox) Upload(_ context.Context, channel, _, filename, title string, png []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return fmt.Errorf("bot: chart folder: %w", err)
	}
	path := filepath.Join(c.dir, filepath.Base(filename))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return fmt.Errorf("bot: save chart: %w", err)
	}
	fmt.Fprintf(c.out, "  🖼  %s → %s\n", title, path)
	return nil
}

// Send implements Outbox.
func (c *ConsoleOutbox) Send(_ context.Context, channel string, msg slack.Msg, occurrenceID string) (string, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	where := "#" + channel
	switch {
	case strings.HasPrefix(channel, consolePrefix):
		where = "DM " + mention(channel)
	case strings.HasPrefix(channel, "private:"):
		where = "private conversation " + strings.TrimPrefix(channel, "private:") + " + bot (only they see it)"
	}
	if msg.ThreadTimestamp != "" {
		where += ", in the thread of " + msg.ThreadTimestamp
	}
	fmt.Fprintf(c.out, "┌─ → %s (%s)\n%s\n└─\n", where, occurrenceID, PlainText(msg))
	return "console." + strconv.Itoa(c.n), true, nil
}
