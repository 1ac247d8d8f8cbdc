package slacksocket

import (
	"context"
	"testing"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/respond"
)

// Over Socket Mode too, events are decoded with slackevents, every
// envelope is acknowledged, and a redelivery (retry_attempt) does
// nothing more.
func TestSocketModeEventsReachTheBotOnce(t *testing.T) {
	change := func(env string, retry string) string {
		return `{"envelope_id":"` + env + `","payload":{"token":"legacy","team_id":"T1","api_app_id":"A1","event":{"type":"user_change","user":{"id":"UALICE","tz":"Asia/Tokyo","locale":"fr-FR","profile":{"status_emoji":":airplane:"}},"event_ts":"1700000000.000100"},"type":"event_callback","event_id":"EvUC1","event_time":1700000000},"type":"events_api","accepts_response_payload":false,"retry_attempt":` + retry + `,"retry_reason":"timeout"}`
	}
	revoked := `{"envelope_id":"env-r","payload":{"token":"legacy","team_id":"T1","api_app_id":"A1","event":{"type":"tokens_revoked","tokens":{"oauth":[],"bot":["UBOT"]},"event_ts":"1614847360.131900"},"type":"event_callback","event_id":"EvTR","event_time":1614847360},"type":"events_api","accepts_response_payload":false,"retry_attempt":0,"retry_reason":""}`
	fake := testkit.NewSocketSlack(t, change("env-1", "0"), change("env-2", "1"), change("env-3", "2"), revoked)
	store := testkit.MemStore(t)
	l := &bottest.Listener{}
	h := bot.NewHandler(bot.HandlerConfig{Store: store, ProfileListener: l, Now: testkit.NewClock(testkit.Monday10).Now, TZ: testkit.Paris, Logger: testkit.Quiet})
	r := respond.New(respond.Config{Handler: h, Logger: testkit.Quiet})
	acks, err := serve(t, fake, r, testkit.Quiet, 4)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	r.Wait()
	for _, env := range []string{"env-1", "env-2", "env-3", "env-r"} {
		if _, ok := acks[env]; !ok {
			t.Errorf("%s not acknowledged", env)
		}
	}
	if got := l.Heard(); len(got) != 1 || got[0].Workspace != "T1" || got[0].User != "UALICE" || got[0].Change.StatusEmoji != ":airplane:" {
		t.Errorf("a user_change delivered 3 times was heard as %+v", got)
	}
	if in, err := store.Installation(context.Background(), "T1"); err != nil || in.Active() {
		t.Errorf("after tokens_revoked: %+v, %v", in, err)
	}
}
