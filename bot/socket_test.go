package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/kpibot/kpibot/bot/views"
)

// fakeSlack speaks just enough of Slack for Socket Mode: apps.connections.open
// hands out a WebSocket URL, the socket sends hello and then the envelopes
// given, and every frame the bot sends back lands in acks.
type fakeSlack struct {
	t         *testing.T
	server    *httptest.Server
	envelopes []string
	acks      chan map[string]any
	userInfo  string
}

func newFakeSlack(t *testing.T, envelopes ...string) *fakeSlack {
	f := &fakeSlack{t: t, envelopes: envelopes, acks: make(chan map[string]any, 16)}
	upgrader := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	mux := http.NewServeMux()
	mux.HandleFunc("/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer xapp-test" {
			t.Errorf("apps.connections.open authorised with %q, want the app token", got)
		}
		writeJSON(w, map[string]any{"ok": true, "url": "ws://" + r.Host + "/link"})
	})
	mux.HandleFunc("/users.info", func(w http.ResponseWriter, r *http.Request) {
		if f.userInfo == "" {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(f.userInfo))
	})
	mux.HandleFunc("/link", func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		hello := `{"type":"hello","num_connections":1,"debug_info":{"host":"applink-test","build_number":1,"approximate_connection_time":18060},"connection_info":{"app_id":"A1"}}`
		if err := conn.WriteMessage(websocket.TextMessage, []byte(hello)); err != nil {
			return
		}
		for _, env := range f.envelopes {
			if err := conn.WriteMessage(websocket.TextMessage, []byte(env)); err != nil {
				return
			}
		}
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var ack map[string]any
			if err := json.Unmarshal(data, &ack); err != nil {
				t.Errorf("bot sent a frame that is not JSON: %s", data)
				return
			}
			f.acks <- ack
		}
	})
	f.server = httptest.NewServer(mux)
	t.Cleanup(f.server.Close)
	return f
}

func (f *fakeSlack) api() *slack.Client {
	return slack.New("xoxb-test", slack.OptionAPIURL(f.server.URL+"/"), slack.OptionAppLevelToken("xapp-test"))
}

func (f *fakeSlack) nextAck(t *testing.T) map[string]any {
	t.Helper()
	select {
	case ack := <-f.acks:
		return ack
	case <-time.After(10 * time.Second):
		t.Fatal("no acknowledgement from the bot")
		return nil
	}
}

func TestSocketModeAnswersSlashCommandInTheAck(t *testing.T) {
	cmd := `{"envelope_id":"env-1","payload":{"token":"legacy","team_id":"T1","team_domain":"acme","channel_id":"C1","channel_name":"sales","user_id":"U1","user_name":"rep","command":"/log","text":"5 calls 2 demos","api_app_id":"A1","response_url":"https://hooks.slack.invalid/commands/T1/1/x","trigger_id":"111.222.abc"},"type":"slash_commands","accepts_response_payload":true}`
	event := `{"envelope_id":"env-2","payload":{"token":"legacy","team_id":"T1","api_app_id":"A1","event":{"type":"app_home_opened","user":"U1","channel":"D1","tab":"home"},"type":"event_callback","event_id":"Ev1","event_time":1700000000},"type":"events_api","accepts_response_payload":false,"retry_attempt":0,"retry_reason":""}`
	fake := newFakeSlack(t, cmd, event)
	fake.userInfo = `{"ok":true,"user":{"id":"U1","name":"rep","tz":"America/New_York","locale":"en-US"}}`

	store := memStore(t)
	api := fake.api()
	h := NewHandler(HandlerConfig{Store: store, Profiles: NewSlackProfiles(api, "fr", nil, quiet), Now: newClock(monday10).Now, TZ: paris, Lang: "fr"})
	r := NewResponder(ResponderConfig{Handler: h, Logger: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- NewSocketMode(socketmode.New(api), r, quiet).Run(ctx) }()

	acks := map[string]map[string]any{}
	for range 2 {
		ack := fake.nextAck(t)
		acks[ack["envelope_id"].(string)] = ack
	}
	cancel()
	if err := <-done; err != nil {
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
	checkBlockKitLimits(t, msg)
	// users.info said English and New York, where it is 04:00 on Monday.
	if want := "Logged for today (Mon 23 Nov): 5 calls · 2 demos"; !strings.Contains(views.PlainText(msg), want) {
		t.Fatalf("ack payload lacks %q:\n%s", want, views.PlainText(msg))
	}
	got := allCheckIns(t, store, "T1", "U1")
	if len(got) != 1 || got[0].Key != "111.222.abc" || got[0].TZ != "America/New_York" || got[0].Source != "slack-socket" {
		t.Fatalf("stored %+v", got)
	}
}
