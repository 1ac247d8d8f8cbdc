package bot

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// KPIStore is the storage /kpi needs.
type KPIStore interface {
	EnsureWorkspace(ctx context.Context, workspace, user string, now time.Time) (storage.Workspace, error)
	MakeManager(ctx context.Context, workspace, user string) (storage.Team, error)
	AddRep(ctx context.Context, workspace, manager, rep string) (storage.Team, error)
	MoveRep(ctx context.Context, workspace, manager, rep string) (storage.Team, string, error)
	SetTeamChannel(ctx context.Context, workspace, manager, channel string) (storage.Team, error)
	TeamOf(ctx context.Context, workspace, user string) (storage.Team, error)
	WeeksBetween(ctx context.Context, workspace string, users []string, fromStart, toStart string) ([]storage.Week, error)
	SaveObjective(ctx context.Context, o storage.Objective) (storage.Objective, error)
	Objectives(ctx context.Context, workspace string) ([]storage.Objective, error)
	Objective(ctx context.Context, workspace, code string) (storage.Objective, error)
	DeleteObjective(ctx context.Context, workspace, code string) error
}

// trendWeeks is how far back a rep's own trend looks, as the design asks.
const trendWeeks = 4

// errDenied is a refusal; the reply names who may do it, nothing more.
var errDenied = errors.New("bot: not allowed")

// actor is who runs a /kpi command, and what they may see.
type actor struct {
	user    string
	admin   bool
	team    storage.Team
	inTeam  bool
	manages bool // the caller manages team
}

func (a actor) managesRep(rep string) bool { return a.manages && slices.Contains(a.team.Reps, rep) }

// kpiRequest carries what every /kpi subcommand needs.
type kpiRequest struct {
	cmd   Command
	p     Profile
	who   actor
	today kpi.Date
	args  []string
}

func (h *Handler) kpiCmd(ctx context.Context, cmd Command, p Profile) (slack.Msg, error) {
	args := splitArgs(cmd.Text)
	if len(args) == 0 || strings.EqualFold(args[0], "help") || strings.EqualFold(args[0], "aide") {
		return h.kpiHelp(p.Lang), nil
	}
	who, err := h.actor(ctx, cmd)
	if err != nil {
		return h.failure(p.Lang, "kpi.error.failed"), err
	}
	r := kpiRequest{cmd: cmd, p: p, who: who, today: kpi.DateOf(h.now().In(p.Loc)), args: args[1:]}
	sub := strings.ToLower(args[0])
	var msg slack.Msg
	switch {
	case sub == "me" || sub == "moi":
		msg, err = h.kpiMe(ctx, r)
	case (sub == "team" || sub == "equipe" || sub == "équipe") && len(r.args) > 0 && isTeamAdmin(r.args[0]):
		msg, err = h.kpiTeamAdmin(ctx, r)
	case sub == "team" || sub == "equipe" || sub == "équipe":
		msg, err = h.kpiTeam(ctx, r)
	case sub == "plan":
		msg, err = h.kpiPlan(ctx, r)
	case sub == "goal" || sub == "objectif" || sub == "goals":
		msg, err = h.kpiGoal(ctx, r)
	case sub == "ritual" || sub == "rituel" || sub == "rituals":
		msg, err = h.kpiRitual(ctx, r)
	case sub == "away" || sub == "absent" || sub == "absence":
		msg, err = h.kpiAway(ctx, r)
	case sub == "practice" || sub == "pratique":
		msg, err = h.kpiPractice(ctx, r)
	case sub == "shoutout":
		msg, err = h.kpiShoutout(ctx, r)
	case sub == "coach":
		msg, err = h.kpiCoach(ctx, r)
	case sub == "commit" || sub == "engagement":
		msg, err = h.kpiCommit(ctx, r)
	case sub == "remind" || sub == "rappel":
		msg, err = h.kpiRemind(ctx, r)
	case sub == "holiday" || sub == "holidays" || sub == "ferie" || sub == "férié":
		msg, err = h.kpiHoliday(ctx, r)
	default:
		return h.kpiUsage(p.Lang, "kpi.error.unknown_sub", map[string]string{"Sub": escape(args[0])}, "`/kpi help`"), nil
	}
	if errors.Is(err, errDenied) {
		return msg, nil
	}
	if err != nil {
		return h.failure(p.Lang, "kpi.error.failed"), err
	}
	return msg, nil
}

func isTeamAdmin(s string) bool {
	switch strings.ToLower(s) {
	case "add", "manager", "channel", "ajouter", "canal", "move", "deplacer", "déplacer":
		return true
	}
	return false
}

func (h *Handler) actor(ctx context.Context, cmd Command) (actor, error) {
	ws, err := h.store.EnsureWorkspace(ctx, cmd.Workspace, cmd.User, h.now())
	if err != nil {
		return actor{}, fmt.Errorf("bot: workspace: %w", err)
	}
	a := actor{user: cmd.User, admin: ws.IsAdmin(cmd.User)}
	team, err := h.store.TeamOf(ctx, cmd.Workspace, cmd.User)
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		return actor{}, fmt.Errorf("bot: team: %w", err)
	default:
		a.team, a.inTeam, a.manages = team, true, team.Manager == cmd.User
	}
	return a, nil
}

func (h *Handler) kpiHelp(lang prompts.Lang) slack.Msg {
	text := prompts.Text(lang, "kpi.help", nil)
	return ephemeral(text, section(text))
}

// kpiUsage refuses a command with the reason and an example to copy.
func (h *Handler) kpiUsage(lang prompts.Lang, key prompts.Key, data any, example string) slack.Msg {
	reason := "⚠️ " + prompts.Text(lang, key, data)
	return ephemeral(reason, section(reason), contextBlock(prompts.Text(lang, "kpi.error.example", map[string]string{"Example": example})))
}

// denied refuses without saying anything about the data asked for.
func (h *Handler) denied(lang prompts.Lang, who string) (slack.Msg, error) {
	text := "🔒 " + prompts.Text(lang, "kpi.error.denied", map[string]string{"Who": prompts.Text(lang, prompts.Key("kpi.who."+who), nil)})
	return ephemeral(text, section(text)), errDenied
}

// period takes the period word out of the arguments (def when there is
// none) and returns that period around today.
func (r *kpiRequest) period(def kpi.PeriodKind) kpi.Period {
	kind := def
	var rest []string
	for _, a := range r.args {
		if k, ok := kpi.ParsePeriodKind(a); ok {
			kind = k
			continue
		}
		rest = append(rest, a)
	}
	r.args = rest
	return kpi.PeriodOf(kind, r.today)
}

// loadFacts reads users' check-ins from the week holding from up to the
// week holding to.
func (h *Handler) loadFacts(ctx context.Context, ws string, users []string, from, to kpi.Date) ([]kpi.Fact, error) {
	if len(users) == 0 {
		return nil, nil
	}
	first, _ := kpi.WeekOf(from)
	last, _ := kpi.WeekOf(to)
	weeks, err := h.store.WeeksBetween(ctx, ws, users, first.String(), last.String())
	if err != nil {
		return nil, fmt.Errorf("bot: load check-ins: %w", err)
	}
	var facts []kpi.Fact
	for _, w := range weeks {
		for _, c := range w.Live() {
			day, err := kpi.ParseDate(c.Day)
			if err != nil {
				continue
			}
			facts = append(facts, kpi.Fact{User: c.User, Day: day, Counts: countsFromStore(c.Counts), RevenueCents: c.RevenueCents})
		}
	}
	return facts, nil
}

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

func (h *Handler) kpiMe(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	p := r.period(kpi.Week)
	lang := r.p.Lang
	target := r.cmd.User
	if len(r.args) > 0 {
		u, ok := userArg(r.cmd, r.args[0])
		if !ok {
			return h.periodOrMention(lang, r.args[0], "`/kpi me month` · `/kpi me @alice`"), nil
		}
		target = u
	}
	// Individual figures go to the rep and, privately, to their manager:
	// nobody else, admins included.
	if target != r.cmd.User && !r.who.managesRep(target) {
		return h.denied(lang, "self_or_manager")
	}
	prev := kpi.Trailing(p, trendWeeks)
	facts, err := h.loadFacts(ctx, r.cmd.Workspace, []string{target}, loadFrom(prev, r.today), r.today)
	if err != nil {
		return slack.Msg{}, err
	}
	cur, trail := kpi.Sum(facts, upTo(p, r.today)), kpi.Sum(facts, prev)

	objectives, err := h.objectivesOf(ctx, r.cmd.Workspace, func(o storage.Objective) bool { return o.Owner == target })
	if err != nil {
		return slack.Msg{}, err
	}
	progress := h.evaluate(objectives, r.today, func(kind kpi.PeriodKind) kpi.Totals {
		return kpi.Sum(facts, upTo(kpi.PeriodOf(kind, r.today), r.today))
	}, trail, prev)

	title := prompts.Text(lang, "kpi.me.title", map[string]string{"Period": periodLabel(lang, p)})
	if target != r.cmd.User {
		title = prompts.Text(lang, "kpi.me.other.title", map[string]string{"User": mention(target), "Period": periodLabel(lang, p)})
	}
	blocks := []slack.Block{section(title), section(totalsText(lang, cur))}
	blocks = append(blocks, section(funnelText(lang, cur, &trail)))
	blocks = append(blocks, contextBlock(healthText(lang, cur)))
	blocks = append(blocks, section(objectivesText(lang, objectives, progress, false)))
	commitments, err := h.store.Commitments(ctx, r.cmd.Workspace, target)
	if err != nil {
		return slack.Msg{}, err
	}
	if len(commitments) > 0 {
		lines := []string{prompts.Text(lang, "kpi.me.commitments", nil)}
		for _, c := range commitments[max(0, len(commitments)-5):] {
			due := ""
			if c.Due != "" {
				due = prompts.Text(lang, "coach.due", map[string]string{"Due": c.Due})
			}
			lines = append(lines, prompts.Text(lang, "coach.followup.line", map[string]string{"Text": escape(c.Text), "Due": due}))
		}
		blocks = append(blocks, section(strings.Join(lines, "\n")))
	}
	signals := kpi.CoachingSignals(cur, trail, progress, kpi.DefaultMinEvents)
	if len(signals) > 0 {
		blocks = append(blocks, section(prompts.Text(lang, "kpi.signal.title", nil)+"\n"+signalText(lang, "kpi.signal.", signals[0])))
	}
	return ephemeral(title, blocks...), nil
}

func (h *Handler) kpiTeam(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	p := r.period(kpi.Week)
	lang := r.p.Lang
	if len(r.args) > 0 {
		return h.periodOrMention(lang, r.args[0], "`/kpi team month`"), nil
	}
	if !r.who.inTeam {
		text := prompts.Text(lang, "kpi.team.none", nil)
		return ephemeral(text, section(text)), nil
	}
	team := r.who.team
	prev := kpi.Trailing(p, trendWeeks)
	facts, err := h.loadFacts(ctx, r.cmd.Workspace, team.Reps, loadFrom(prev, r.today), r.today)
	if err != nil {
		return slack.Msg{}, err
	}
	cur, trail := kpi.Sum(facts, upTo(p, r.today)), kpi.Sum(facts, prev)
	objectives, err := h.objectivesOf(ctx, r.cmd.Workspace, func(o storage.Objective) bool {
		return o.Owner == kpi.TeamOwner && o.Team == team.Manager
	})
	if err != nil {
		return slack.Msg{}, err
	}
	progress := h.evaluate(objectives, r.today, func(kind kpi.PeriodKind) kpi.Totals {
		return kpi.Sum(facts, upTo(kpi.PeriodOf(kind, r.today), r.today))
	}, trail, prev)

	title := prompts.Text(lang, "kpi.team.title", map[string]any{"Team": mention(team.Manager), "Period": periodLabel(lang, p), "Reps": len(team.Reps)})
	blocks := []slack.Block{
		section(title),
		section(totalsText(lang, cur)),
		section(funnelText(lang, cur, &trail)),
		contextBlock(healthText(lang, cur)),
		section(objectivesText(lang, objectives, progress, true)),
	}
	if r.who.manages {
		blocks = append(blocks, repRateBlocks(lang, kpi.SumByUser(facts, upTo(p, r.today)), team.Reps, maxBlocks-len(blocks))...)
	}
	return ephemeral(title, blocks...), nil
}

// maxBlocks keeps a message under Slack's 50-block limit with room to spare.
const maxBlocks = 48

// repRateBlocks lists each rep's conversion rates, alphabetically: rates
// say how someone sells, counts would only rank who typed most.
func repRateBlocks(lang prompts.Lang, byUser map[string]kpi.Totals, reps []string, room int) []slack.Block {
	reps = slices.Clone(reps)
	slices.SortFunc(reps, func(a, b string) int { return strings.Compare(mention(a), mention(b)) })
	blocks := []slack.Block{section(prompts.Text(lang, "kpi.team.reps.title", nil))}
	var chunk strings.Builder
	shown := 0
	for _, rep := range reps {
		var rates []string
		for _, rate := range kpi.Funnel(byUser[rep], kpi.DefaultMinEvents)[:len(kpi.Stages)] {
			rates = append(rates, shortRate(lang, rate))
		}
		line := prompts.Text(lang, "kpi.team.rep.line", map[string]string{"User": mention(rep), "Rates": strings.Join(rates, " · ")}) + "\n"
		if chunk.Len()+len(line) > 2900 {
			if len(blocks)+2 >= room {
				break
			}
			blocks = append(blocks, section(strings.TrimSuffix(chunk.String(), "\n")))
			chunk.Reset()
		}
		chunk.WriteString(line)
		shown++
	}
	if chunk.Len() > 0 {
		blocks = append(blocks, section(strings.TrimSuffix(chunk.String(), "\n")))
	}
	if n := len(reps) - shown; n > 0 {
		blocks = append(blocks, contextBlock(prompts.Text(lang, "kpi.team.reps.more", map[string]int{"N": n})))
	}
	return blocks
}

func (h *Handler) kpiPlan(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	const example = "`/kpi plan 5 signatures month`"
	p := r.period(kpi.Month)
	if len(r.args) < 2 {
		return h.kpiUsage(lang, "kpi.error.usage", map[string]string{"Text": escape(r.cmd.Text)}, example), nil
	}
	n, _, ok := parseAmount(r.args[0])
	if !ok {
		return h.kpiUsage(lang, "kpi.error.number", map[string]string{"Token": escape(r.args[0])}, example), nil
	}
	metric, ok := h.vocab.Lookup(strings.Join(r.args[1:], " "))
	if !ok {
		return h.unknownTarget(lang, strings.Join(r.args[1:], " "), example), nil
	}
	// Rates and pace come from the four weeks up to today, whatever the
	// period planned for.
	prev := kpi.Period{Start: r.today.AddDays(-7*trendWeeks + 1), End: r.today}
	users := []string{r.cmd.User}
	if r.who.inTeam {
		users = append(users, r.who.team.Reps...)
	}
	facts, err := h.loadFacts(ctx, r.cmd.Workspace, users, prev.Start, prev.End)
	if err != nil {
		return slack.Msg{}, err
	}
	byUser := kpi.SumByUser(facts, prev)
	own := byUser[r.cmd.User]
	team := kpi.Sum(facts, prev)
	// The pace is per day logged: a rep who started last week is not
	// averaged over four weeks they were not using the bot.
	daily := 0.0
	if own.ActiveDays > 0 {
		daily = float64(own.Counts[kpi.Calls]) / float64(own.ActiveDays)
	}
	plan, err := kpi.ReversePlan(metric, n, own, team, daily, kpi.DefaultMinEvents)
	if err != nil {
		return h.planError(lang, metric, err, example), nil
	}
	var b strings.Builder
	b.WriteString(prompts.Text(lang, "kpi.plan.title", map[string]string{
		"Value": number(lang, n), "Label": prompts.MetricLabel(lang, metric, int(math.Ceil(n))), "Period": periodLabel(lang, p),
	}) + "\n")
	for i, st := range plan.Steps {
		rate := ""
		if i < len(plan.Steps)-1 {
			rate = "\n" + prompts.Text(lang, "kpi.plan.rate", map[string]string{
				"Rate": pct(lang, st.Rate.Value), "Source": prompts.Text(lang, prompts.Key("kpi.source."+string(st.Source)), nil),
			})
		}
		need := kpi.Approx(st.Need)
		b.WriteString(prompts.Text(lang, "kpi.plan.step", map[string]string{
			"Need": "*" + number(lang, need) + "*", "Label": prompts.MetricLabel(lang, st.Metric, int(math.Ceil(need))), "Rate": rate,
		}) + "\n")
	}
	days2 := prompts.Text(lang, "kpi.plan.nodays", nil)
	if plan.WorkingDays > 0 {
		days2 = prompts.Text(lang, "kpi.plan.days", map[string]any{
			"Daily": number(lang, kpi.Approx(plan.DailyCalls)), "Days": number(lang, kpi.Approx(plan.WorkingDays)),
			"Left": kpi.WorkingDays(r.today, p.End),
		})
	}
	text := b.String()
	return ephemeral(text, section(text), contextBlock(days2)), nil
}

func (h *Handler) planError(lang prompts.Lang, metric kpi.Metric, err error, example string) slack.Msg {
	var pe *kpi.PlanError
	if errors.As(err, &pe) && pe.Stage != "" {
		st, _ := kpi.StageByKey(pe.Stage)
		return h.kpiUsage(lang, "kpi.error.plan_stuck", map[string]string{"Stage": stageLabel(lang, st)}, example)
	}
	if errors.As(err, &pe) && pe.Reason == kpi.PlanBadValue {
		return h.kpiUsage(lang, "kpi.error.absurd", map[string]any{"Limit": pe.Limit}, example)
	}
	return h.kpiUsage(lang, "kpi.error.plan_target", map[string]string{"Label": prompts.MetricLabel(lang, metric, 2)}, example)
}

// periodOrMention refuses a stray argument: a word is taken for a period
// that was mistyped, anything else for a mention that Slack did not link.
func (h *Handler) periodOrMention(lang prompts.Lang, tok, example string) slack.Msg {
	if strings.HasPrefix(tok, "@") || strings.HasPrefix(tok, "<") {
		return h.kpiUsage(lang, "kpi.error.mention", nil, example)
	}
	return h.kpiUsage(lang, "kpi.error.period", map[string]string{"Token": escape(tok)}, example)
}

func (h *Handler) unknownTarget(lang prompts.Lang, tok, example string) slack.Msg {
	_, _, suggestion, _ := kpi.ParseTarget(tok, h.vocab)
	if suggestion != "" {
		return h.kpiUsage(lang, "kpi.error.target_suggest", map[string]string{"Token": escape(tok), "Suggestion": escape(suggestion)}, example)
	}
	return h.kpiUsage(lang, "kpi.error.target_unknown", map[string]string{"Token": escape(tok)}, example)
}
