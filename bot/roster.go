package bot

import (
	"context"
	"errors"
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
}

// roster answers /kpi team manager|add|channel|move: admins make managers
// and move reps, managers build their team and name its channel, and
// nobody's figures change hands without the people concerned told.
type roster struct {
	store  TeamStore
	outbox Outbox
	env
}

// command handles /kpi team manager|add|channel|move.
func (ro *roster) command(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	sub := strings.ToLower(r.args[0])
	if sub == "move" || sub == "deplacer" || sub == "déplacer" {
		return ro.move(ctx, r)
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
		if _, err := ro.store.MakeManager(ctx, r.cmd.Workspace, u); err != nil {
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
		if refusal, ok, err := ro.refuseManagerAsRep(ctx, r, u); err != nil || ok {
			return refusal, err
		}
		team, err := ro.store.AddRep(ctx, r.cmd.Workspace, r.cmd.User, u)
		var inTeam *storage.InTeamError
		if errors.As(err, &inTeam) {
			if r.who.admin {
				return ro.moveRep(ctx, r, u, r.cmd.User)
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
		if _, err := ro.store.SetTeamChannel(ctx, r.cmd.Workspace, r.cmd.User, c); err != nil {
			return slack.Msg{}, err
		}
		return views.Reply(lang, "kpi.team.channel.done", map[string]string{"Channel": views.ChannelMention(c)}), nil
	}
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
	return views.Usage(r.p.Lang, "kpi.team.add.manager", map[string]string{"User": views.Mention(u)}, "`/kpi team add @alice`"), true, nil
}

// move handles /kpi team move @rep @manager: an admin moves a rep
// into a manager's team, out of any other.
func (ro *roster) move(ctx context.Context, r kpiRequest) (slack.Msg, error) {
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
	return ro.moveRep(ctx, r, rep, manager)
}

// moveRep moves rep into manager's team and tells the rep and both
// managers, each in their own language: nobody's figures change hands
// without the people concerned knowing.
func (ro *roster) moveRep(ctx context.Context, r kpiRequest, rep, manager string) (slack.Msg, error) {
	lang := r.p.Lang
	team, from, err := ro.store.MoveRep(ctx, r.cmd.Workspace, manager, rep)
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
		ro.notify(ctx, r.cmd.Workspace, from, "kpi.team.moved.from", data)
	}
	ro.notify(ctx, r.cmd.Workspace, rep, repKey, data)
	if manager != r.cmd.User {
		ro.notify(ctx, r.cmd.Workspace, manager, toKey, data)
	}
	return views.Reply(lang, doneKey, data(lang)), nil
}

// notify DMs one person about a team move. A DM that fails is logged:
// the move stands, and the admin's reply says who was told.
func (ro *roster) notify(ctx context.Context, workspace, user string, key prompts.Key, data func(prompts.Lang) map[string]any) {
	if ro.outbox == nil || user == "" {
		return
	}
	lang := ro.users.profile(ctx, workspace, user).Lang
	id := "team-move/" + workspace + "/" + user + "/" + ro.now().UTC().Format("20060102T150405.000")
	if _, _, err := ro.outbox.Send(ctx, user, views.Notice(lang, key, data(lang)), id); err != nil {
		logctx.Logger(ctx, ro.log).Error("team move not told", "workspace", workspace, "user", user, "err", err)
	}
}
