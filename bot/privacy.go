package bot

import (
	"context"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// PrivacyStore keeps what protects a rep's figures: whether they share
// their raw activity counts with their manager, and how many reps a
// team's figures must add up before they are shown.
type PrivacyStore interface {
	SetShareCounts(ctx context.Context, workspace, user string, on bool) error
	ShareCounts(ctx context.Context, workspace, user string) (bool, error)
	SetTeamAnonymity(ctx context.Context, workspace, manager string, n int) (storage.Team, error)
}

// privacy answers /kpi share counts on|off (a rep's choice) and /kpi team
// min N (a manager's, never below kpi.MinContributors).
type privacy struct {
	store PrivacyStore
}

// share handles /kpi share counts on|off.
func (pv *privacy) share(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	example := prompts.Text(lang, "example.share", nil)
	if len(r.args) != 2 || !isCountsWord(r.args[0]) {
		return views.BadUsage(lang, r.cmd.Text, example), nil
	}
	on, ok := onOff(r.args[1])
	if !ok {
		return views.BadUsage(lang, r.cmd.Text, example), nil
	}
	if err := pv.store.SetShareCounts(ctx, r.cmd.Workspace, r.cmd.User, on); err != nil {
		return slack.Msg{}, err
	}
	key := prompts.Key("kpi.share.off")
	if on {
		key = "kpi.share.on"
	}
	return views.Reply(lang, key, nil), nil
}

// teamMin handles /kpi team min N: the team's manager raises how many
// reps must have logged for the team's figures to be shown.
func (pv *privacy) teamMin(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	const example = "`/kpi team min 4`"
	if !r.who.manages {
		return denied(lang, "manager")
	}
	if len(r.args) != 2 {
		return views.BadUsage(lang, r.cmd.Text, example), nil
	}
	n, err := strconv.Atoi(r.args[1])
	if err != nil || n > 1000 {
		return views.Usage(lang, "kpi.error.number", map[string]string{"Token": views.Escape(r.args[1])}, example), nil
	}
	if n < kpi.MinContributors {
		return views.Usage(lang, "kpi.team.min.low", map[string]int{"Min": kpi.MinContributors}, example), nil
	}
	if _, err := pv.store.SetTeamAnonymity(ctx, r.cmd.Workspace, r.cmd.User, n); err != nil {
		return slack.Msg{}, err
	}
	return views.Reply(lang, "kpi.team.min.done", map[string]int{"Min": n}), nil
}

func isCountsWord(s string) bool {
	switch strings.ToLower(s) {
	case "counts", "count", "activity", "activite", "activité", "chiffres":
		return true
	}
	return false
}

func onOff(s string) (on, ok bool) {
	switch strings.ToLower(s) {
	case "on", "oui", "yes":
		return true, true
	case "off", "non", "no":
		return false, true
	}
	return false, false
}
