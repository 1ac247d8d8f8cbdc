package views

import (
	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// Alert is the DM to an alert objective's owner: the value past its
// threshold (amounts in cur), and the action they chose for it.
func Alert(lang prompts.Lang, cur string, pr kpi.Progress) slack.Msg {
	o := pr.Objective
	owner := ""
	if o.Owner == kpi.TeamOwner {
		owner = prompts.Text(lang, "kpi.owner.team", nil)
	}
	// Below-threshold alerts on counts compare the forecast (early in a
	// period every count is low), and the text says so.
	key := prompts.Key("alert.dm")
	if pr.AlertOnForecast {
		key = "alert.dm.forecast"
	}
	return Message(prompts.Text(lang, key, map[string]string{
		"Target": targetLabel(lang, o.Target), "Owner": owner,
		"Period": periodName(lang, string(o.Period)),
		"Value":  targetAmount(lang, cur, o.Target, pr.AlertValue), "Direction": directionName(lang, o.Direction),
		"Threshold": targetAmount(lang, cur, o.Target, o.Threshold), "Action": Escape(o.Action),
	}))
}
