package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
)

// App Home's Plan opens a modal where the rep picks a target; the
// submission shows /kpi plan's reverse funnel in the modal itself, and a
// bad target is refused under its field.
func TestPlanFromAppHome(t *testing.T) {
	store := memStore(t)
	web := testkit.NewFakeWebAPI(t)
	h := bottest.NewHandler(t, store, newClock(monday10).Now, nil)
	h.SetSlackUI(web.API(t))
	ctx := context.Background()
	for _, text := range []string{"lundi dernier 40 appels 5 leads 3 rdv 2 offres 1 signature", "mardi dernier 35 appels 4 leads 2 rdv 1 offre"} {
		if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "U1", Name: "/log", Text: text, Key: text}); err != nil {
			t.Fatal(err)
		}
	}
	click := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, Team: slack.Team{ID: "T1"}, User: slack.User{ID: "U1"}, TriggerID: "trig-plan", View: slack.View{Type: slack.VTHomeTab}}
	click.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: views.ActionPlanOpen, Value: "home"}}
	if _, err := h.Interact(ctx, click); err != nil {
		t.Fatal(err)
	}
	if opened := web.OpenedViews(); len(opened) != 1 || !strings.Contains(string(opened[0]), `"callback_id":"plan"`) {
		t.Fatalf("opened %s", opened)
	}
	submit := func(target, metric string) *slack.ViewSubmissionResponse {
		t.Helper()
		cb := slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, Team: slack.Team{ID: "T1"}, User: slack.User{ID: "U1"},
			View: slack.View{ID: "VPLAN", CallbackID: views.PlanCallback, State: &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
				views.PlanTargetBlock: {views.PlanActionID: {Type: "number_input", Value: target}},
				views.PlanMetricBlock: {views.PlanActionID: {Type: "static_select", SelectedOption: slack.OptionBlockObject{Value: metric}}},
				views.PlanPeriodBlock: {views.PlanActionID: {Type: "radio_buttons", SelectedOption: slack.OptionBlockObject{Value: "month"}}},
			}}}}
		resp, err := h.Interact(ctx, cb)
		if err != nil {
			t.Fatal(err)
		}
		ans, ok := resp.(*slack.ViewSubmissionResponse)
		if !ok {
			t.Fatalf("answered %#v", resp)
		}
		return ans
	}
	if ans := submit("0", "signatures"); ans.ResponseAction != slack.RAErrors || ans.Errors[views.PlanTargetBlock] == "" {
		t.Errorf("target 0: %#v", ans)
	}
	if ans := submit("5", "revenue_cents"); ans.ResponseAction != slack.RAErrors || ans.Errors[views.PlanMetricBlock] == "" {
		t.Errorf("a forged metric: %#v", ans)
	}
	ans := submit("5", "signatures")
	if ans.ResponseAction != slack.RAUpdate || ans.View == nil {
		t.Fatalf("a plan: %#v", ans)
	}
	text := views.PlainText(slack.Msg{Blocks: ans.View.Blocks})
	if !strings.Contains(text, "5 signatures") {
		t.Errorf("the plan:\n%s", text)
	}
}
