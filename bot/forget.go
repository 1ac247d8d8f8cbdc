package bot

import (
	"context"
	"errors"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/logctx"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// EraseStore erases a person, or a whole workspace, for good.
type EraseStore interface {
	ForgetUser(ctx context.Context, workspace, user string) (storage.Erasure, error)
	ForgetWorkspace(ctx context.Context, workspace string) (storage.Erasure, error)
}

// forget answers /kpi forget me|workspace: it asks for confirmation with
// a button (or "confirm" typed after the command), then erases for real.
type forget struct {
	store  EraseStore
	teams  TeamStore
	outbox Outbox
	env
}

// command handles /kpi forget me|workspace [confirm].
func (fg *forget) command(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	const example = "`/kpi forget me` · `/kpi forget workspace`"
	if len(r.args) == 0 || len(r.args) > 2 {
		return views.BadUsage(lang, r.cmd.Text, example), nil
	}
	confirmed := len(r.args) == 2 && isConfirm(r.args[1])
	if len(r.args) == 2 && !confirmed {
		return views.BadUsage(lang, r.cmd.Text, example), nil
	}
	switch strings.ToLower(r.args[0]) {
	case "me", "moi":
		if !confirmed {
			return views.ForgetAsk(lang, views.ActionForgetMe), nil
		}
		return fg.me(ctx, r.cmd.Workspace, r.cmd.User, lang)
	case "workspace", "espace":
		if !r.who.admin {
			return deniedAdmin(r)
		}
		if !confirmed {
			return views.ForgetAsk(lang, views.ActionForgetWorkspace), nil
		}
		return fg.workspace(ctx, r.cmd.Workspace, lang)
	}
	return views.BadUsage(lang, r.cmd.Text, example), nil
}

func isConfirm(s string) bool {
	switch strings.ToLower(s) {
	case "confirm", "confirmer", "yes", "oui":
		return true
	}
	return false
}

// me erases user, after telling the manager of a team they leave or the
// reps of a team they manage, which is dissolved.
func (fg *forget) me(ctx context.Context, workspace, user string, lang prompts.Lang) (slack.Msg, error) {
	team, err := fg.teams.TeamOf(ctx, workspace, user)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return slack.Msg{}, err
	}
	e, err := fg.store.ForgetUser(ctx, workspace, user)
	if err != nil {
		return slack.Msg{}, err
	}
	logctx.Logger(ctx, fg.log).Info("user erased", "workspace", workspace, "deleted", e.Deleted, "pseudonymized", e.Pseudonymized)
	// Those who lose a team member are told, without the person's name:
	// it is erased.
	switch {
	case team.Manager == user:
		for _, rep := range team.Reps {
			if rep != user {
				fg.tell(ctx, workspace, rep, "kpi.forget.team.dissolved")
			}
		}
	case team.Manager != "":
		fg.tell(ctx, workspace, team.Manager, "kpi.forget.team.left")
	}
	return views.Reply(lang, "kpi.forget.me.done", nil), nil
}

func (fg *forget) tell(ctx context.Context, workspace, user string, key prompts.Key) {
	if fg.outbox == nil {
		return
	}
	lang := fg.users.profile(ctx, workspace, user).Lang
	id := "forget/" + workspace + "/" + user + "/" + fg.now().UTC().Format("20060102T150405.000")
	if _, _, err := fg.outbox.Send(ctx, user, views.Notice(lang, key, nil), id); err != nil {
		logctx.Logger(ctx, fg.log).Error("erasure not told", "workspace", workspace, "err", err)
	}
}

// workspace erases everything of the workspace.
func (fg *forget) workspace(ctx context.Context, workspace string, lang prompts.Lang) (slack.Msg, error) {
	e, err := fg.store.ForgetWorkspace(ctx, workspace)
	if err != nil {
		return slack.Msg{}, err
	}
	logctx.Logger(ctx, fg.log).Info("workspace erased", "workspace", workspace, "deleted", e.Deleted)
	return views.Reply(lang, "kpi.forget.workspace.done", nil), nil
}

// click answers the confirmation buttons: the clicking user is erased,
// or, if they are an admin, their workspace; the question is replaced by
// the outcome.
func (fg *forget) click(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction, who func(context.Context, Command) (actor, error)) error {
	cmd := interactionCommand(cb)
	p := fg.users.profile(ctx, cmd.Workspace, cmd.User)
	var msg slack.Msg
	var err error
	switch a.ActionID {
	case views.ActionForgetMe:
		msg, err = fg.me(ctx, cmd.Workspace, cmd.User, p.Lang)
	case views.ActionForgetWorkspace:
		var act actor
		if act, err = who(ctx, cmd); err == nil {
			msg, err = fg.command(ctx, kpiRequest{cmd: cmd, p: p, who: act, args: []string{"workspace", "confirm"}})
		}
	}
	if errors.Is(err, errDenied) {
		tellMsg(ctx, fg.log, cmd, msg)
		return nil
	}
	if err != nil {
		tell(ctx, fg.log, cmd, p.Lang, "kpi.error.failed")
		return err
	}
	return replaceClicked(ctx, cmd, views.Replace(msg))
}
