package slacksocket

import (
	"testing"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/respond"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
)

// interactionProfiles: UEN writes English in Paris.
var interactionProfiles = bottest.Profiles{"UEN": {Loc: testkit.Paris, Lang: prompts.English}}

func TestSocketModeInteractionsAnswerInTheAck(t *testing.T) {
	open := `{"envelope_id":"env-open","payload":` + testkit.ClickPayload("UEN", views.ActionCheckInOpen, "") + `,"type":"interactive","accepts_response_payload":false}`
	submit := `{"envelope_id":"env-submit","payload":` + testkit.SubmitPayload("UEN", "V0SOCKET", map[string]string{"calls": "5", "demos": "2"}) + `,"type":"interactive","accepts_response_payload":true}`
	refuse := `{"envelope_id":"env-refuse","payload":` + testkit.SubmitPayload("UEN", "V0EMPTY", nil) + `,"type":"interactive","accepts_response_payload":true}`
	fake := testkit.NewSocketSlack(t, open, submit, refuse)
	web := testkit.NewFakeWebAPI(t)
	clk := testkit.NewClock(testkit.Monday10)
	web.SetClock(clk.Now)

	store := testkit.MemStore(t)
	h := bottest.NewHandler(t, store, clk.Now, interactionProfiles)
	h.SetSlackUI(web.API(t))
	r := respond.New(respond.Config{Handler: h, Logger: testkit.Quiet})
	acks, err := serve(t, fake, r, testkit.Quiet, 3)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}

	if ack, ok := acks["env-open"]; !ok || ack["payload"] != nil {
		t.Errorf("click ack %v, want an empty ack", ack)
	}
	if n := len(web.OpenedViews()); n != 1 {
		t.Errorf("views.open called %d times, want 1", n)
	}
	if got := testkit.ViewAnswer(t, testkit.MustRaw(acks["env-submit"]["payload"])); got.ResponseAction != slack.RAClear || len(got.Errors) != 0 {
		t.Errorf("submission ack payload %s", testkit.MustRaw(acks["env-submit"]["payload"]))
	}
	if got := testkit.ViewAnswer(t, testkit.MustRaw(acks["env-refuse"]["payload"])); got.ResponseAction != slack.RAErrors || len(got.Errors) != 1 || got.Errors["calls"] != "Enter at least one number." {
		t.Errorf("empty submission ack payload %s", testkit.MustRaw(acks["env-refuse"]["payload"]))
	}
	got := testkit.AllCheckIns(t, store, "T1", "UEN")
	if len(got) != 1 || got[0].Key != "view:V0SOCKET" || got[0].Counts["calls"] != 5 || got[0].Counts["demos"] != 2 || got[0].Source != "slack-modal" {
		t.Fatalf("stored %+v", got)
	}
}
