package bot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/respond"
	"github.com/kpibot/kpibot/bot/slackhttp"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// interactionFixture is the HTTP transport with a handler that has a
// Slack client (the fake Web API) for views.open and chat.scheduleMessage.
type interactionFixture struct {
	store *storage.Store
	clk   *testkit.Clock
	h     *bot.Handler
	api   *testkit.FakeWebAPI
	hook  *testkit.ResponseHook
	srv   http.Handler
	sent  int
}

// Users of the fixtures: UEN writes English in Paris, UNY in New York;
// anyone else gets the workspace defaults (French, Paris).
var interactionProfiles = bottest.Profiles{
	"UEN": {Loc: paris, Lang: prompts.English},
	"UNY": {Loc: mustLoad("America/New_York"), Lang: prompts.English},
}

func newInteractionFixture(t *testing.T, at time.Time) *interactionFixture {
	t.Helper()
	f := &interactionFixture{store: memStore(t), clk: newClock(at), api: testkit.NewFakeWebAPI(t), hook: newResponseHook(t)}
	f.api.SetClock(f.clk.Now)
	f.h = bottest.NewHandler(t, f.store, f.clk.Now, interactionProfiles)
	f.h.SetSlackUI(f.api.API(t))
	r := respond.New(respond.Config{Handler: f.h, Logger: quiet})
	t.Cleanup(r.Wait)
	f.srv = slackhttp.NewHandler(slackhttp.Config{SigningSecret: testSecret, Responder: r, Now: f.clk.Now, Logger: quiet})
	return f
}

// post sends a signed interaction payload, as Slack does.
func (f *interactionFixture) post(t *testing.T, payload string) *httptest.ResponseRecorder {
	t.Helper()
	// Each delivery is signed anew, as Slack does, so a repeat is not
	// refused as a replay.
	f.sent++
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, signedRequest("/slack/interactions", url.Values{"payload": {payload}}.Encode(), testSecret, f.clk.Now().Add(time.Duration(f.sent)*time.Second)))
	if w.Code != http.StatusOK {
		t.Fatalf("interaction: status %d: %s", w.Code, w.Body)
	}
	return w
}

func TestReminderHasButtons(t *testing.T) {
	for _, lang := range prompts.Langs {
		msg := views.Reminder(lang)
		checkBlockKitLimits(t, msg)
		var ids []string
		for _, b := range msg.Blocks.BlockSet {
			if a, ok := b.(*slack.ActionBlock); ok {
				for _, el := range a.Elements.ElementSet {
					btn := el.(*slack.ButtonBlockElement)
					ids = append(ids, btn.ActionID)
					if strings.HasPrefix(btn.Text.Text, "remind.") || len([]rune(btn.Text.Text)) > 75 {
						t.Errorf("%s: button text %q", lang, btn.Text.Text)
					}
					if (btn.ActionID == views.ActionCheckInOpen) != (btn.Style == slack.StylePrimary) {
						t.Errorf("%s: %s has style %q", lang, btn.ActionID, btn.Style)
					}
				}
			}
		}
		if want := []string{views.ActionCheckInOpen, views.ActionReminderSnooze, views.ActionReminderOff}; !slices.Equal(ids, want) {
			t.Errorf("%s: buttons %v, want %v", lang, ids, want)
		}
	}
}

func TestCheckInButtonOpensModal(t *testing.T) {
	f := newInteractionFixture(t, monday10)
	w := f.post(t, clickPayload("UEN", views.ActionCheckInOpen, f.hook.URL()))
	if w.Body.Len() != 0 {
		t.Errorf("a click is acknowledged with an empty 200, got %s", w.Body)
	}
	opened := f.api.OpenedViews()
	if len(opened) != 1 {
		t.Fatalf("views.open called %d times, want 1", len(opened))
	}
	var view slack.ModalViewRequest
	if err := json.Unmarshal(opened[0], &view); err != nil {
		t.Fatal(err)
	}
	if view.Type != slack.VTModal || view.CallbackID != "checkin" || view.PrivateMetadata != "" {
		t.Errorf("view %s", opened[0])
	}
	for _, txt := range []*slack.TextBlockObject{view.Title, view.Submit, view.Close} {
		if txt == nil || txt.Type != slack.PlainTextType || txt.Text == "" || len([]rune(txt.Text)) > 24 {
			t.Errorf("title, submit and close are plain text of 1 to 24 characters: %+v", txt)
		}
	}
	if n := len(view.Blocks.BlockSet); n > 100 {
		t.Errorf("%d blocks, Slack allows 100 in a view", n)
	}
	inputs := map[string]*slack.InputBlock{}
	for _, b := range view.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok {
			inputs[in.BlockID] = in
			if !in.Optional {
				t.Errorf("%s is required; every field is optional", in.BlockID)
			}
		}
	}
	for _, m := range []string{"calls", "leads", "meetings", "demos", "proposals", "followups", "signatures"} {
		in, ok := inputs[m]
		if !ok {
			t.Errorf("no field for %s", m)
			continue
		}
		el, ok := in.Element.(*slack.NumberInputBlockElement)
		if !ok || el.IsDecimalAllowed || el.MinValue != "0" || el.MaxValue != "1000" || el.ActionID != m {
			t.Errorf("%s: %+v", m, in.Element)
		}
		if want := prompts.MetricLabel(prompts.English, kpi.Metric(m), 2); !strings.EqualFold(in.Label.Text, want) {
			t.Errorf("%s labelled %q, want %q", m, in.Label.Text, want)
		}
	}
	if el, ok := inputs["revenue"].Element.(*slack.NumberInputBlockElement); !ok || !el.IsDecimalAllowed {
		t.Errorf("revenue: %+v", inputs["revenue"])
	}
	if el, ok := inputs["note"].Element.(*slack.PlainTextInputBlockElement); !ok || !el.Multiline || el.MaxLength != 500 {
		t.Errorf("note: %+v", inputs["note"])
	}
	if el, ok := inputs["day"].Element.(*slack.DatePickerBlockElement); !ok || el.InitialDate != "" {
		t.Errorf("day: %+v; the reminder's form starts on today", inputs["day"])
	}
	if el, ok := inputs["pipeline"].Element.(*slack.NumberInputBlockElement); !ok || !el.IsDecimalAllowed {
		t.Errorf("pipeline: %+v", inputs["pipeline"])
	}
	if len(inputs) != 11 {
		t.Errorf("%d inputs, want 7 counts, revenue, pipeline, day and note", len(inputs))
	}
	msg := slack.Msg{Text: view.Title.Text, Blocks: view.Blocks}
	checkBlockKitLimits(t, msg)
	golden(t, "checkin_modal_en", msg)
	// The same form, for a French-speaking rep.
	fr := views.CheckInModal(prompts.French)
	golden(t, "checkin_modal_fr", slack.Msg{Text: fr.Title.Text, Blocks: fr.Blocks})
	if got := f.hook.Posts(); len(got) != 0 {
		t.Errorf("opening the modal posted %v", got)
	}

	// The modal speaks the rep's language.
	f.post(t, clickPayload("UFR", views.ActionCheckInOpen, f.hook.URL()))
	if opened := f.api.OpenedViews(); len(opened) != 2 || !strings.Contains(string(opened[1]), "Noter ma journée") || !strings.Contains(string(opened[1]), "Relances") {
		t.Errorf("French modal: %s", opened[len(opened)-1])
	}
}

func TestCheckInButtonWithoutSlackClientSaysSo(t *testing.T) {
	store, hook, clk := memStore(t), newResponseHook(t), newClock(monday10)
	h := bottest.NewHandler(t, store, clk.Now, interactionProfiles)
	resp, err := h.Interact(context.Background(), testkit.MustCallback(t, clickPayload("UEN", views.ActionCheckInOpen, hook.URL())))
	if resp != nil || err == nil {
		t.Fatalf("Interact = %v, %v; want no answer and an error for the log", resp, err)
	}
	posts := hook.Posts()
	if len(posts) != 1 || posts[0]["replace_original"] == true || !strings.Contains(posts[0]["text"].(string), "/log 5 calls 2 demos") {
		t.Fatalf("response_url got %v", posts)
	}
}

func TestCheckInModalStoresLikeLog(t *testing.T) {
	f := newInteractionFixture(t, monday10)
	ctx := context.Background()
	values := map[string]string{"calls": "7", "meetings": "2", "proposals": "1", "revenue": "12000.5", "note": "Good day -- #win"}
	for i := range 2 {
		// Slack may deliver a submission twice; it is stored once.
		w := f.post(t, submitPayload("UEN", "V0CHECKIN1", values))
		if got := viewAnswer(t, w.Body.Bytes()); got.ResponseAction != slack.RAClear || len(got.Errors) != 0 {
			t.Fatalf("submission %d answered %s", i, w.Body)
		}
	}
	got := allCheckIns(t, f.store, "T1", "UEN")
	if len(got) != 1 {
		t.Fatalf("stored %d entries, want 1: %+v", len(got), got)
	}
	c := got[0]
	if c.Key != "view:V0CHECKIN1" || c.Source != "slack-modal" || c.Day != "2026-11-23" || c.TZ != "Europe/Paris" {
		t.Errorf("stored %+v", c)
	}
	if want := "7 calls 2 meetings 1 proposal revenue 12000.50 EUR -- Good day -- #win"; c.Raw != want {
		t.Errorf("raw %q, want %q", c.Raw, want)
	}

	// The same day typed with /log, in French, by another rep.
	if _, err := f.h.Handle(ctx, bot.Command{Workspace: "T1", User: "UFR", Name: "/log", Text: "7 appels 2 rdv 1 offre CA 12 000,50 € -- Good day -- #win", Key: "trig-fr", Source: "slack-http"}); err != nil {
		t.Fatal(err)
	}
	typed := allCheckIns(t, f.store, "T1", "UFR")
	if len(typed) != 1 {
		t.Fatalf("/log stored %d entries", len(typed))
	}
	l := typed[0]
	if !mapsEqual(c.Counts, l.Counts) || c.RevenueCents != l.RevenueCents || c.HasRevenue != l.HasRevenue || c.Note != l.Note || c.Day != l.Day {
		t.Errorf("modal stored %+v\n/log stored  %+v", c, l)
	}
	if f.api.CallCount("chat.postMessage") != 0 || len(f.hook.Posts()) != 0 {
		t.Error("a stored check-in sent a message; the modal closing is the answer")
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestCheckInModalDayIsTheRepsToday(t *testing.T) {
	// 00:30 on Monday in Paris is still Sunday evening in New York.
	f := newInteractionFixture(t, time.Date(2026, 11, 23, 0, 30, 0, 0, paris))
	f.post(t, submitPayload("UNY", "V0NY", map[string]string{"calls": "0", "demos": "1"}))
	got := allCheckIns(t, f.store, "T1", "UNY")
	if len(got) != 1 || got[0].Day != "2026-11-22" || got[0].TZ != "America/New_York" || got[0].Counts["calls"] != 0 || got[0].Counts["demos"] != 1 {
		t.Fatalf("stored %+v", got)
	}
	if _, typed := got[0].Counts["calls"]; !typed || got[0].Raw != "0 calls 1 demo" {
		t.Errorf("a zero typed on purpose is kept, as /log keeps it: %+v", got[0])
	}
}

func TestCheckInModalRefusals(t *testing.T) {
	long := strings.Repeat("é", 495)
	tests := []struct {
		name   string
		before string // a /log of the same rep, earlier that day
		values map[string]string
		block  string
		want   string
	}{
		{"over the cap", "", map[string]string{"calls": "1001", "meetings": "2"}, "calls", "more than 1000 calls in a day"},
		{"over the cap, not the first field", "", map[string]string{"calls": "3", "signatures": "5000"}, "signatures", "more than 1000 signatures"},
		{"past the daily cap with earlier entries", "900 calls", map[string]string{"calls": "200"}, "calls", "With the 900 already logged today, that would make 1100 calls"},
		{"empty", "", map[string]string{"note": "nothing to report"}, "calls", "Enter at least one number."},
		{"not whole", "", map[string]string{"demos": "2.5"}, "demos", "whole number from 0 to 1000"},
		{"negative", "", map[string]string{"leads": "-3"}, "leads", "whole number"},
		{"amount with three decimals", "", map[string]string{"calls": "1", "revenue": "1.000"}, "revenue", "12000.50"},
		{"amount too large", "", map[string]string{"calls": "1", "revenue": "20000000"}, "revenue", "larger than I can record"},
		{"note too long", "", map[string]string{"calls": "1", "note": long}, "note", "500 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newInteractionFixture(t, monday10)
			before := 0
			if tt.before != "" {
				if _, err := f.h.Handle(context.Background(), bot.Command{Workspace: "T1", User: "UEN", Name: "/log", Text: tt.before, Key: "earlier"}); err != nil {
					t.Fatal(err)
				}
				before = 1
			}
			w := f.post(t, submitPayload("UEN", "V0REFUSED", tt.values))
			got := viewAnswer(t, w.Body.Bytes())
			if got.ResponseAction != slack.RAErrors || len(got.Errors) != 1 || !strings.Contains(got.Errors[tt.block], tt.want) {
				t.Fatalf("answer %s; want an error under %q saying %q", w.Body, tt.block, tt.want)
			}
			if strings.ContainsAny(got.Errors[tt.block], "`*") {
				t.Errorf("modal errors are plain text: %q", got.Errors[tt.block])
			}
			if n := len(allCheckIns(t, f.store, "T1", "UEN")); n != before {
				t.Errorf("%d entries stored, want %d", n, before)
			}
		})
	}
}

func TestSnoozeSchedulesTheReminderAnHourLater(t *testing.T) {
	f := newInteractionFixture(t, monday10)
	w := f.post(t, clickPayload("UEN", views.ActionReminderSnooze, f.hook.URL()))
	if w.Body.Len() != 0 {
		t.Errorf("a click is acknowledged with an empty 200, got %s", w.Body)
	}
	sched := f.api.ScheduledMessages()
	if len(sched) != 1 {
		t.Fatalf("scheduled %d messages, want 1", len(sched))
	}
	s := sched[0]
	if s.Channel != "D1" || !s.PostAt.Equal(monday10.Add(time.Hour)) {
		t.Errorf("scheduled to %s at %v, want D1 at %v", s.Channel, s.PostAt, monday10.Add(time.Hour))
	}
	msg := slack.Msg{Text: s.Text}
	if err := json.Unmarshal(s.Blocks, &msg.Blocks); err != nil {
		t.Fatal(err)
	}
	checkBlockKitLimits(t, msg)
	if !strings.Contains(s.Text, "haven't logged your day") || !strings.Contains(string(s.Blocks), views.ActionCheckInOpen) {
		t.Errorf("the snoozed reminder is not the reminder: %s %s", s.Text, s.Blocks)
	}
	posts := f.hook.Posts()
	if len(posts) != 1 || posts[0]["replace_original"] != true || !strings.Contains(posts[0]["text"].(string), "Snoozed until 11:00") {
		t.Fatalf("response_url got %v, want the reminder replaced by when it comes back", posts)
	}
	replaced := slack.Msg{Text: posts[0]["text"].(string)}
	if err := json.Unmarshal(mustRaw(posts[0]["blocks"]), &replaced.Blocks); err != nil {
		t.Fatal(err)
	}
	checkBlockKitLimits(t, replaced)
}

func TestSnoozeFailureKeepsTheReminder(t *testing.T) {
	f := newInteractionFixture(t, monday10)
	f.api.SetFaults(func(c testkit.Call) testkit.Fault {
		if c.Method == "chat.scheduleMessage" {
			return testkit.Fault{Status: http.StatusInternalServerError}
		}
		return testkit.Fault{}
	})
	f.post(t, clickPayload("UEN", views.ActionReminderSnooze, f.hook.URL()))
	posts := f.hook.Posts()
	if len(posts) != 1 || posts[0]["replace_original"] == true || !strings.Contains(posts[0]["text"].(string), "could not snooze") {
		t.Fatalf("response_url got %v; want the reminder kept and the failure told", posts)
	}
}

func TestStopRemindersButton(t *testing.T) {
	f := newInteractionFixture(t, monday10)
	ctx := context.Background()
	f.store.MakeManager(ctx, "T1", "UMAUD")
	f.store.AddRep(ctx, "T1", "UMAUD", "UEN")
	f.store.AddRep(ctx, "T1", "UMAUD", "UBOB")

	f.post(t, clickPayload("UEN", views.ActionReminderOff, f.hook.URL()))
	pref, err := f.store.ReminderPref(ctx, "T1", "UEN")
	if err != nil || !pref.Off {
		t.Fatalf("pref %+v, %v", pref, err)
	}
	posts := f.hook.Posts()
	if len(posts) != 1 || posts[0]["replace_original"] != true || !strings.Contains(posts[0]["text"].(string), "Reminders off. `/kpi remind on` to turn them back on.") {
		t.Fatalf("response_url got %v", posts)
	}

	jobs, err := f.h.RitualJobs(ctx, f.store, monday10)
	if err != nil {
		t.Fatal(err)
	}
	var reminded []string
	for _, j := range jobs {
		if j.Ritual == "reminder" {
			reminded = append(reminded, j.Target)
		}
	}
	if !slices.Equal(reminded, []string{"UBOB"}) {
		t.Errorf("reminder jobs for %v, want only UBOB", reminded)
	}

	// A manager's manual run respects the choice too.
	out := testkit.NewRecordingOutbox(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: f.store, Now: f.clk.Now, TZ: paris, Lang: prompts.English, Outbox: out, Logger: quiet})
	if msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "UMAUD", Name: "/kpi", Text: "ritual run reminder", Key: "run"}); err != nil {
		t.Fatalf("%v: %s", err, views.PlainText(msg))
	}
	if len(out.Sent) != 1 || out.Sent[0].Channel != "UBOB" {
		t.Fatalf("sent %+v, want one reminder to UBOB", out.Sent)
	}
	checkBlockKitLimits(t, out.Sent[0].Msg)
	if !strings.Contains(mustJSON(out.Sent[0].Msg.Blocks), views.ActionReminderSnooze) {
		t.Errorf("the reminder has no buttons: %s", mustJSON(out.Sent[0].Msg.Blocks))
	}
}
