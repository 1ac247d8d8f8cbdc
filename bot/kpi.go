package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// errDenied is a refusal; the reply names who may do it, nothing more.
var errDenied = errors.New("bot: not allowed")

// actor is who runs a /kpi command, and what they may see.
type actor struct {
	user  string
	admin bool
	// rolesUnknown: Slack could not be asked whether the user is an
	// admin, so they are not one; a refusal says why.
	rolesUnknown bool
	team         storage.Team
	inTeam       bool
	manages      bool // the caller manages team
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

// kpi routes a /kpi subcommand to the part of the bot that owns it, with
// who is asking and what they may see.
func (h *Handler) kpi(ctx context.Context, cmd Command, p Profile) (slack.Msg, error) {
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
		msg, err = h.numbers.me(ctx, r)
	case (sub == "team" || sub == "equipe" || sub == "équipe") && len(r.args) > 0 && strings.EqualFold(r.args[0], "min"):
		msg, err = h.privacy.teamMin(ctx, r)
	case sub == "export" || sub == "exporter":
		msg, err = h.export.command(ctx, r)
	case sub == "forget" || sub == "oublier" || sub == "effacer":
		msg, err = h.forget.command(ctx, r)
	case sub == "share" || sub == "partager" || sub == "partage":
		msg, err = h.privacy.share(ctx, r)
	case isSettings(sub) && len(r.args) == 0 && strings.HasPrefix(cmd.Source, "slack") && h.mySettings.open(ctx, cmd.Key, cmd.Workspace, cmd.User, p.Lang) == nil:
		// Typed alone in Slack: the person's own settings, in a modal.
		msg = views.Reply(p.Lang, "settings.opened", nil)
	case sub == "home" || sub == "accueil":
		// App Home as a message: the console's way to see it, and
		// Slack's when the Home tab is off.
		var v slack.HomeTabViewRequest
		v, _, err = h.home.view(ctx, r.cmd.Workspace, r.cmd.User)
		msg = views.HomeMsg(p.Lang, v)
	case (sub == "team" || sub == "equipe" || sub == "équipe") && len(r.args) > 0 && isTeamAdmin(r.args[0]):
		msg, err = h.roster.command(ctx, r)
	case sub == "team" || sub == "equipe" || sub == "équipe":
		msg, err = h.numbers.team(ctx, r)
	case sub == "plan":
		msg, err = h.numbers.plan(ctx, r)
	case sub == "goal" || sub == "objectif" || sub == "goals":
		msg, err = h.goals.command(ctx, r)
	case sub == "ritual" || sub == "rituel" || sub == "rituals":
		msg, err = h.calendar.ritual(ctx, r)
	case sub == "away" || sub == "absent" || sub == "absence":
		msg, err = h.calendar.away(ctx, r)
	case sub == "practice" || sub == "pratique":
		msg, err = h.practices.share(ctx, r)
	case sub == "shoutout":
		msg, err = h.practices.shoutout(ctx, r)
	case sub == "coach":
		msg, err = h.coaching.command(ctx, r)
	case sub == "commit" || sub == "engagement":
		msg, err = h.coaching.commit(ctx, r)
	case sub == "remind" || sub == "rappel":
		msg, err = h.reminders.command(ctx, r)
	case sub == "holiday" || sub == "holidays" || sub == "ferie" || sub == "férié":
		msg, err = h.calendar.holiday(ctx, r)
	case isSettings(sub):
		msg, err = h.settings.command(ctx, r)
	case sub == "words" || sub == "mots" || sub == "vocabulary" || sub == "vocabulaire":
		msg, err = h.settings.words(ctx, r)
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

func isSettings(sub string) bool {
	switch sub {
	case "settings", "reglages", "réglages", "parametres", "paramètres":
		return true
	}
	return false
}

func isTeamAdmin(s string) bool {
	switch strings.ToLower(s) {
	case "add", "manager", "channel", "ajouter", "canal", "move", "deplacer", "déplacer", "lang", "langue", "language",
		"accept", "accepter", "decline", "refuser", "leave", "quitter":
		return true
	}
	return false
}

func (h *Handler) actor(ctx context.Context, cmd Command) (actor, error) {
	ws, err := h.teams.EnsureWorkspace(ctx, cmd.Workspace, cmd.User, h.now())
	if err != nil {
		return actor{}, fmt.Errorf("bot: workspace: %w", err)
	}
	a := actor{user: cmd.User}
	switch {
	case ws.InstalledBy != "" && ws.InstalledBy == cmd.User:
		a.admin = true
	case h.demo != "" && cmd.Workspace == h.demo:
		// The console's demo has no Slack to ask: its first user is
		// its admin, as its banner says.
		a.admin = ws.FirstUser() == cmd.User
	default:
		admin, known := h.users.slackAdmin(ctx, cmd.Workspace, cmd.User)
		a.admin, a.rolesUnknown = admin, !known
	}
	team, err := h.teams.TeamOf(ctx, cmd.Workspace, cmd.User)
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

// deniedAdmin refuses an admin's act; when Slack could not be asked who
// the admins are, it says so, since the caller may well be one.
func deniedAdmin(r kpiRequest) (slack.Msg, error) {
	if r.who.rolesUnknown {
		return views.Warning(r.p.Lang, "kpi.error.roles_unknown", nil), errDenied
	}
	return denied(r.p.Lang, "admin")
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
