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
		return views.KPIHelp(p.Lang), nil
	}
	who, err := h.actor(ctx, cmd)
	if err != nil {
		return views.Reply(p.Lang, "kpi.error.failed", nil), err
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
		return views.Usage(p.Lang, "kpi.error.unknown_sub", map[string]string{"Sub": views.Escape(args[0])}, "`/kpi help`"), nil
	}
	if errors.Is(err, errDenied) {
		return msg, nil
	}
	if err != nil {
		return views.Reply(p.Lang, "kpi.error.failed", nil), err
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

// denied refuses without saying anything about the data asked for.
func denied(lang prompts.Lang, who string) (slack.Msg, error) {
	return views.Denied(lang, who), errDenied
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
			return views.PeriodOrMention(lang, r.args[0], "`/kpi me month` · `/kpi me @alice`"), nil
		}
		target = u
	}
	// Individual figures go to the rep and, privately, to their manager:
	// nobody else, admins included.
	if target != r.cmd.User && !r.who.managesRep(target) {
		return denied(lang, "self_or_manager")
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
	commitments, err := h.store.Commitments(ctx, r.cmd.Workspace, target)
	if err != nil {
		return slack.Msg{}, err
	}
	return views.Me(lang, views.MeData{
		Figures: views.Figures{Period: p, Cur: cur, Trail: trail, Progress: progress},
		Rep:     target, Other: target != r.cmd.User,
		Commitments: commitmentsOf(commitments),
		Signals:     kpi.CoachingSignals(cur, trail, progress, kpi.DefaultMinEvents),
	}), nil
}

// commitmentsOf is what views show of stored commitments.
func commitmentsOf(cs []storage.Commitment) []views.Commitment {
	out := make([]views.Commitment, 0, len(cs))
	for _, c := range cs {
		out = append(out, views.Commitment{Text: c.Text, Due: c.Due})
	}
	return out
}

func (h *Handler) kpiTeam(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	p := r.period(kpi.Week)
	lang := r.p.Lang
	if len(r.args) > 0 {
		return views.PeriodOrMention(lang, r.args[0], "`/kpi team month`"), nil
	}
	if !r.who.inTeam {
		return views.Reply(lang, "kpi.team.none", nil), nil
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
	t := views.TeamData{Figures: views.Figures{Period: p, Cur: cur, Trail: trail, Progress: progress}, Manager: team.Manager, Reps: team.Reps}
	if r.who.manages {
		t.RepRates, t.ByRep = true, kpi.SumByUser(facts, upTo(p, r.today))
	}
	return views.Team(lang, t), nil
}

func (h *Handler) kpiPlan(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	const example = "`/kpi plan 5 signatures month`"
	p := r.period(kpi.Month)
	if len(r.args) < 2 {
		return views.BadUsage(lang, r.cmd.Text, example), nil
	}
	n, _, ok := parseAmount(r.args[0])
	if !ok {
		return views.Usage(lang, "kpi.error.number", map[string]string{"Token": views.Escape(r.args[0])}, example), nil
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
		return views.PlanError(lang, metric, err, example), nil
	}
	return views.Plan(lang, n, metric, p, r.today, plan), nil
}

func (h *Handler) unknownTarget(lang prompts.Lang, tok, example string) slack.Msg {
	_, _, suggestion, _ := kpi.ParseTarget(tok, h.vocab)
	return views.UnknownTarget(lang, tok, suggestion, example)
}
