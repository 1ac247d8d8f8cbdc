package slacksocket

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/respond"
)

// A view_submission for coach_edit with no view.state dereferenced nil,
// and over Socket Mode nothing recovered it: the process exited. Now the
// submission is refused in the modal, any other panic is recovered per
// envelope, and the next envelope is still served.
func TestSocketModeSurvivesABadEnvelope(t *testing.T) {
	coachEdit := `{"envelope_id":"env-1","type":"interactive","accepts_response_payload":true,"payload":{"type":"view_submission","team":{"id":"T1"},"user":{"id":"U1"},"view":{"id":"V1","callback_id":"coach_edit","private_metadata":"abcde"}}}`
	cmd := `{"envelope_id":"env-2","payload":{"team_id":"T1","channel_id":"C1","user_id":"U1","user_name":"rep","command":"/log","text":"5 calls","response_url":"https://hooks.slack.invalid/x","trigger_id":"111.222.abc"},"type":"slash_commands","accepts_response_payload":true}`
	fake := testkit.NewSocketSlack(t, coachEdit, cmd)
	store := testkit.MemStore(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: testkit.NewClock(testkit.Monday10).Now, TZ: testkit.Paris, Lang: "fr", Logger: testkit.Quiet})
	r := respond.New(respond.Config{Handler: h, Logger: testkit.Quiet})
	acks, err := serve(t, fake, r, testkit.Quiet, 2)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	r.Wait()
	if p, _ := acks["env-1"]["payload"].(map[string]any); p["response_action"] != "errors" {
		t.Errorf("coach_edit without state was acked with %v, want the modal's errors", acks["env-1"])
	}
	if len(testkit.AllCheckIns(t, store, "T1", "U1")) != 1 {
		t.Error("the envelope after the bad one was not served")
	}
}

func TestSocketModeRecoversAPanic(t *testing.T) {
	click := `{"envelope_id":"env-1","type":"interactive","accepts_response_payload":true,"payload":{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"},"actions":[{"action_id":"a"}]}}`
	cmd := `{"envelope_id":"env-2","payload":{"team_id":"T1","user_id":"U1","command":"/log","text":"5 calls","trigger_id":"t2"},"type":"slash_commands","accepts_response_payload":true}`
	fake := testkit.NewSocketSlack(t, click, cmd)
	var logs testkit.SyncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	r := respond.New(respond.Config{Handler: bottest.Panicky{}, Logger: log})
	acks, err := serve(t, fake, r, log, 2)
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	r.Wait()
	if _, ok := acks["env-1"]; !ok {
		t.Error("the panicking interaction was not acknowledged")
	}
	raw, _ := acks["env-2"]["payload"].(map[string]any)
	if text, _ := raw["text"].(string); !strings.Contains(text, "quelque chose s'est mal passé") {
		t.Errorf("the panicking command was acked with %v", acks["env-2"])
	}
	if n := strings.Count(logs.String(), "recovered from a panic"); n != 2 {
		t.Errorf("%d panic lines for 2 panics:\n%s", n, logs.String())
	}
}
