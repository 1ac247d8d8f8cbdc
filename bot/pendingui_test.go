package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/storage"
)

// buttonClick is a block_actions payload: user clicked the button
// actionID carrying value, on an ephemeral reply in channel C1.
func buttonClick(user, actionID, blockID, value, responseURL string) string {
	return mustJSON(map[string]any{
		"type": "block_actions", "team": map[string]any{"id": "T1", "domain": "acme"},
		"user":       map[string]any{"id": user, "username": "rep", "name": "rep", "team_id": "T1"},
		"api_app_id": "A1", "token": "legacy", "trigger_id": "1111.2222.t-" + actionID,
		"container":    map[string]any{"type": "message", "message_ts": "1795424400.000100", "channel_id": "C1", "is_ephemeral": true},
		"channel":      map[string]any{"id": "C1", "name": "sales"},
		"response_url": responseURL,
		"actions": []map[string]any{{
			"action_id": actionID, "block_id": blockID, "type": "button", "value": value,
			"text": map[string]any{"type": "plain_text", "text": "x", "emoji": true}, "action_ts": "1795424460.000200",
		}},
	})
}

// askFor makes user type a text the bot is unsure of, and returns the
// code its buttons carry.
func (f *interactionFixture) askFor(t *testing.T, user, text, key string) string {
	t.Helper()
	msg, err := f.h.Handle(context.Background(), bot.Command{Workspace: "T1", User: user, Name: "/log", Text: text, Key: key, Source: "slack-http"})
	if err != nil {
		t.Fatal(err)
	}
	ids, values := buttons(msg)
	if len(ids) != 3 || ids[0] != views.ActionPendingSave {
		t.Fatalf("%q did not ask:\n%s", text, views.PlainText(msg))
	}
	return values[0]
}

func TestPendingButtons(t *testing.T) {
	f := newInteractionFixture(t, monday10)
	ctx := context.Background()

	// Save: the reading is stored as read, and the question is replaced
	// by the answer.
	code := f.askFor(t, "UEN", "1 deal yesterday", "trig-en")
	f.post(t, buttonClick("UEN", views.ActionPendingSave, views.PendingActionsBlock, code, f.hook.URL()))
	got := allCheckIns(t, f.store, "T1", "UEN")
	if len(got) != 1 || got[0].Key != "trig-en" || got[0].Day != "2026-11-22" || got[0].Counts["signatures"] != 1 {
		t.Fatalf("stored %+v", got)
	}
	posts := f.hook.Posts()
	if len(posts) != 1 || posts[0]["replace_original"] != true || !strings.Contains(posts[0]["text"].(string), "Logged for yesterday (Sun 22 Nov): 1 signature") {
		t.Fatalf("response_url got %v", posts)
	}
	// A second click (Slack retries, or a double click) stores nothing more.
	f.post(t, buttonClick("UEN", views.ActionPendingSave, views.PendingActionsBlock, code, f.hook.URL()))
	if n := len(allCheckIns(t, f.store, "T1", "UEN")); n != 1 {
		t.Fatalf("%d entries after a second click", n)
	}
	if posts := f.hook.Posts(); len(posts) != 2 || posts[1]["replace_original"] == true || !strings.Contains(posts[1]["text"].(string), "No entry is waiting") {
		t.Fatalf("second click answered %v", posts[1:])
	}

	// Cancel drops the reading; nothing is stored.
	code = f.askFor(t, "UEN", "3 meetngs", "trig-2")
	f.post(t, buttonClick("UEN", views.ActionPendingCancel, views.PendingActionsBlock, code, f.hook.URL()))
	if n := len(allCheckIns(t, f.store, "T1", "UEN")); n != 1 {
		t.Fatalf("cancel stored: %d entries", n)
	}
	if _, err := f.store.Pending(ctx, "T1", "UEN", f.clk.Now()); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("the cancelled reading still waits: %v", err)
	}
	if posts := f.hook.Posts(); posts[2]["replace_original"] != true || !strings.Contains(posts[2]["text"].(string), "Cancelled: `3 meetngs` was not saved.") {
		t.Fatalf("cancel answered %v", posts[2])
	}
}

// The button's value is not trusted: a click naming another rep's
// reading finds only the clicking rep's own, and is refused with no data.
func TestPendingButtonsRefuseAnotherUsersReading(t *testing.T) {
	f := newInteractionFixture(t, monday10)
	ctx := context.Background()
	theirs := f.askFor(t, "UFR", "2 deals -- Acme rachète Globex", "trig-fr")
	mine := f.askFor(t, "UEN", "1 meetng", "trig-en")
	for _, action := range []string{views.ActionPendingSave, views.ActionPendingCancel, views.ActionPendingEdit} {
		f.post(t, buttonClick("UEN", action, views.PendingActionsBlock, theirs, f.hook.URL()))
	}
	if got := allCheckIns(t, f.store, "T1", "UFR"); len(got) != 0 {
		t.Errorf("another user's reading was saved: %+v", got)
	}
	if got := allCheckIns(t, f.store, "T1", "UEN"); len(got) != 0 {
		t.Errorf("the clicker's own reading was saved by a forged click: %+v", got)
	}
	for _, who := range []string{"UFR", "UEN"} {
		if _, err := f.store.Pending(ctx, "T1", who, f.clk.Now()); err != nil {
			t.Errorf("%s's reading was dropped: %v", who, err)
		}
	}
	if n := len(f.api.OpenedViews()); n != 0 {
		t.Errorf("a forged Edit opened %d modals", n)
	}
	posts := f.hook.Posts()
	if len(posts) != 3 {
		t.Fatalf("response_url got %v", posts)
	}
	for _, p := range posts {
		body := mustJSON(p)
		if p["replace_original"] == true || !strings.Contains(body, "No entry is waiting") || strings.Contains(body, "Acme") || strings.Contains(body, "2 signatures") {
			t.Errorf("a forged click was answered %s", body)
		}
	}
	// The clicker's own code still works.
	f.post(t, buttonClick("UEN", views.ActionPendingSave, views.PendingActionsBlock, mine, f.hook.URL()))
	if got := allCheckIns(t, f.store, "T1", "UEN"); len(got) != 1 || got[0].Counts["meetings"] != 1 {
		t.Errorf("own reading: %+v", got)
	}
}

// Edit opens the check-in modal filled in with the reading; submitting
// it stores what the rep corrected, once, and the reading stops waiting.
func TestPendingEditOpensTheModalFilledIn(t *testing.T) {
	f := newInteractionFixture(t, monday10)
	ctx := context.Background()
	code := f.askFor(t, "UEN", "1 deal 8k€ yesterday -- Acme", "trig-en")
	f.post(t, buttonClick("UEN", views.ActionPendingEdit, views.PendingActionsBlock, code, f.hook.URL()))
	opened := f.api.OpenedViews()
	if len(opened) != 1 {
		t.Fatalf("views.open called %d times", len(opened))
	}
	var view slack.ModalViewRequest
	if err := json.Unmarshal(opened[0], &view); err != nil {
		t.Fatal(err)
	}
	if view.CallbackID != views.CheckInCallback || view.PrivateMetadata != "pending:"+code || view.Title.Text != "Fix my entry" {
		t.Errorf("view %s", opened[0])
	}
	initial := map[string]string{}
	for _, b := range view.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok {
			switch el := in.Element.(type) {
			case *slack.NumberInputBlockElement:
				initial[in.BlockID] = el.InitialValue
			case *slack.DatePickerBlockElement:
				initial[in.BlockID] = el.InitialDate
			case *slack.PlainTextInputBlockElement:
				initial[in.BlockID] = el.InitialValue
			}
		}
	}
	if initial["signatures"] != "1" || initial["revenue"] != "8000" || initial["day"] != "2026-11-22" || initial["note"] != "Acme" || initial["calls"] != "" {
		t.Errorf("modal filled in with %v", initial)
	}

	// Another user cannot submit it.
	body := f.post(t, testkitSubmit("UFR", "V0EDIT", "pending:"+code, map[string]string{"signatures": "1"})).Body.String()
	if !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, "Aucune saisie n'attend") {
		t.Errorf("another user's submission answered %s", body)
	}
	// The rep corrects it: the deal was lost.
	values := map[string]string{"lost": "1", "day": "2026-11-22", "note": "Acme"}
	for range 2 {
		body = f.post(t, testkitSubmit("UEN", "V0EDIT", "pending:"+code, values)).Body.String()
		if !strings.Contains(body, `"response_action":"clear"`) {
			t.Fatalf("submission answered %s", body)
		}
	}
	got := allCheckIns(t, f.store, "T1", "UEN")
	if len(got) != 1 || got[0].Key != "view:V0EDIT" || got[0].Counts["lost"] != 1 || got[0].Counts["signatures"] != 0 || got[0].Day != "2026-11-22" || got[0].Note != "Acme" {
		t.Fatalf("stored %+v", got)
	}
	if _, err := f.store.Pending(ctx, "T1", "UEN", f.clk.Now()); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the reading still waits after its edit was stored: %v", err)
	}
	if n := len(allCheckIns(t, f.store, "T1", "UFR")); n != 0 {
		t.Errorf("the other user stored %d entries", n)
	}
}
