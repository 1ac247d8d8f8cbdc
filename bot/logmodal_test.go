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

// /log alone opens the check-in modal in Slack, on the command's
// trigger; in the console, or when Slack refuses the trigger, it shows
// the help. A submission with a bad value is refused in the modal, and
// nothing is stored until every value is valid.
func TestLogAloneOpensTheModal(t *testing.T) {
	store := memStore(t)
	web := testkit.NewFakeWebAPI(t)
	h := bottest.NewHandler(t, store, newClock(monday10).Now, nil)
	h.SetSlackUI(web.API(t))
	ctx := context.Background()
	run := func(source, key string) string {
		msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "U1", Name: "/log", Text: "  ", Key: key, Source: source})
		if err != nil {
			t.Fatal(err)
		}
		checkBlockKitLimits(t, msg)
		return views.PlainText(msg)
	}
	if got := run("slack-http", "trig-1"); !strings.Contains(got, "Le formulaire est ouvert") {
		t.Fatalf("/log alone over HTTP: %s", got)
	}
	opened := web.OpenedViews()
	if len(opened) != 1 || !strings.Contains(string(opened[0]), `"callback_id":"`+views.CheckInCallback+`"`) {
		t.Fatalf("views.open calls %d: %s", len(opened), opened)
	}
	if got := run("console", "c-1"); !strings.Contains(got, "Note ta journée") {
		t.Errorf("/log alone in the console: %s", got)
	}
	web.Refuse("views.open", 2, "expired_trigger_id")
	if got := run("slack-socket", "trig-2"); !strings.Contains(got, "Note ta journée") {
		t.Errorf("/log alone with an expired trigger: %s", got)
	}

	// The modal's submission: a bad number is refused in place.
	resp, err := h.Interact(ctx, slack.InteractionCallback{
		Type: slack.InteractionTypeViewSubmission, Team: slack.Team{ID: "T1"}, User: slack.User{ID: "U1"},
		View: slack.View{ID: "V1", CallbackID: views.CheckInCallback, State: &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
			"calls": {"calls": {Type: "number_input", Value: "-3"}},
			"demos": {"demos": {Type: "number_input", Value: "2"}},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if ans, ok := resp.(*slack.ViewSubmissionResponse); !ok || ans.ResponseAction != slack.RAErrors || ans.Errors["calls"] == "" {
		t.Fatalf("bad submission answered %#v", resp)
	}
	if got := allCheckIns(t, store, "T1", "U1"); len(got) != 0 {
		t.Fatalf("stored %+v from a refused submission", got)
	}
}
