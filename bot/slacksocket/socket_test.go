package slacksocket

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/respond"
	"github.com/kpibot/kpibot/bot/slackusers"
	"github.com/kpibot/kpibot/bot/views"
)

// serve runs the server on fake until it has n acknowledgements, and
// returns them by envelope ID, with Run's error.
func serve(t *testing.T, fake *testkit.SocketSlack, r *respond.Responder, log *slog.Logger, n int) (map[string]map[string]any, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(socketmode.New(fake.API()), r, log).Run(ctx) }()
	acks := map[string]map[string]any{}
	for range n {
		ack := fake.NextAck(t)
		acks[ack["envelope_id"].(string)] = ack
	}
	cancel()
	return acks, <-done
}

func TestSocketModeAnswersSlashCommandInTheAck(t *testing.T) {
	cmd := `{"envelope_id":"env-1","payload":{"token":"legacy","team_id":"T1","team_domain":"acme","channel_id":"C1","channel_name":"sales","user_id":"U1","user_name":"rep","command":"/log","text":"5 calls 2 demos","api_app_id":"A1","response_url":"https://hooks.slack.invalid/commands/T1/1/x","trigger_id":"111.222.abc"},"type":"slash_commands","accepts_response_payload":true}`
	event := `{"envelope_id":"env-2","payload":{"token":"legacy","team_id":"T1","api_app_id":"A1","event":{"type":"app_home_opened","user":"U1","channel":"D1","tab":"home"},"type":"event_callback","event_id":"Ev1","event_time":1700000000},"type":"events_api","accepts_response_payload":false,"retry_attempt":0,"retry_reason":""}`
	fake := testkit.NewSocketSlack(t, cmd, event)
	fake.UserInfo = `{"ok":true,"user":{"id":"U1","name":"rep","tz":"America/New_York","locale":"en-US"}}`

	store := testkit.MemStore(t)
	api := fake.API()
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Profiles: slackusers.New(api, store, "fr", nil, testkit.Quiet), Now: testkit.NewClock(testkit.Monday10).Now, TZ: testkit.Paris, Lang: "fr"})
	r := respond.New(respond.Config{Handler: h, Logger: testkit.Quiet})
	acks, err := serve(t, fake, r, testkit.Quiet, 2)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	r.Wait()

	if _, ok := acks["env-2"]; !ok {
		t.Error("the events_api envelope was not acknowledged")
	}
	ack, ok := acks["env-1"]
	if !ok {
		t.Fatalf("the slash command was not acknowledged: %v", acks)
	}
	raw, _ := json.Marshal(ack["payload"])
	var msg slack.Msg
	if err := json.Unmarshal(raw, &msg); err != nil {
		t.Fatalf("ack payload is not a message: %s", raw)
	}
	testkit.CheckBlockKitLimits(t, msg)
	// users.info said English and New York, where it is 04:00 on Monday.
	if want := "Logged for today (Mon 23 Nov): 5 calls · 2 demos"; !strings.Contains(views.PlainText(msg), want) {
		t.Fatalf("ack payload lacks %q:\n%s", want, views.PlainText(msg))
	}
	got := testkit.AllCheckIns(t, store, "T1", "U1")
	if len(got) != 1 || got[0].Key != "111.222.abc" || got[0].TZ != "America/New_York" || got[0].Source != "slack-socket" {
		t.Fatalf("stored %+v", got)
	}
}
