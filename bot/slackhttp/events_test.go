package slackhttp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/respond"
)

// Events are decoded with slackevents and reach the bot once: Slack's
// redeliveries (X-Slack-Retry-Num) are acknowledged and do nothing more.
func TestHTTPEventsReachTheBotOnce(t *testing.T) {
	store := testkit.MemStore(t)
	clk := testkit.NewClock(testkit.Monday10)
	l := &bottest.Listener{}
	h := bot.NewHandler(bot.HandlerConfig{Store: store, ProfileListener: l, Now: clk.Now, TZ: testkit.Paris, Logger: testkit.Quiet})
	r := respond.New(respond.Config{Handler: h, Logger: testkit.Quiet})
	web := NewHandler(Config{SigningSecret: testkit.TestSecret, Responder: r, Now: clk.Now, Logger: testkit.Quiet})
	send := func(body string, retry int) int {
		req := testkit.SignedRequest("/slack/events", body, testkit.TestSecret, clk.Now())
		if retry > 0 {
			req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(retry))
			req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
		}
		w := httptest.NewRecorder()
		web.ServeHTTP(w, req)
		return w.Code
	}

	change := `{"token":"legacy","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"EvUC1","event_time":1700000000,"event":{"type":"user_change","user":{"id":"UALICE","team_id":"T1","tz":"Asia/Tokyo","locale":"en-US","profile":{"status_text":"En congés","status_emoji":":palm_tree:","status_expiration":1764892800}},"cache_ts":1700000000,"event_ts":"1700000000.000100"}}`
	for retry := range 3 {
		if code := send(change, retry); code != http.StatusOK {
			t.Fatalf("user_change, retry %d: %d", retry, code)
		}
		r.Wait()
		// Slack signs each delivery anew; the verifier refuses a replay.
		clk.Set(clk.Now().Add(time.Second))
	}
	heard := l.Heard()
	if len(heard) != 1 {
		t.Fatalf("a user_change delivered 3 times was handled %d times", len(heard))
	}
	if got := heard[0].Change; got.TZ != "Asia/Tokyo" || got.Locale != "en-US" || got.StatusEmoji != ":palm_tree:" || got.StatusText != "En congés" || got.StatusExpires.Unix() != 1764892800 {
		t.Errorf("decoded %+v", got)
	}

	// An org's workspace uninstalls the app.
	uninstalled := `{"token":"legacy","team_id":"T2","enterprise_id":"E1","api_app_id":"A1","event":{"type":"app_uninstalled","event_ts":"1614847360.124850"},"type":"event_callback","event_id":"EvU1","event_time":1614847360}`
	if code := send(uninstalled, 0); code != http.StatusOK {
		t.Fatalf("app_uninstalled: %d", code)
	}
	r.Wait()
	if in, err := store.Installation(context.Background(), "T2"); err != nil || in.Active() {
		t.Fatalf("after app_uninstalled over HTTP: %+v, %v", in, err)
	}

	// An event the app does not subscribe to is acknowledged all the same.
	unknown := `{"token":"legacy","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"EvX","event_time":1700000000,"event":{"type":"no_such_event"}}`
	if code := send(unknown, 0); code != http.StatusOK {
		t.Fatalf("unknown event: %d", code)
	}
}
