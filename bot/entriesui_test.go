package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/storage"
)

// logAs stores a /log of user through the handler, and returns the entry.
func (f *interactionFixture) logAs(t *testing.T, user, text, key string) storage.CheckIn {
	t.Helper()
	if _, err := f.h.Handle(context.Background(), bot.Command{Workspace: "T1", User: user, Name: "/log", Text: text, Key: key, Source: "slack-http"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range allCheckIns(t, f.store, "T1", user) {
		if c.Key == key {
			return c
		}
	}
	t.Fatalf("%q was not stored", text)
	return storage.CheckIn{}
}

// The list's Edit opens the check-in modal filled in with the entry,
// its day on the date picker; submitting it stores a new revision, once.
func TestEntryEditButtonAndModal(t *testing.T) {
	f := newInteractionFixture(t, friday)
	c := f.logAs(t, "UEN", "tuesday 3 meetings 1 proposal 12k€ -- Acme", "trig-1")
	f.logAs(t, "UEN", "900 calls", "trig-2")

	list, err := f.h.Handle(context.Background(), bot.Command{Workspace: "T1", User: "UEN", Name: "/log", Text: "edit", Key: "k-list"})
	if err != nil {
		t.Fatal(err)
	}
	ids, values := buttons(list)
	if len(ids) != 4 || ids[2] != views.ActionEntryEdit || values[2] != c.Ref() {
		t.Fatalf("list buttons %v %v", ids, values)
	}
	f.post(t, buttonClick("UEN", views.ActionEntryEdit, views.EntryBlockPrefix+c.Ref(), c.Ref(), f.hook.URL()))
	opened := f.api.OpenedViews()
	if len(opened) != 1 {
		t.Fatalf("views.open called %d times", len(opened))
	}
	var view slack.ModalViewRequest
	if err := json.Unmarshal(opened[0], &view); err != nil {
		t.Fatal(err)
	}
	if view.PrivateMetadata != "edit:"+c.Ref() || view.Title.Text != "Fix my entry" {
		t.Errorf("view %s", opened[0])
	}
	for _, want := range []string{`"initial_date":"2026-11-24"`, `"action_id":"meetings","initial_value":"3"`, `"action_id":"pipeline","placeholder"`, `"initial_value":"12000"`, `"initial_value":"Acme"`} {
		if !strings.Contains(string(opened[0]), want) {
			t.Errorf("modal lacks %s:\n%s", want, opened[0])
		}
	}

	// Submitted: a new revision, on the day picked (today, here), the cap
	// applied with today's 900 calls.
	meta := "edit:" + c.Ref()
	body := f.post(t, testkitSubmit("UEN", "V0FIX", meta, map[string]string{"meetings": "3", "calls": "101", "day": "2026-11-27"})).Body.String()
	if !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, `"calls":"101 calls: with what is already logged on Fri 27 Nov, that would make 1001 calls, more than 1000 in a day, which looks like a typo. You can still log 100 that day."`) {
		t.Fatalf("over the cap answered %s", body)
	}
	for range 2 {
		body = f.post(t, testkitSubmit("UEN", "V0FIX", meta, map[string]string{"meetings": "3", "proposals": "2", "pipeline": "15000", "day": "2026-11-27", "note": "Acme"})).Body.String()
		if !strings.Contains(body, `"response_action":"clear"`) {
			t.Fatalf("submission answered %s", body)
		}
	}
	got, err := f.store.FindCheckIn(context.Background(), "T1", "UEN", c.Code(), "2026-08-01", "2026-12-31")
	if err != nil || got.Rev != 1 || got.Day != "2026-11-27" || got.Counts["proposals"] != 2 || got.PipelineCents != 15_000_00 || got.Note != "Acme" ||
		got.EditKey != "view:V0FIX" || len(got.Revisions) != 1 || got.Revisions[0].Raw != c.Raw {
		t.Fatalf("revised %+v, %v", got, err)
	}
}

// A forged value or modal naming another rep's entry is refused, with no
// data, and changes nothing.
func TestEntryButtonsRefuseAnotherUsersEntry(t *testing.T) {
	f := newInteractionFixture(t, friday)
	theirs := f.logAs(t, "UFR", "lundi 4 rdv -- Globex rachète Acme", "trig-fr")
	f.logAs(t, "UEN", "2 demos", "trig-en")
	f.post(t, buttonClick("UEN", views.ActionEntryEdit, views.EntryBlockPrefix+theirs.Ref(), theirs.Ref(), f.hook.URL()))
	f.post(t, buttonClick("UEN", views.ActionEntryDelete, views.EntryBlockPrefix+theirs.Ref(), theirs.Ref(), f.hook.URL()))
	body := f.post(t, testkitSubmit("UEN", "V0FORGED", "edit:"+theirs.Ref(), map[string]string{"meetings": "9"})).Body.String()
	if !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, "None of your entries of the last 90 days has the code") || strings.Contains(body, "Globex") {
		t.Errorf("forged submission answered %s", body)
	}
	if n := len(f.api.OpenedViews()); n != 0 {
		t.Errorf("a forged Edit opened %d modals", n)
	}
	posts := f.hook.Posts()
	if len(posts) != 2 {
		t.Fatalf("response_url got %v", posts)
	}
	for _, p := range posts {
		body := mustJSON(p)
		if p["replace_original"] == true || !strings.Contains(body, "None of your entries of the last 90 days has the code") || strings.Contains(body, "Globex") || strings.Contains(body, "4 rdv") {
			t.Errorf("a forged click was answered %s", body)
		}
	}
	if got := allCheckIns(t, f.store, "T1", "UFR"); len(got) != 1 || got[0].Rev != 0 || got[0].Counts["meetings"] != 4 {
		t.Errorf("the other rep's entry changed: %+v", got)
	}
	if got := allCheckIns(t, f.store, "T1", "UEN"); len(got) != 1 || got[0].Rev != 0 {
		t.Errorf("the clicker's entry changed: %+v", got)
	}
}

// Delete withdraws the entry and replaces the list with what is left.
func TestEntryDeleteButton(t *testing.T) {
	f := newInteractionFixture(t, friday)
	a := f.logAs(t, "UEN", "monday 2 demos", "trig-a")
	f.clk.Set(friday.Add(time.Minute))
	f.logAs(t, "UEN", "3 calls", "trig-b")
	f.post(t, buttonClick("UEN", views.ActionEntryDelete, views.EntryBlockPrefix+a.Ref(), a.Ref(), f.hook.URL()))
	posts := f.hook.Posts()
	if len(posts) != 1 || posts[0]["replace_original"] != true {
		t.Fatalf("response_url got %v", posts)
	}
	body := mustJSON(posts[0])
	if !strings.Contains(body, "Entry `"+a.Code()+"` removed, for Mon 23 Nov") || !strings.Contains(body, "3 calls") || strings.Contains(body, "\"value\":\""+a.Ref()) {
		t.Errorf("replaced with %s", body)
	}
	live := allCheckIns(t, f.store, "T1", "UEN")
	if len(live) != 1 || live[0].Key != "trig-b" {
		t.Fatalf("live %+v", live)
	}
	// A second click on the old list: already withdrawn, said privately.
	f.post(t, buttonClick("UEN", views.ActionEntryDelete, views.EntryBlockPrefix+a.Ref(), a.Ref(), f.hook.URL()))
	if posts := f.hook.Posts(); len(posts) != 2 || posts[1]["replace_original"] == true || !strings.Contains(mustJSON(posts[1]), "was already removed") {
		t.Errorf("second click answered %v", posts[1:])
	}
}

// Edit on a correction that waits for its confirmation opens the form of
// the entry it corrects: submitting it revises that entry, never adds
// another, and the reading stops waiting.
func TestEditOfAWaitingCorrection(t *testing.T) {
	f := newInteractionFixture(t, friday)
	ctx := context.Background()
	c := f.logAs(t, "UEN", "tuesday 3 meetings", "trig-1")
	code := f.askFor(t, "UEN", "edit "+c.Code()+" 3 meetings 2 proposls", "trig-2")
	f.post(t, buttonClick("UEN", views.ActionPendingEdit, views.PendingActionsBlock, code, f.hook.URL()))
	opened := f.api.OpenedViews()
	if len(opened) != 1 || !strings.Contains(string(opened[0]), `"private_metadata":"edit:`+c.Ref()+` pending:`+code+`"`) ||
		!strings.Contains(string(opened[0]), `"initial_date":"2026-11-24"`) || !strings.Contains(string(opened[0]), `"action_id":"proposals","initial_value":"2"`) {
		t.Fatalf("views.open %s", opened)
	}
	meta := "edit:" + c.Ref() + " pending:" + code
	body := f.post(t, testkitSubmit("UEN", "V0WAIT", meta, map[string]string{"meetings": "3", "proposals": "2", "day": "2026-11-24"})).Body.String()
	if !strings.Contains(body, `"response_action":"clear"`) {
		t.Fatalf("submission answered %s", body)
	}
	got := allCheckIns(t, f.store, "T1", "UEN")
	if len(got) != 1 || got[0].Key != "trig-1" || got[0].Rev != 1 || got[0].Counts["proposals"] != 2 || got[0].Day != "2026-11-24" {
		t.Fatalf("entries %+v", got)
	}
	if _, err := f.store.Pending(ctx, "T1", "UEN", f.clk.Now()); err == nil {
		t.Error("the correction still waits after its form was stored")
	}
}
