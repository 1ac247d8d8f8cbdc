package views

import (
	"strconv"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// App Home's Plan: the button, the modal where the rep picks a target,
// and its blocks, which are also the keys of its errors.
const (
	ActionPlanOpen   = "plan_open"
	PlanCallback     = "plan"
	PlanTargetBlock  = "plan_target"
	PlanMetricBlock  = "plan_metric"
	PlanPeriodBlock  = "plan_period"
	PlanActionID     = "v"
	planMaxTarget    = 100000
	planPeriodWeek   = "week"
	planPeriodMonth  = "month"
	planMetricsShown = 5
)

// PlanMetrics are the targets the Plan modal offers, the funnel's last
// stages first.
var PlanMetrics = []kpi.Metric{kpi.Signatures, kpi.Proposals, kpi.Meetings, kpi.Leads, kpi.Calls}

// PlanModal asks for a target: how many of which metric, this week or
// this month.
func PlanModal(lang prompts.Lang) slack.ModalViewRequest {
	n := slack.NewNumberInputBlockElement(nil, PlanActionID, false)
	n.MinValue, n.MaxValue = "1", strconv.Itoa(planMaxTarget)
	target := slack.NewInputBlock(PlanTargetBlock, plainText(prompts.Text(lang, "plan.modal.target", nil)), nil, n)
	var opts []*slack.OptionBlockObject
	for _, m := range PlanMetrics[:planMetricsShown] {
		opts = append(opts, slack.NewOptionBlockObject(string(m), plainText(capitalize(prompts.MetricLabel(lang, m, 2))), nil))
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, nil, PlanActionID, opts...)
	sel.InitialOption = opts[0]
	metric := slack.NewInputBlock(PlanMetricBlock, plainText(prompts.Text(lang, "plan.modal.metric", nil)), nil, sel)
	week := slack.NewOptionBlockObject(planPeriodWeek, plainText(prompts.Text(lang, "plan.modal.week", nil)), nil)
	month := slack.NewOptionBlockObject(planPeriodMonth, plainText(prompts.Text(lang, "plan.modal.month", nil)), nil)
	radio := slack.NewRadioButtonsBlockElement(PlanActionID, month, week)
	radio.InitialOption = month
	period := slack.NewInputBlock(PlanPeriodBlock, plainText(prompts.Text(lang, "plan.modal.period", nil)), nil, radio)
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: PlanCallback,
		Title:  plainText(prompts.Text(lang, "plan.modal.title", nil)),
		Submit: plainText(prompts.Text(lang, "plan.modal.submit", nil)),
		Close:  plainText(prompts.Text(lang, "remind.modal.close", nil)),
		Blocks: slack.Blocks{BlockSet: []slack.Block{target, metric, period}},
	}
}

// PlanResult shows /kpi plan's answer in place of the modal.
func PlanResult(lang prompts.Lang, answer slack.Msg) *slack.ViewSubmissionResponse {
	v := slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: PlanCallback + "_done",
		Title:  plainText(prompts.Text(lang, "plan.modal.title", nil)),
		Close:  plainText(prompts.Text(lang, "remind.modal.close", nil)),
		Blocks: answer.Blocks,
	}
	if len(v.Blocks.BlockSet) == 0 {
		v.Blocks = slack.Blocks{BlockSet: []slack.Block{Section(answer.Text)}}
	}
	return slack.NewUpdateViewSubmissionResponse(&v)
}
