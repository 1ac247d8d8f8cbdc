package bot

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/logctx"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// ObjectiveStore keeps objectives.
type ObjectiveStore interface {
	teamFinder
	SaveObjective(ctx context.Context, o storage.Objective) (storage.Objective, error)
	Objective(ctx context.Context, workspace, code string) (storage.Objective, error)
	DeleteObjective(ctx context.Context, workspace, code string) error
}

// goals answers /kpi goal: reps set their own objectives, managers their
// reps' and their team's, admins anyone's.
type goals struct {
	store    ObjectiveStore
	figures  figures
	settings *settings
	// outbox tells an objective's owner when someone else sets or
	// removes it; nil in tests that do not look.
	outbox Outbox
	env
}

// command handles /kpi goal set|list|rm.
func (g *goals) command(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	if len(r.args) == 0 {
		return views.KPIHelp(lang), nil
	}
	sub := strings.ToLower(r.args[0])
	r.args = r.args[1:]
	switch sub {
	case "set", "add", "fixer":
		return g.set(ctx, r)
	case "list", "ls", "liste":
		return g.list(ctx, r)
	case "rm", "remove", "del", "delete", "suppr":
		return g.remove(ctx, r)
	}
	return views.Usage(lang, "kpi.error.unknown_sub", map[string]string{"Sub": "goal " + views.Escape(sub)}, prompts.Text(lang, "example.goal", nil)), nil
}

// directionWords read an alert's direction in either language: "below"
// or "sous", "above" or "au-dessus".
var directionWords = map[string]kpi.Direction{
	"below": kpi.Below, "under": kpi.Below, "sous": kpi.Below, "en-dessous": kpi.Below, "au-dessous": kpi.Below,
	"above": kpi.Above, "over": kpi.Above, "au-dessus": kpi.Above,
}

// goalFlags are the options of /kpi goal set. Each flag has an English and
// a French form, read whatever the user's language: --alert/--alerte,
// --action, --for/--pour.
type goalFlags struct {
	alert     bool
	direction kpi.Direction
	threshold string
	action    string
	forTok    string
}

func (g *goals) set(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	example := prompts.Text(lang, "example.goal.set", nil)
	var pos []string
	var f goalFlags
	for i := 0; i < len(r.args); i++ {
		a := r.args[i]
		next := func() (string, bool) {
			if i+1 < len(r.args) {
				i++
				return r.args[i], true
			}
			return "", false
		}
		switch kpi.Normalize(a) {
		case "--alert", "--alerte":
			dir, ok1 := next()
			thr, ok2 := next()
			d, okD := directionWords[kpi.Normalize(dir)]
			if !ok1 || !ok2 || !okD {
				return views.Usage(lang, "kpi.error.alert_threshold", nil, example), nil
			}
			f.alert, f.direction, f.threshold = true, d, thr
		case "--action":
			v, ok := next()
			if !ok || strings.TrimSpace(v) == "" {
				return views.Usage(lang, "kpi.error.alert_action", nil, example), nil
			}
			f.action = v
		case "--for", "--pour":
			v, ok := next()
			if !ok {
				return views.Usage(lang, "kpi.error.mention", nil, prompts.Text(lang, "example.goal.for", nil)), nil
			}
			f.forTok = v
		default:
			pos = append(pos, a)
		}
	}
	if len(pos) == 3 {
		if _, ok := kpi.ParsePeriodKind(pos[2]); !ok {
			return views.Usage(lang, "kpi.error.period", map[string]string{"Token": views.Escape(pos[2])}, example), nil
		}
	}
	r.args = pos
	p := r.period(kpi.Month)
	if len(r.args) != 2 {
		return views.BadUsage(lang, r.cmd.Text, example), nil
	}
	ws, err := g.settings.of(ctx, r.cmd.Workspace)
	if err != nil {
		return slack.Msg{}, err
	}
	target, isRate, suggestion, ok := kpi.ParseTarget(r.args[0], ws.vocab)
	if !ok {
		return views.UnknownTarget(lang, r.args[0], suggestion, example), nil
	}
	if refusal, ok := otherCurrency(lang, ws, target, r.args[1], f.threshold); ok {
		return refusal, nil
	}
	value, ok := targetValue(r.args[1], target, isRate)
	if !ok {
		return views.Usage(lang, "kpi.error.number", map[string]string{"Token": views.Escape(r.args[1])}, example), nil
	}
	o := kpi.Objective{Owner: r.cmd.User, Target: target, Value: value, Period: p.Kind, Kind: kpi.Balance, Action: f.action}
	if f.alert {
		thr, ok := targetValue(f.threshold, target, isRate)
		if !ok {
			return views.Usage(lang, "kpi.error.number", map[string]string{"Token": views.Escape(f.threshold)}, example), nil
		}
		o.Kind, o.Direction, o.Threshold = kpi.Alert, f.direction, thr
	}

	// Who owns it, and may the caller set it? Reps set their own; managers
	// their reps' and their team's; admins anyone's.
	team := ""
	if r.who.inTeam {
		team = r.who.team.Manager
	}
	switch tok := strings.ToLower(f.forTok); {
	case tok == "":
	case tok == "team" || tok == "equipe" || tok == "équipe":
		if !r.who.manages {
			if r.who.admin {
				return views.Usage(lang, "kpi.error.not_manager", nil, prompts.Text(lang, "example.team.manager.you", nil)), nil
			}
			return denied(lang, "manager")
		}
		o.Owner = kpi.TeamOwner
	default:
		u, ok := userArg(r.cmd, f.forTok)
		if !ok {
			return views.Usage(lang, "kpi.error.mention", nil, prompts.Text(lang, "example.goal.for", nil)), nil
		}
		if u != r.cmd.User && !r.who.managesRep(u) && !r.who.admin {
			return denied(lang, "manager_or_admin")
		}
		o.Owner = u
		if u != r.cmd.User {
			t, err := g.store.TeamOf(ctx, r.cmd.Workspace, u)
			switch {
			case errors.Is(err, storage.ErrNotFound):
				team = ""
			case err != nil:
				return slack.Msg{}, err
			default:
				team = t.Manager
			}
		}
	}
	if err := kpi.ValidateObjective(o); err != nil {
		return views.ObjectiveError(lang, ws.currency, o, err, example), nil
	}
	saved, err := g.store.SaveObjective(ctx, storage.Objective{
		Workspace: r.cmd.Workspace, Team: team, Owner: o.Owner, Target: o.Target, Value: o.Value,
		Period: string(o.Period), Kind: string(o.Kind), Threshold: o.Threshold, Direction: string(o.Direction), Action: o.Action,
		CreatedBy: r.cmd.User, CreatedAt: g.now(),
	})
	if err != nil {
		return slack.Msg{}, err
	}
	if o.Owner != r.cmd.User && o.Owner != kpi.TeamOwner {
		g.tellOwner(ctx, r.cmd.Workspace, o.Owner, saved.Code, func(lang prompts.Lang) slack.Msg {
			return views.GoalSetForYou(lang, ws.currency, saved.Code, o, r.cmd.User)
		})
	}
	return views.GoalSaved(lang, ws.currency, saved.Code, o, r.cmd.User), nil
}

// tellOwner DMs an objective's owner, in their language, that someone
// else changed it: an objective belongs to its owner, who must never
// find it changed behind their back. A DM that fails is logged.
func (g *goals) tellOwner(ctx context.Context, workspace, owner, code string, msg func(prompts.Lang) slack.Msg) {
	if g.outbox == nil {
		return
	}
	lang := g.users.profile(ctx, workspace, owner).Lang
	id := "goal/" + workspace + "/" + code + "/" + g.now().UTC().Format("20060102T150405.000")
	if _, _, err := g.outbox.Send(ctx, owner, msg(lang), id); err != nil {
		logctx.Logger(ctx, g.log).Error("objective owner not told", "workspace", workspace, "err", err)
	}
}

// otherCurrency refuses a revenue target or threshold written in another
// currency than the workspace's ("50k$" in a euro workspace), with the
// words /log uses: nothing is converted, nor shown in the wrong currency.
func otherCurrency(lang prompts.Lang, ws *workspaceConfig, target string, amounts ...string) (slack.Msg, bool) {
	if target != string(kpi.Revenue) {
		return slack.Msg{}, false
	}
	for _, a := range amounts {
		if a == "" {
			continue
		}
		// Any day will do: only the amount is read.
		_, err := ws.parser.Parse("CA "+a, time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC))
		var pe *kpi.ParseError
		if errors.As(err, &pe) && pe.Kind == kpi.ErrOtherCurrency {
			return views.ParseError(lang, a, pe), true
		}
	}
	return slack.Msg{}, false
}

// targetValue reads a target in the unit stored: a count, cents for
// revenue, a fraction for a rate ("30%", "30" and "0.3" are all 30%).
func targetValue(tok, target string, isRate bool) (float64, bool) {
	v, percent, ok := parseAmount(tok)
	if !ok {
		return 0, false
	}
	switch {
	case isRate && (percent || v > 1):
		return v / 100, true
	case target == string(kpi.Revenue):
		return v * 100, true
	}
	return v, true
}

// visibleObjective says whether the caller may see (and so act on) o:
// their own, their team's, and as a manager their reps'.
func visibleObjective(a actor, o storage.Objective) bool {
	switch {
	case o.Owner == a.user:
		return true
	case a.inTeam && o.Team == a.team.Manager && o.Owner == kpi.TeamOwner:
		return true
	case a.manages && o.Team == a.team.Manager:
		return true
	}
	return false
}

func (g *goals) list(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	objectives, err := g.figures.objectives(ctx, r.cmd.Workspace, func(o storage.Objective) bool { return visibleObjective(r.who, o) })
	if err != nil {
		return slack.Msg{}, err
	}
	kpiObjectives := make([]kpi.Objective, 0, len(objectives))
	for _, o := range objectives {
		kpiObjectives = append(kpiObjectives, toKPI(o, r.p.Loc))
	}
	cur, err := g.figures.currency(ctx, r.cmd.Workspace)
	if err != nil {
		return slack.Msg{}, err
	}
	return views.GoalList(lang, cur, kpiObjectives, r.cmd.User), nil
}

func (g *goals) remove(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	if len(r.args) != 1 {
		return views.BadUsage(lang, r.cmd.Text, prompts.Text(lang, "example.goal.rm", nil)), nil
	}
	code := strings.Trim(strings.ToLower(r.args[0]), "`")
	o, err := g.store.Objective(ctx, r.cmd.Workspace, code)
	notFound := func() (slack.Msg, error) {
		return views.Reply(lang, "kpi.goal.notfound", map[string]string{"Code": views.Escape(code)}), nil
	}
	if errors.Is(err, storage.ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return slack.Msg{}, err
	}
	// An objective the caller cannot see answers like one that does not
	// exist, so codes reveal nothing.
	if !visibleObjective(r.who, o) && !r.who.admin {
		return notFound()
	}
	if o.Owner != r.cmd.User && !(r.who.manages && o.Team == r.who.team.Manager) && !r.who.admin {
		return denied(lang, "manager_or_admin")
	}
	if err := g.store.DeleteObjective(ctx, r.cmd.Workspace, code); errors.Is(err, storage.ErrNotFound) {
		return notFound()
	} else if err != nil {
		return slack.Msg{}, err
	}
	if o.Owner != r.cmd.User && o.Owner != kpi.TeamOwner {
		g.tellOwner(ctx, r.cmd.Workspace, o.Owner, code, func(lang prompts.Lang) slack.Msg {
			return views.Notice(lang, "kpi.goal.removed.owner", map[string]string{"By": views.Mention(r.cmd.User), "Code": code, "Target": views.TargetLabel(lang, o.Target)})
		})
	}
	return views.Reply(lang, "kpi.goal.removed", map[string]string{"Code": code}), nil
}
