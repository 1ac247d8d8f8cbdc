package bot

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/logctx"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// teamFinder finds a user's team: the one they manage or belong to.
type teamFinder interface {
	TeamOf(ctx context.Context, workspace, user string) (storage.Team, error)
}

// TeamStore keeps workspaces, their admins and teams.
type TeamStore interface {
	teamFinder
	EnsureWorkspace(ctx context.Context, workspace, user string, now time.Time) (storage.Workspace, error)
	MakeManager(ctx context.Context, workspace, user string) (storage.Team, error)
	AddRep(ctx context.Context, workspace, manager, rep string) (storage.Team, error)
	MoveRep(ctx context.Context, workspace, manager, rep string) (storage.Team, string, error)
	SetTeamChannel(ctx context.Context, workspace, manager, channel string) (storage.Team, error)
	SetTeamLang(ctx context.Context, workspace, manager, lang string) (storage.Team, error)
	SaveInvitation(ctx context.Context, inv storage.Invitation) error
	TakeInvitation(ctx context.Context, workspace, rep string) (storage.Invitation, error)
	LeaveTeam(ctx context.Context, workspace, rep string) (string, error)
}

// roster answers /kpi team manager|add|accept|decline|leave|channel|move:
// admins make managers and move reps, managers invite reps and name their
// team's channel, reps accept, decline or leave, and nobody's figures
// change hands without the people concerned told.
type roster struct {
	store  TeamStore
	outbox Outbox
	env
}

// command handles /kpi team manager|add|accept|decline|leave|channel|move.
func (ro *roster) command(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	sub := strings.ToLower(r.args[0])
	switch sub {
	case "move", "deplacer", "déplacer":
		return ro.move(ctx, r)
	case "accept", "accepter", "decline", "refuser", "leave", "quitter":
		if len(r.args) != 1 {
			return views.BadUsage(lang, r.cmd.Text, "`/kpi team "+views.Escape(sub)+"`"), nil
		}
		if sub == "leave" || sub == "quitter" {
			return ro.leave(ctx, r.cmd.Workspace, r.cmd.User, lang)
		}
		return ro.answer(ctx, r.cmd.Workspace, r.cmd.User, lang, sub == "accept" || sub == "accepter")
	}
	if len(r.args) != 2 {
		return views.BadUsage(lang, r.cmd.Text, prompts.Text(lang, "example.team.add", nil)), nil
	}
	arg := r.args[1]
	switch sub {
	case "manager":
		if !r.who.admin {
			return deniedAdmin(r)
		}
		u, ok := userArg(r.cmd, arg)
		if !ok {
			return views.Usage(lang, "kpi.error.mention", nil, prompts.Text(lang, "example.team.manager", nil)), nil
		}
		if _, err := ro.store.MakeManager(ctx, r.cmd.Workspace, u); err != nil {
			return slack.Msg{}, err
		}
		return views.Reply(lang, "kpi.team.manager.done", map[string]string{"User": views.Mention(u)}), nil
	case "add", "ajouter":
		if !r.who.manages {
			return views.Usage(lang, "kpi.error.not_manager", nil, prompts.Text(lang, "example.team.manager.you", nil)), nil
		}
		u, ok := userArg(r.cmd, arg)
		if !ok {
			return views.Usage(lang, "kpi.error.mention", nil, prompts.Text(lang, "example.team.add", nil)), nil
		}
		if refusal, ok, err := ro.refuseManagerAsRep(ctx, r, u); err != nil || ok {
			return refusal, err
		}
		return ro.invite(ctx, r, u)
	case "lang", "langue", "language":
		if !r.who.manages {
			return views.Usage(lang, "kpi.error.not_manager", nil, prompts.Text(lang, "example.team.manager.you", nil)), nil
		}
		teamLang, ok := prompts.ParseLang(arg)
		if !ok {
			return views.Usage(lang, "kpi.team.lang.unknown", map[string]string{"Token": views.Escape(arg)}, prompts.Text(lang, "example.team.lang", nil)), nil
		}
		if _, err := ro.store.SetTeamLang(ctx, r.cmd.Workspace, r.cmd.User, string(teamLang)); err != nil {
			return slack.Msg{}, err
		}
		// Said in the language chosen: it is how the channel will read.
		return views.Reply(teamLang, "kpi.team.lang.done", nil), nil
	default: // channel
		if !r.who.manages {
			return views.Usage(lang, "kpi.error.not_manager", nil, prompts.Text(lang, "example.team.manager.you", nil)), nil
		}
		c, ok := channelArg(r.cmd, arg)
		if !ok {
			return views.Usage(lang, "kpi.error.channel", nil, prompts.Text(lang, "example.team.channel", nil)), nil
		}
		if _, err := ro.store.SetTeamChannel(ctx, r.cmd.Workspace, r.cmd.User, c); err != nil {
			return slack.Msg{}, err
		}
		return views.Reply(lang, "kpi.team.channel.done", map[string]string{"Channel": views.ChannelMention(c)}), nil
	}
}

// invite asks rep to join the caller's team: a DM says who invites them
// and what their manager will see, with Accept and Decline buttons. The
// rep joins only on Accept. A manager adding themselves needs nobody's
// consent; a rep in another team is an admin's move.
func (ro *roster) invite(ctx context.Context, r kpiRequest, rep string) (slack.Msg, error) {
	lang := r.p.Lang
	ws, manager := r.cmd.Workspace, r.cmd.User
	if slices.Contains(r.who.team.Reps, rep) {
		return views.Reply(lang, "kpi.team.add.already", map[string]string{"User": views.Mention(rep)}), nil
	}
	if rep == manager {
		team, err := ro.store.AddRep(ctx, ws, manager, rep)
		if err != nil {
			return ro.addRefused(ctx, r, rep, err)
		}
		return views.Reply(lang, "kpi.team.add.done", map[string]any{"User": views.Mention(rep), "N": len(team.Reps)}), nil
	}
	t, err := ro.store.TeamOf(ctx, ws, rep)
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		return slack.Msg{}, err
	case t.Manager != rep:
		return ro.addRefused(ctx, r, rep, &storage.InTeamError{Manager: t.Manager})
	}
	if err := ro.store.SaveInvitation(ctx, storage.Invitation{Workspace: ws, Rep: rep, Manager: manager, By: r.cmd.User, CreatedAt: ro.now()}); err != nil {
		return slack.Msg{}, err
	}
	told := false
	if ro.outbox != nil {
		rl := ro.users.profile(ctx, ws, rep).Lang
		id := "team-invite/" + ws + "/" + rep + "/" + manager + "/" + ro.now().UTC().Format("20060102T150405.000")
		if _, _, err := ro.outbox.Send(ctx, rep, views.Invitation(rl, manager, r.cmd.User), id); err != nil {
			logctx.Logger(ctx, ro.log).Error("team invitation not sent", "workspace", ws, "err", err)
		} else {
			told = true
		}
	}
	key := prompts.Key("kpi.team.invite.sent")
	if !told {
		key = "kpi.team.invite.saved"
	}
	return views.Reply(lang, key, map[string]string{"User": views.Mention(rep)}), nil
}

// addRefused answers an add that would take a rep from another team:
// an admin's add moves them (and tells everyone); a manager's is refused,
// since it would hand their history to a new manager behind their back.
func (ro *roster) addRefused(ctx context.Context, r kpiRequest, rep string, err error) (slack.Msg, error) {
	var inTeam *storage.InTeamError
	if !errors.As(err, &inTeam) {
		return slack.Msg{}, err
	}
	if r.who.admin {
		return ro.moveRep(ctx, r, rep, r.cmd.User)
	}
	return views.Usage(r.p.Lang, "kpi.team.add.taken", map[string]string{"User": views.Mention(rep)}, prompts.Text(r.p.Lang, "example.team.move", nil)), nil
}

// answer accepts or declines rep's waiting invitation, and tells the
// manager. Accepting takes the rep out of any other team: a rep belongs
// to one team at a time, and the manager they leave is told too.
func (ro *roster) answer(ctx context.Context, ws, rep string, lang prompts.Lang, accept bool) (slack.Msg, error) {
	inv, err := ro.store.TakeInvitation(ctx, ws, rep)
	if errors.Is(err, storage.ErrNotFound) {
		return views.Reply(lang, "kpi.team.invite.none", nil), nil
	}
	if err != nil {
		return slack.Msg{}, err
	}
	data := func(prompts.Lang) map[string]any {
		return map[string]any{"User": views.Mention(rep), "Manager": views.Mention(inv.Manager)}
	}
	if !accept {
		ro.notify(ctx, ws, inv.Manager, "kpi.team.invite.declined.manager", data)
		return views.Reply(lang, "kpi.team.invite.declined", data(lang)), nil
	}
	_, from, err := ro.store.MoveRep(ctx, ws, inv.Manager, rep)
	if errors.Is(err, storage.ErrNotFound) {
		return views.Reply(lang, "kpi.team.invite.gone", data(lang)), nil
	}
	if err != nil {
		return slack.Msg{}, err
	}
	ro.notify(ctx, ws, inv.Manager, "kpi.team.invite.accepted.manager", data)
	if from != "" {
		ro.notify(ctx, ws, from, "kpi.team.left.manager", data)
	}
	return views.Reply(lang, "kpi.team.invite.accepted", data(lang)), nil
}

// leave takes rep out of their team, open to any rep, and tells their
// manager.
func (ro *roster) leave(ctx context.Context, ws, rep string, lang prompts.Lang) (slack.Msg, error) {
	manager, err := ro.store.LeaveTeam(ctx, ws, rep)
	if errors.Is(err, storage.ErrNotFound) {
		return views.Reply(lang, "kpi.team.leave.none", nil), nil
	}
	if err != nil {
		return slack.Msg{}, err
	}
	data := func(prompts.Lang) map[string]any {
		return map[string]any{"User": views.Mention(rep), "Manager": views.Mention(manager)}
	}
	if manager != rep {
		ro.notify(ctx, ws, manager, "kpi.team.left.manager", data)
	}
	return views.Reply(lang, "kpi.team.left", data(lang)), nil
}

// click answers the Accept and Decline buttons of an invitation: only
// the clicking user's own waiting invitation can be answered, whatever
// the button's value says. The invitation is replaced by the outcome.
func (ro *roster) click(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) error {
	cmd := interactionCommand(cb)
	lang := ro.users.profile(ctx, cmd.Workspace, cmd.User).Lang
	msg, err := ro.answer(ctx, cmd.Workspace, cmd.User, lang, a.ActionID == views.ActionTeamAccept)
	if err != nil {
		tell(ctx, ro.log, cmd, lang, "kpi.error.failed")
		return err
	}
	return replaceClicked(ctx, cmd, views.Replace(msg))
}

// refuseManagerAsRep refuses, unless the caller is an admin, to make a
// manager someone's rep: that would show their own figures to another
// manager. ok reports a refusal.
func (ro *roster) refuseManagerAsRep(ctx context.Context, r kpiRequest, u string) (slack.Msg, bool, error) {
	if r.who.admin || u == r.cmd.User {
		return slack.Msg{}, false, nil
	}
	t, err := ro.store.TeamOf(ctx, r.cmd.Workspace, u)
	if errors.Is(err, storage.ErrNotFound) {
		return slack.Msg{}, false, nil
	}
	if err != nil {
		return slack.Msg{}, false, err
	}
	if t.Manager != u {
		return slack.Msg{}, false, nil
	}
	return views.Usage(r.p.Lang, "kpi.team.add.manager", map[string]string{"User": views.Mention(u)}, prompts.Text(r.p.Lang, "example.team.add", nil)), true, nil
}

// move handles /kpi team move @rep @manager: an admin moves a rep
// into a manager's team, out of any other.
func (ro *roster) move(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	example := prompts.Text(lang, "example.team.move", nil)
	if !r.who.admin {
		return deniedAdmin(r)
	}
	if len(r.args) != 3 {
		return views.BadUsage(lang, r.cmd.Text, example), nil
	}
	rep, ok1 := userArg(r.cmd, r.args[1])
	manager, ok2 := userArg(r.cmd, r.args[2])
	if !ok1 || !ok2 {
		return views.Usage(lang, "kpi.error.mention", nil, example), nil
	}
	return ro.moveRep(ctx, r, rep, manager)
}

// moveRep moves rep into manager's team and tells the rep and both
// managers, each in their own language: nobody's figures change hands
// without the people concerned knowing.
func (ro *roster) moveRep(ctx context.Context, r kpiRequest, rep, manager string) (slack.Msg, error) {
	lang := r.p.Lang
	team, from, err := ro.store.MoveRep(ctx, r.cmd.Workspace, manager, rep)
	if errors.Is(err, storage.ErrNotFound) {
		return views.Usage(lang, "kpi.team.move.nomanager", map[string]string{"User": views.Mention(manager)}, prompts.Text(lang, "example.team.manager", nil)), nil
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
		ro.notify(ctx, r.cmd.Workspace, from, "kpi.team.moved.from", data)
	}
	ro.notify(ctx, r.cmd.Workspace, rep, repKey, data)
	if manager != r.cmd.User {
		ro.notify(ctx, r.cmd.Workspace, manager, toKey, data)
	}
	return views.Reply(lang, doneKey, data(lang)), nil
}

// notify DMs one person about a change of team. A DM that fails is logged:
// the move stands, and the admin's reply says who was told.
func (ro *roster) notify(ctx context.Context, workspace, user string, key prompts.Key, data func(prompts.Lang) map[string]any) {
	if ro.outbox == nil || user == "" {
		return
	}
	lang := ro.users.profile(ctx, workspace, user).Lang
	id := "team/" + string(key) + "/" + workspace + "/" + user + "/" + ro.now().UTC().Format("20060102T150405.000")
	if _, _, err := ro.outbox.Send(ctx, user, views.Notice(lang, key, data(lang)), id); err != nil {
		logctx.Logger(ctx, ro.log).Error("team move not told", "workspace", workspace, "user", user, "err", err)
	}
}
