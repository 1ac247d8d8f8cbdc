package testkit

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
)

// SocketSlack speaks just enough of Slack for Socket Mode: apps.connections.open
// hands out a WebSocket URL, the socket sends hello and then the envelopes
// given, and every frame the bot sends back lands in acks.
type SocketSlack struct {
	t         *testing.T
	server    *httptest.Server
	envelopes []string
	acks      chan map[string]any
	// UserInfo is the users.info answer; empty answers 503. Set it
	// while no call is under way.
	UserInfo string
}

// NewSocketSlack starts the fake; the socket sends envelopes after hello.
func NewSocketSlack(t *testing.T, envelopes ...string) *SocketSlack {
	f := &SocketSlack{t: t, envelopes: envelopes, acks: make(chan map[string]any, 16)}
	upgrader := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	mux := http.NewServeMux()
	mux.HandleFunc("/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer xapp-test" {
			t.Errorf("apps.connections.open authorised with %q, want the app token", got)
		}
		writeJSON(w, map[string]any{"ok": true, "url": "ws://" + r.Host + "/link"})
	})
	mux.HandleFunc("/users.info", func(w http.ResponseWriter, r *http.Request) {
		if f.UserInfo == "" {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(f.UserInfo))
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

// API returns a client of the fake with an app-level token.
func (f *SocketSlack) API() *slack.Client {
	return slack.New("xoxb-test", slack.OptionAPIURL(f.server.URL+"/"), slack.OptionAppLevelToken("xapp-test"))
}

// NextAck waits for the next frame the bot sends back.
func (f *SocketSlack) NextAck(t *testing.T) map[string]any {
	t.Helper()
	select {
	case ack := <-f.acks:
		return ack
	case <-time.After(10 * time.Second):
		t.Fatal("no acknowledgement from the bot")
		return nil
	}
}
