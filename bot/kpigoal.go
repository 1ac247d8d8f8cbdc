package bot

import (
	"context"
	"errors"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

func (h *Handler) kpiGoal(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	if len(r.args) == 0 {
		return views.KPIHelp(lang), nil
	}
	sub := strings.ToLower(r.args[0])
	r.args = r.args[1:]
	switch sub {
	case "set", "add", "fixer":
		return h.goalSet(ctx, r)
	case "list", "ls", "liste":
		return h.goalList(ctx, r)
	case "rm", "remove", "del", "delete", "suppr":
		return h.goalRemove(ctx, r)
	}
	return views.Usage(lang, "kpi.error.unknown_sub", map[string]string{"Sub": "goal " + views.Escape(sub)}, "`/kpi goal set signatures 5 month`"), nil
}

// goalFlags are the options of /kpi goal set.
type goalFlags struct {
	alert     bool
	direction kpi.Direction
	threshold string
	action    string
	forTok    string
}

func (h *Handler) goalSet(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	const example = "`/kpi goal set signatures 5 month` · `/kpi goal set rdv 10 week --alert below 4 --action \"…\"`"
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
		switch strings.ToLower(a) {
		case "--alert":
			dir, ok1 := next()
			thr, ok2 := next()
			d := kpi.Direction(strings.ToLower(dir))
			if !ok1 || !ok2 || (d != kpi.Below && d != kpi.Above) {
				return views.Usage(lang, "kpi.error.alert_threshold", nil, example), nil
			}
			f.alert, f.direction, f.threshold = true, d, thr
		case "--action":
			v, ok := next()
			if !ok || strings.TrimSpace(v) == "" {
				return views.Usage(lang, "kpi.error.alert_action", nil, example), nil
			}
			f.action = v
		case "--for":
			v, ok := next()
			if !ok {
				return views.Usage(lang, "kpi.error.mention", nil, "`/kpi goal set signatures 5 month --for @alice`"), nil
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
	target, isRate, suggestion, ok := kpi.ParseTarget(r.args[0], h.vocab)
	if !ok {
		return views.UnknownTarget(lang, r.args[0], suggestion, example), nil
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
				return views.Usage(lang, "kpi.error.not_manager", nil, "`/kpi team manager @you`"), nil
			}
			return denied(lang, "manager")
		}
		o.Owner = kpi.TeamOwner
	default:
		u, ok := userArg(r.cmd, f.forTok)
		if !ok {
			return views.Usage(lang, "kpi.error.mention", nil, "`/kpi goal set signatures 5 month --for @alice`"), nil
		}
		if u != r.cmd.User && !r.who.managesRep(u) && !r.who.admin {
			return denied(lang, "manager_or_admin")
		}
		o.Owner = u
		if u != r.cmd.User {
			t, err := h.store.TeamOf(ctx, r.cmd.Workspace, u)
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
		return views.ObjectiveError(lang, o, err, example), nil
	}
	saved, err := h.store.SaveObjective(ctx, storage.Objective{
		Workspace: r.cmd.Workspace, Team: team, Owner: o.Owner, Target: o.Target, Value: o.Value,
		Period: string(o.Period), Kind: string(o.Kind), Threshold: o.Threshold, Direction: string(o.Direction), Action: o.Action,
		CreatedBy: r.cmd.User, CreatedAt: h.now(),
	})
	if err != nil {
		return slack.Msg{}, err
	}
	return views.GoalSaved(lang, saved.Code, o, r.cmd.User), nil
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

func (h *Handler) goalList(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	objectives, err := h.objectivesOf(ctx, r.cmd.Workspace, func(o storage.Objective) bool { return visibleObjective(r.who, o) })
	if err != nil {
		return slack.Msg{}, err
	}
	kpiObjectives := make([]kpi.Objective, 0, len(objectives))
	for _, o := range objectives {
		kpiObjectives = append(kpiObjectives, toKPI(o))
	}
	return views.GoalList(lang, kpiObjectives, r.cmd.User), nil
}

func (h *Handler) goalRemove(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	if len(r.args) != 1 {
		return views.BadUsage(lang, r.cmd.Text, "`/kpi goal rm ab3cd`"), nil
	}
	code := strings.Trim(strings.ToLower(r.args[0]), "`")
	o, err := h.store.Objective(ctx, r.cmd.Workspace, code)
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
	if err := h.store.DeleteObjective(ctx, r.cmd.Workspace, code); errors.Is(err, storage.ErrNotFound) {
		return notFound()
	} else if err != nil {
		return slack.Msg{}, err
	}
	return views.Reply(lang, "kpi.goal.removed", map[string]string{"Code": code}), nil
}

func (h *Handler) kpiTeamAdmin(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	sub := strings.ToLower(r.args[0])
	if sub == "move" || sub == "deplacer" || sub == "déplacer" {
		return h.kpiTeamMove(ctx, r)
	}
	if len(r.args) != 2 {
		return views.BadUsage(lang, r.cmd.Text, "`/kpi team add @alice`"), nil
	}
	arg := r.args[1]
	switch sub {
	case "manager":
		if !r.who.admin {
			return denied(lang, "admin")
		}
		u, ok := userArg(r.cmd, arg)
		if !ok {
			return views.Usage(lang, "kpi.error.mention", nil, "`/kpi team manager @alice`"), nil
		}
		if _, err := h.store.MakeManager(ctx, r.cmd.Workspace, u); err != nil {
			return slack.Msg{}, err
		}
		return views.Reply(lang, "kpi.team.manager.done", map[string]string{"User": views.Mention(u)}), nil
	case "add", "ajouter":
		if !r.who.manages {
			return views.Usage(lang, "kpi.error.not_manager", nil, "`/kpi team manager @you`"), nil
		}
		u, ok := userArg(r.cmd, arg)
		if !ok {
			return views.Usage(lang, "kpi.error.mention", nil, "`/kpi team add @alice`"), nil
		}
		if refusal, ok, err := h.refuseManagerAsRep(ctx, r, u); err != nil || ok {
			return refusal, err
		}
		team, err := h.store.AddRep(ctx, r.cmd.Workspace, r.cmd.User, u)
		var inTeam *storage.InTeamError
		if errors.As(err, &inTeam) {
			if r.who.admin {
				return h.moveRep(ctx, r, u, r.cmd.User)
			}
			// Taking a rep would hand their history to a new manager
			// behind their back: an admin moves reps, and says so.
			return views.Usage(lang, "kpi.team.add.taken", map[string]string{"User": views.Mention(u)}, "`/kpi team move @alice @manager`"), nil
		}
		if err != nil {
			return slack.Msg{}, err
		}
		return views.Reply(lang, "kpi.team.add.done", map[string]any{"User": views.Mention(u), "N": len(team.Reps)}), nil
	default: // channel
		if !r.who.manages {
			return views.Usage(lang, "kpi.error.not_manager", nil, "`/kpi team manager @you`"), nil
		}
		c, ok := channelArg(r.cmd, arg)
		if !ok {
			return views.Usage(lang, "kpi.error.channel", nil, "`/kpi team channel #sales`"), nil
		}
		if _, err := h.store.SetTeamChannel(ctx, r.cmd.Workspace, r.cmd.User, c); err != nil {
			return slack.Msg{}, err
		}
		return views.Reply(lang, "kpi.team.channel.done", map[string]string{"Channel": views.ChannelMention(c)}), nil
	}
}

// refuseManagerAsRep refuses, unless the caller is an admin, to make a
// manager someone's rep: that would show their own figures to another
// manager. ok reports a refusal.
func (h *Handler) refuseManagerAsRep(ctx context.Context, r kpiRequest, u string) (slack.Msg, bool, error) {
	if r.who.admin || u == r.cmd.User {
		return slack.Msg{}, false, nil
	}
	t, err := h.store.TeamOf(ctx, r.cmd.Workspace, u)
	if errors.Is(err, storage.ErrNotFound) {
		return slack.Msg{}, false, nil
	}
	if err != nil {
		return slack.Msg{}, false, err
	}
	if t.Manager != u {
		return slack.Msg{}, false, nil
	}
	return views.Usage(r.p.Lang, "kpi.team.add.manager", map[string]string{"User": views.Mention(u)}, "`/kpi team add @alice`"), true, nil
}

// kpiTeamMove handles /kpi team move @rep @manager: an admin moves a rep
// into a manager's team, out of any other.
func (h *Handler) kpiTeamMove(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	const example = "`/kpi team move @alice @manager`"
	if !r.who.admin {
		return denied(lang, "admin")
	}
	if len(r.args) != 3 {
		return views.BadUsage(lang, r.cmd.Text, example), nil
	}
	rep, ok1 := userArg(r.cmd, r.args[1])
	manager, ok2 := userArg(r.cmd, r.args[2])
	if !ok1 || !ok2 {
		return views.Usage(lang, "kpi.error.mention", nil, example), nil
	}
	return h.moveRep(ctx, r, rep, manager)
}

// moveRep moves rep into manager's team and tells the rep and both
// managers, each in their own language: nobody's figures change hands
// without the people concerned knowing.
func (h *Handler) moveRep(ctx context.Context, r kpiRequest, rep, manager string) (slack.Msg, error) {
	lang := r.p.Lang
	team, from, err := h.store.MoveRep(ctx, r.cmd.Workspace, manager, rep)
	if errors.Is(err, storage.ErrNotFound) {
		return views.Usage(lang, "kpi.team.move.nomanager", map[string]string{"User": views.Mention(manager)}, "`/kpi team manager @manager`"), nil
	}
	if err != nil {
		return slack.Msg{}, err
	}
	data := func(prompts.Lang) map[string]any {
		return map[string]any{"By": views.Mention(r.cmd.User), "User": views.Mention(rep), "To": views.Mention(manager), "From": views.Mention(from), "N": len(team.Reps)}
	}
	repKey, toKey, doneKey := prompts.Key("kpi.team.moved.rep"), prompts.Key("kpi.team.moved.to"), prompts.Key("kpi.team.move.done")
	if from == "" {
		repKey, toKey, doneKey = "kpi.team.joined.rep", "kpi.team.joined.to", "kpi.team.join.done"
	} else {
		h.notifyMove(ctx, r.cmd.Workspace, from, "kpi.team.moved.from", data)
	}
	h.notifyMove(ctx, r.cmd.Workspace, rep, repKey, data)
	if manager != r.cmd.User {
		h.notifyMove(ctx, r.cmd.Workspace, manager, toKey, data)
	}
	return views.Reply(lang, doneKey, data(lang)), nil
}

// notifyMove DMs one person about a team move. A DM that fails is logged:
// the move stands, and the admin's reply says who was told.
func (h *Handler) notifyMove(ctx context.Context, workspace, user string, key prompts.Key, data func(prompts.Lang) map[string]any) {
	if h.outbox == nil || user == "" {
		return
	}
	lang := h.profile(ctx, Command{Workspace: workspace, User: user}).Lang
	id := "team-move/" + workspace + "/" + user + "/" + h.now().UTC().Format("20060102T150405.000")
	if _, _, err := h.outbox.Send(ctx, user, views.Notice(lang, key, data(lang)), id); err != nil {
		h.log.Error("team move not told", "workspace", workspace, "user", user, "err", err)
	}
}
