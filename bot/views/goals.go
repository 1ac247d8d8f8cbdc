package views

import (
	"errors"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// periodName names a period kind: "mois", "week".
func periodName(lang prompts.Lang, kind string) string {
	return prompts.Text(lang, prompts.Key("kpi.periodname."+kind), nil)
}

// directionName names an alert's direction: "sous", "above".
func directionName(lang prompts.Lang, d kpi.Direction) string {
	return prompts.Text(lang, prompts.Key("kpi.direction."+string(d)), nil)
}

// GoalSaved confirms /kpi goal set: the objective o under its code, and
// an alert's threshold and action, amounts in cur. self is the caller,
// whose own objectives go unnamed.
func GoalSaved(lang prompts.Lang, cur, code string, o kpi.Objective, self string) slack.Msg {
	text := prompts.Text(lang, "kpi.goal.saved", map[string]string{
		"Code": code, "Owner": ownerLabel(lang, o.Owner, self), "Target": targetLabel(lang, o.Target),
		"Goal": targetAmount(lang, cur, o.Target, o.Value), "Period": periodName(lang, string(o.Period)),
		"Kind": prompts.Text(lang, prompts.Key("kpi.kind."+string(o.Kind)), nil),
	})
	if o.Kind == kpi.Alert {
		text += "\n" + prompts.Text(lang, "kpi.goal.saved.alert", map[string]string{
			"Direction": directionName(lang, o.Direction),
			"Threshold": targetAmount(lang, cur, o.Target, o.Threshold), "Action": Escape(o.Action),
		})
	}
	return Say(text)
}

// GoalSetForYou tells o's owner that by set it for them, and how to
// remove it if they disagree.
func GoalSetForYou(lang prompts.Lang, cur, code string, o kpi.Objective, by string) slack.Msg {
	text := prompts.Text(lang, "kpi.goal.set.owner", map[string]string{
		"By": Mention(by), "Code": code, "Target": targetLabel(lang, o.Target),
		"Goal": targetAmount(lang, cur, o.Target, o.Value), "Period": periodName(lang, string(o.Period)),
	})
	return Message(text)
}

// TargetLabel names what an objective measures: "signatures",
// "offres → signatures".
func TargetLabel(lang prompts.Lang, target string) string { return targetLabel(lang, target) }

// goalListMax is how many objectives /kpi goal list shows: about 15
// sections, far below Slack's 50 blocks; the others are counted.
const goalListMax = 400

// GoalList is /kpi goal list: the objectives the caller (self) may see,
// over as many sections as they need.
func GoalList(lang prompts.Lang, cur string, objectives []kpi.Objective, self string) slack.Msg {
	title := prompts.Text(lang, "kpi.goal.list.title", nil)
	var lines []string
	if len(objectives) == 0 {
		lines = append(lines, prompts.Text(lang, "kpi.objectives.none", nil))
	}
	for _, o := range objectives {
		line := "`" + o.ID + "` " + ownerLabel(lang, o.Owner, self) + targetLabel(lang, o.Target) + " " +
			targetAmount(lang, cur, o.Target, o.Value) + " / " + periodName(lang, string(o.Period)) +
			" (" + prompts.Text(lang, prompts.Key("kpi.kind."+string(o.Kind)), nil) + ")"
		if o.Kind == kpi.Alert {
			line += " · " + directionName(lang, o.Direction) + " " + targetAmount(lang, cur, o.Target, o.Threshold) + " → " + Escape(o.Action)
		}
		lines = append(lines, line)
	}
	blocks := list(title, lines, goalListMax, moreText(lang, "kpi.goal.list.more"))
	if len(blocks) == 1 {
		return Say(blocks[0].(*slack.SectionBlock).Text.Text)
	}
	return Ephemeral(title, blocks...)
}

// ObjectiveError refuses an objective kpi.ValidateObjective turned down.
func ObjectiveError(lang prompts.Lang, cur string, o kpi.Objective, err error, example string) slack.Msg {
	var oe *kpi.ObjectiveError
	if !errors.As(err, &oe) {
		return Usage(lang, "kpi.error.zero", nil, example)
	}
	switch oe.Reason {
	case kpi.RateAboveOne:
		return Usage(lang, "kpi.error.rate_above_one", nil, example)
	case kpi.Absurd:
		return Usage(lang, "kpi.error.absurd", map[string]string{"Limit": targetAmount(lang, cur, o.Target, oe.Limit)}, example)
	case kpi.AlertNeedsThreshold:
		return Usage(lang, "kpi.error.alert_threshold", nil, example)
	case kpi.AlertNeedsAction:
		return Usage(lang, "kpi.error.alert_action", nil, example)
	case kpi.ThresholdWithoutAlert:
		return Usage(lang, "kpi.error.threshold_without_alert", nil, example)
	}
	return Usage(lang, "kpi.error.zero", nil, example)
}
