package bot_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/respond"
	"github.com/kpibot/kpibot/bot/slackhttp"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
)

func TestCoachDraftButtonsAndEditModal(t *testing.T) {
	store := memStore(t)
	clk := newClock(monday0930)
	out := testkit.NewRecordingOutbox(t)
	api := testkit.NewFakeWebAPI(t)
	api.SetClock(clk.Now)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: out, Logger: quiet})
	h.SetSlackUI(api.API(t))
	r := respond.New(respond.Config{Handler: h, Logger: quiet})
	t.Cleanup(r.Wait)
	srv := slackhttp.NewHandler(slackhttp.Config{SigningSecret: testSecret, Responder: r, Now: clk.Now, Logger: quiet})
	hook := newResponseHook(t)
	ctx := context.Background()
	store.MakeManager(ctx, "T1", "UMGR")
	join(t, h, "T1", "UMGR", "UREP")
	for _, text := range []string{"coach <@UREP>"} {
		if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "UMGR", Name: "/kpi", Text: text, Key: text}); err != nil {
			t.Fatal(err)
		}
	}
	draft := out.Sent[len(out.Sent)-1]
	checkBlockKitLimits(t, draft.Msg)
	code := regexp.MustCompile(`coach post ([a-z2-9]{5})`).FindStringSubmatch(views.PlainText(draft.Msg))[1]
	if !strings.Contains(views.PlainText(draft.Msg), "[✅ Publier telles quelles] [✏️ Modifier] [⏭ Passer]") {
		t.Errorf("draft has no buttons:\n%s", views.PlainText(draft.Msg))
	}
	sent := 0
	post := func(payload string) *httptest.ResponseRecorder {
		sent++
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, signedRequest("/slack/interactions", url.Values{"payload": {payload}}.Encode(), testSecret, clk.Now().Add(time.Duration(sent)*time.Second)))
		if w.Code != http.StatusOK {
			t.Fatalf("status %d", w.Code)
		}
		return w
	}
	click := func(user, action string) string {
		return mustJSON(map[string]any{
			"type": "block_actions", "team": map[string]any{"id": "T1"}, "user": map[string]any{"id": user, "team_id": "T1"},
			"trigger_id": "1.2.t-" + action, "response_url": hook.URL(), "channel": map[string]any{"id": "D9"},
			"actions": []map[string]any{{"action_id": action, "block_id": "coach_draft", "type": "button", "value": code, "action_ts": "1"}},
		})
	}
	submit := func(user, questions string) string {
		return mustJSON(map[string]any{
			"type": "view_submission", "team": map[string]any{"id": "T1"}, "user": map[string]any{"id": user, "team_id": "T1"},
			"view": map[string]any{"id": "V1", "type": "modal", "callback_id": views.CoachCallback, "private_metadata": code,
				"state": map[string]any{"values": map[string]any{views.CoachBlock: map[string]any{views.CoachBlock: map[string]any{"type": "plain_text_input", "value": questions}}}}},
		})
	}

	// The rep cannot open the manager's draft.
	post(click("UREP", views.ActionCoachEdit))
	post(click("UMGR", views.ActionCoachEdit))
	opened := api.OpenedViews()
	opens := len(opened)
	modal := ""
	if opens > 0 {
		modal = string(opened[opens-1])
	}
	if opens != 1 || !strings.Contains(modal, `"callback_id":"coach_edit"`) || !strings.Contains(modal, `"private_metadata":"`+code+`"`) {
		t.Fatalf("views.open %d times, last %s", opens, modal)
	}
	// An empty edit is refused in the modal; the draft is kept.
	if body := post(submit("UMGR", " \n ")).Body.String(); !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, "Écris au moins une question") {
		t.Fatalf("empty edit answered %s", body)
	}
	if th, _ := store.Thread(ctx, "T1", code); th.State != "draft" {
		t.Fatalf("an empty edit changed the draft: %s", th.State)
	}
	if body := post(submit("UMGR", strings.Repeat("x", 301))).Body.String(); !strings.Contains(body, "sous 300 caractères") {
		t.Fatalf("long edit answered %s", body)
	}
	if body := post(submit("UMGR", "Qu'est-ce qui a marché ?\nQue veux-tu essayer ?")).Body.String(); !strings.Contains(body, `"response_action":"clear"`) {
		t.Fatalf("edit answered %s", body)
	}
	last := out.Sent[len(out.Sent)-1]
	if last.Channel != "G-UMGR-UREP" || !strings.Contains(last.Msg.Text, "1. Qu'est-ce qui a marché ?\n2. Que veux-tu essayer ?") {
		t.Fatalf("posted %+v", last)
	}
	// Post after the edit: already decided, nothing posted twice.
	n := len(out.Sent)
	post(click("UMGR", views.ActionCoachPost))
	if len(out.Sent) != n {
		t.Fatal("a second decision posted again")
	}
}
