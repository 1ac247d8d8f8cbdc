package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/deliver"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// digestRig is a manager and a rep with ten days logged, served through a
// Deliverer to the fake Slack: what /kpi ritual run digest goes through.
func digestRig(t *testing.T) (*testkit.FakeWebAPI, *bot.Handler, *storage.Store) {
	t.Helper()
	fake := testkit.NewFakeWebAPI(t)
	clk := newStepClock(monday0930)
	fake.SetClock(clk.Now)
	d := deliver.New(deliver.Config{API: fake.API(t), Clock: clk, Logger: quiet})
	store := memStore(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: d, Logger: quiet})
	ctx := context.Background()
	if _, err := store.MakeManager(ctx, "T1", "UMAUD"); err != nil {
		t.Fatal(err)
	}
	if _, err := store.AddRep(ctx, "T1", "UMAUD", "UALICE"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 10; i++ {
		day := monday0930.AddDate(0, 0, -i).Format(time.DateOnly)
		if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "UALICE", Name: "/log", Text: day + " 20 appels 3 leads 2 rdv 1 offre", Key: day}); err != nil {
			t.Fatal(err)
		}
	}
	return fake, h, store
}

// Slack stored a manual digest but its answer was lost: the manager was
// told the numbers could not be read, and trying again posted a second
// digest. Now the deliverer reads the DM back before answering, the reply
// tells the truth, and a rerun of the same week says so and posts nothing.
func TestManualDigestRunTellsTheTruthWhenTheAnswerIsLost(t *testing.T) {
	for _, tt := range []struct {
		name      string
		fault     testkit.Fault
		landed    bool
		wantFirst string
	}{
		{"posted, connection dropped", testkit.Fault{Drop: true, Record: true}, true, "1 message envoyé"},
		{"posted, then a 500", testkit.Fault{Status: 500, Record: true}, true, "1 message envoyé"},
		{"not posted, connection dropped", testkit.Fault{Drop: true}, false, "Non envoyé, rien n'a été posté : Slack n'a pas répondu"},
		{"refused by Slack", testkit.Fault{}, false, "Slack a refusé le message (channel_not_found)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake, h, _ := digestRig(t)
			ctx := context.Background()
			fake.SetFaults(func(c testkit.Call) testkit.Fault {
				if c.Method == "chat.postMessage" && c.MethodN == 1 {
					return tt.fault
				}
				return testkit.Fault{}
			})
			if tt.name == "refused by Slack" {
				fake.Refuse("chat.postMessage", 1, "channel_not_found")
			}
			run := bot.Command{Workspace: "T1", User: "UMAUD", Name: "/kpi", Text: "ritual run digest", Key: "k1"}
			msg, err := h.Handle(ctx, run)
			if err != nil {
				t.Fatal(err)
			}
			first := views.PlainText(msg)
			if !strings.Contains(first, tt.wantFirst) {
				t.Fatalf("first run answered:\n%s\nwant %q", first, tt.wantFirst)
			}
			if strings.Contains(first, "lire les chiffres") {
				t.Errorf("the failure blames the numbers, not Slack:\n%s", first)
			}
			if got, want := fake.CountOccurrence("T1/UMAUD/digest/manual-week-2026-11-30"), map[bool]int{true: 1, false: 0}[tt.landed]; got != want {
				t.Fatalf("%d digests in Slack after the first run, want %d", got, want)
			}

			run.Key = "k2"
			msg, err = h.Handle(ctx, run)
			if err != nil {
				t.Fatal(err)
			}
			second := views.PlainText(msg)
			if tt.landed && !strings.Contains(second, "déjà envoyé pour cette période") {
				t.Errorf("rerun of a posted digest answered:\n%s", second)
			}
			if !tt.landed && !strings.Contains(second, "1 message envoyé") {
				t.Errorf("rerun of a digest that was not posted answered:\n%s", second)
			}
			if got := fake.CountOccurrence("T1/UMAUD/digest/manual-week-2026-11-30"); got != 1 {
				t.Fatalf("%d digests in Slack after the rerun, want exactly 1", got)
			}
		})
	}
}

// A manager of team B could /kpi team add a rep of team A, and then read
// her week, objectives and coaching history; nobody was told. Now only an
// admin moves a rep, and the rep and both managers are told.
func TestAManagerCannotTakeAnotherTeamsRep(t *testing.T) {
	store := memStore(t)
	out := testkit.NewRecordingOutbox(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: newClock(monday10).Now, TZ: paris, Lang: prompts.French, Outbox: out, Logger: quiet,
		Profiles: bottest.Profiles{"UADMIN": {Admin: true}, "UA": {}, "UB": {}, "UJULIE": {}}})
	ctx := context.Background()
	kpiAs := func(user, text string) string {
		t.Helper()
		msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: "/kpi", Text: text, Key: user + text})
		if err != nil {
			t.Fatalf("%s: /kpi %s: %v", user, text, err)
		}
		return views.PlainText(msg)
	}
	teamOf := func(user string) string {
		t.Helper()
		team, err := store.TeamOf(ctx, "T1", user)
		if err != nil {
			t.Fatal(err)
		}
		return team.Manager
	}
	kpiAs("UADMIN", "team manager <@UA>") // a Slack admin
	kpiAs("UADMIN", "team manager <@UB>")
	join(t, h, "T1", "UA", "UJULIE")
	if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "UJULIE", Name: "/log", Text: "3 rdv 1 offre", Key: "j1"}); err != nil {
		t.Fatal(err)
	}

	if got := kpiAs("UB", "team add <@UJULIE>"); !strings.Contains(got, "fait déjà partie d'une autre équipe") || strings.Contains(got, "rdv") {
		t.Errorf("manager B adding A's rep was answered:\n%s", got)
	}
	if teamOf("UJULIE") != "UA" {
		t.Fatal("a refused add moved the rep")
	}
	if got := kpiAs("UB", "me <@UJULIE>"); !strings.Contains(got, "🔒") || strings.Contains(got, "rdv") {
		t.Errorf("manager B reads A's rep:\n%s", got)
	}
	if got := kpiAs("UB", "team add <@UA>"); !strings.Contains(got, "est manager") {
		t.Errorf("manager B adding manager A as a rep was answered:\n%s", got)
	}
	if got := kpiAs("UJULIE", "team move <@UJULIE> <@UB>"); !strings.Contains(got, "🔒") {
		t.Errorf("a rep moved herself:\n%s", got)
	}
	if got := kpiAs("UA", "team move <@UJULIE> <@UB>"); !strings.Contains(got, "🔒") {
		t.Errorf("a manager who is not admin moved a rep:\n%s", got)
	}
	out.Sent = out.Sent[:0] // the invitation, and A told of Julie's answer
	if len(out.Sent) != 0 {
		t.Fatalf("refusals sent %d DMs", len(out.Sent))
	}

	got := kpiAs("UADMIN", "team move <@UJULIE> <@UB>")
	if !strings.Contains(got, "passe de l'équipe de <@UA> à celle de <@UB>") {
		t.Errorf("admin move answered:\n%s", got)
	}
	if teamOf("UJULIE") != "UB" {
		t.Fatal("the admin's move did not move the rep")
	}
	told := map[string]string{}
	for _, m := range out.Sent {
		told[m.Channel] = views.PlainText(m.Msg)
	}
	for user, want := range map[string]string{
		"UJULIE": "t'a fait passer de l'équipe de <@UA> à celle de <@UB>",
		"UA":     "de ton équipe à celle de <@UB>",
		"UB":     "de l'équipe de <@UA> à la tienne",
	} {
		if !strings.Contains(told[user], want) {
			t.Errorf("%s was told %q, want %q", user, told[user], want)
		}
	}
	if len(out.Sent) != 3 {
		t.Errorf("%d DMs for one move, want 3", len(out.Sent))
	}
}

// The same holds for the check-in modal, keyed by its view ID.
func TestModalAnotherUsersViewShowsNothing(t *testing.T) {
	store := memStore(t)
	h := bottest.NewHandler(t, store, newClock(monday10).Now, nil)
	ctx := context.Background()
	submit := func(user, calls string) (any, error) {
		cb := slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, Team: slack.Team{ID: "T1"}, User: slack.User{ID: user}}
		cb.View = slack.View{ID: "V1", CallbackID: views.CheckInCallback, State: &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
			"calls": {"calls": {Value: calls}}, views.NoteBlock: {views.NoteBlock: {Value: "note de " + user}},
		}}}
		return h.Interact(ctx, cb)
	}
	if resp, err := submit("U1", "12"); err != nil || resp.(*slack.ViewSubmissionResponse).ResponseAction != slack.RAClear {
		t.Fatalf("U1's submission: %+v, %v", resp, err)
	}
	resp, _ := submit("U2", "3")
	vr, ok := resp.(*slack.ViewSubmissionResponse)
	if !ok || vr.ResponseAction != slack.RAErrors {
		t.Fatalf("U2's submission of U1's view: %+v, want errors in the modal", resp)
	}
	for _, e := range vr.Errors {
		if strings.Contains(e, "12") || strings.Contains(e, "note de U1") {
			t.Errorf("U2 was shown U1's entry: %q", e)
		}
	}
	if got := allCheckIns(t, store, "T1", "U2"); len(got) != 0 {
		t.Errorf("stored %d entries for U2", len(got))
	}
}
