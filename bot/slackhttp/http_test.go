package slackhttp

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/respond"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/storage"
)

type httpFixture struct {
	store   *storage.Store
	clk     *testkit.Clock
	handler http.Handler
}

func newHTTPFixture(t testing.TB, store bot.Store, afterFunc func(time.Duration, func()) func() bool) *httpFixture {
	t.Helper()
	mem := testkit.MemStore(t)
	if store == nil {
		store = mem
	}
	clk := testkit.NewClock(testkit.Monday10)
	h := bottest.NewHandler(t, store, clk.Now, nil)
	r := respond.New(respond.Config{Handler: h, AfterFunc: afterFunc, Logger: testkit.Quiet})
	t.Cleanup(r.Wait)
	return &httpFixture{
		store:   mem,
		clk:     clk,
		handler: NewHandler(Config{SigningSecret: testkit.TestSecret, Responder: r, Now: clk.Now, Logger: testkit.Quiet}),
	}
}

func (f *httpFixture) do(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, r)
	return w
}

func decodeMsg(t *testing.T, w *httptest.ResponseRecorder) slack.Msg {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content type %q, want JSON", ct)
	}
	var msg slack.Msg
	if err := json.Unmarshal(w.Body.Bytes(), &msg); err != nil {
		t.Fatalf("reply is not a Slack message: %v\n%s", err, w.Body)
	}
	return msg
}

func TestHTTPLogStoresAndReplies(t *testing.T) {
	f := newHTTPFixture(t, nil, nil)
	w := f.do(testkit.SignedRequest("/slack/commands", testkit.SlashBody("U1", "3 rdv 1 offre", "trig-1", "http://127.0.0.1:1/unused"), testkit.TestSecret, f.clk.Now()))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	msg := decodeMsg(t, w)
	testkit.CheckBlockKitLimits(t, msg)
	if msg.ResponseType != "ephemeral" || !strings.Contains(views.PlainText(msg), "Noté pour aujourd'hui (lun. 23 nov.) : 3 rdv · 1 offre") {
		t.Fatalf("reply: %s", w.Body)
	}
	got := testkit.AllCheckIns(t, f.store, "T1", "U1")
	if len(got) != 1 || got[0].Counts["meetings"] != 3 || got[0].Source != "slack-http" {
		t.Fatalf("stored %+v", got)
	}
}

func TestHTTPSameTriggerTwiceStoresOnce(t *testing.T) {
	f := newHTTPFixture(t, nil, nil)
	body := testkit.SlashBody("U1", "3 rdv", "trig-1", "http://127.0.0.1:1/unused")
	for i := range 2 {
		// A second delivery is signed anew: only the trigger repeats.
		w := f.do(testkit.SignedRequest("/slack/commands", body, testkit.TestSecret, f.clk.Now().Add(time.Duration(i)*time.Second)))
		if w.Code != http.StatusOK {
			t.Fatalf("delivery %d: status %d", i, w.Code)
		}
	}
	if got := testkit.AllCheckIns(t, f.store, "T1", "U1"); len(got) != 1 {
		t.Fatalf("stored %d entries, want 1", len(got))
	}
}

func TestHTTPRefusesUnverifiedRequests(t *testing.T) {
	body := testkit.SlashBody("U1", "3 rdv", "trig-1", "http://127.0.0.1:1/unused")
	tests := []struct {
		name string
		req  func(now time.Time) *http.Request
	}{
		{"forged", func(now time.Time) *http.Request {
			return testkit.SignedRequest("/slack/commands", body, "wrong-secret", now)
		}},
		{"expired", func(now time.Time) *http.Request {
			return testkit.SignedRequest("/slack/commands", body, testkit.TestSecret, now.Add(-6*time.Minute))
		}},
		{"tampered", func(now time.Time) *http.Request {
			r := testkit.SignedRequest("/slack/commands", body, testkit.TestSecret, now)
			r.Body = io.NopCloser(strings.NewReader(strings.Replace(body, "3+rdv", "30+rdv", 1)))
			return r
		}},
		{"unsigned", func(now time.Time) *http.Request {
			r := testkit.SignedRequest("/slack/commands", body, testkit.TestSecret, now)
			r.Header.Del("X-Slack-Signature")
			return r
		}},
		{"events forged", func(now time.Time) *http.Request {
			return testkit.SignedRequest("/slack/events", `{"type":"url_verification","challenge":"c"}`, "wrong", now)
		}},
		{"interactions forged", func(now time.Time) *http.Request {
			return testkit.SignedRequest("/slack/interactions", "payload=%7B%7D", "wrong", now)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newHTTPFixture(t, nil, nil)
			w := f.do(tt.req(f.clk.Now()))
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", w.Code)
			}
			if w.Body.Len() != 0 {
				t.Fatalf("401 carries a body: %q", w.Body)
			}
			if got := testkit.AllCheckIns(t, f.store, "T1", "U1"); len(got) != 0 {
				t.Fatalf("stored %d entries", len(got))
			}
		})
	}
	t.Run("replayed", func(t *testing.T) {
		f := newHTTPFixture(t, nil, nil)
		now := f.clk.Now()
		if w := f.do(testkit.SignedRequest("/slack/commands", body, testkit.TestSecret, now)); w.Code != http.StatusOK {
			t.Fatalf("first delivery: %d", w.Code)
		}
		if _, err := f.store.UndoLastCheckIn(context.Background(), "T1", "U1", "2026-11-23", "2026-11-23", now); err != nil {
			t.Fatal(err)
		}
		f.clk.Set(now.Add(30 * time.Second))
		if w := f.do(testkit.SignedRequest("/slack/commands", body, testkit.TestSecret, now)); w.Code != http.StatusUnauthorized {
			t.Fatalf("replay: status %d, want 401", w.Code)
		}
		if got := testkit.AllCheckIns(t, f.store, "T1", "U1"); len(got) != 0 {
			t.Fatalf("replay stored %d entries", len(got))
		}
	})
}

func TestHTTPMethodAndSize(t *testing.T) {
	f := newHTTPFixture(t, nil, nil)
	if w := f.do(httptest.NewRequest(http.MethodGet, "/slack/commands", nil)); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", w.Code)
	}
	big := testkit.SlashBody("U1", "3 rdv -- "+strings.Repeat("x", MaxBodyBytes), "trig", "")
	if w := f.do(testkit.SignedRequest("/slack/commands", big, testkit.TestSecret, f.clk.Now())); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("big body: %d, want 413", w.Code)
	}
	// Without a Content-Length the limit still holds while reading.
	r := testkit.SignedRequest("/slack/commands", big, testkit.TestSecret, f.clk.Now())
	r.ContentLength = -1
	if w := f.do(r); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("big chunked body: %d, want 413", w.Code)
	}
	if got := testkit.AllCheckIns(t, f.store, "T1", "U1"); len(got) != 0 {
		t.Fatalf("stored %d entries", len(got))
	}
}

func TestHTTPEventsAndInteractions(t *testing.T) {
	f := newHTTPFixture(t, nil, nil)
	challenge := `{"token":"legacy","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`
	w := f.do(testkit.SignedRequest("/slack/events", challenge, testkit.TestSecret, f.clk.Now()))
	if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != `{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}` {
		t.Fatalf("url_verification: %d %s", w.Code, w.Body)
	}
	event := `{"token":"legacy","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"Ev1","event_time":1700000000,"event":{"type":"app_home_opened","user":"U1","channel":"D1","tab":"home"}}`
	if w := f.do(testkit.SignedRequest("/slack/events", event, testkit.TestSecret, f.clk.Now())); w.Code != http.StatusOK {
		t.Fatalf("event_callback: %d", w.Code)
	}
	payload := `{"type":"block_actions","team":{"id":"T1","domain":"acme"},"user":{"id":"U1"},"api_app_id":"A1","trigger_id":"t","actions":[{"action_id":"a","block_id":"b","type":"button","value":"v","action_ts":"1"}]}`
	if w := f.do(testkit.SignedRequest("/slack/interactions", url.Values{"payload": {payload}}.Encode(), testkit.TestSecret, f.clk.Now())); w.Code != http.StatusOK {
		t.Fatalf("interaction: %d", w.Code)
	}
	if w := f.do(testkit.SignedRequest("/slack/events", "not json", testkit.TestSecret, f.clk.Now())); w.Code != http.StatusBadRequest {
		t.Fatalf("bad event: %d, want 400", w.Code)
	}
}

// The Slack listener serves Slack's request URLs only: health and
// metrics are on the admin listener, which need not be reachable from
// Slack.
func TestOnlySlackURLs(t *testing.T) {
	f := newHTTPFixture(t, nil, nil)
	for _, path := range []string{"/metrics", "/healthz", "/readyz", "/"} {
		if w := f.do(httptest.NewRequest(http.MethodGet, path, nil)); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, w.Code)
		}
	}
}

// slowStore holds every write until released, like a database that takes
// longer than Slack's deadline.
type slowStore struct {
	*storage.Store
	entered chan struct{}
	release chan struct{}
}

func (s slowStore) SaveCheckIn(ctx context.Context, c storage.CheckIn, weekStart string, dayCap int) (storage.CheckIn, bool, storage.Week, error) {
	close(s.entered)
	<-s.release
	return s.Store.SaveCheckIn(ctx, c, weekStart, dayCap)
}

func TestHTTPSlowStorageAnswersThroughResponseURL(t *testing.T) {
	late := make(chan *slack.WebhookMessage, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m slack.WebhookMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			t.Error(err)
		}
		late <- &m
	}))
	defer hook.Close()

	mem := testkit.MemStore(t)
	slow := slowStore{Store: mem, entered: make(chan struct{}), release: make(chan struct{})}
	deadline := make(chan func(), 1)
	f := newHTTPFixture(t, slow, func(_ time.Duration, fire func()) func() bool {
		deadline <- fire
		return func() bool { return false }
	})

	w := httptest.NewRecorder()
	served := make(chan struct{})
	go func() {
		defer close(served)
		f.handler.ServeHTTP(w, testkit.SignedRequest("/slack/commands", testkit.SlashBody("U1", "2 démos", "trig-1", hook.URL+"/commands/T1/1/x"), testkit.TestSecret, f.clk.Now()))
	}()
	<-slow.entered
	(<-deadline)() // the acknowledgement deadline passes while storage is busy
	// The handler returns once it has acknowledged, while storage still
	// holds the write: the connection is free for the next request.
	<-served
	if got := views.PlainText(decodeMsg(t, w)); got != "⏳ Enregistrement…" {
		t.Fatalf("acknowledgement %q, want saving…", got)
	}
	if w.Header().Get("Content-Length") == "" {
		t.Error("the early acknowledgement has no length, so Slack would wait for the end of the command")
	}
	close(slow.release)
	m := <-late
	if m.ResponseType != "ephemeral" || !m.ReplaceOriginal || !strings.Contains(m.Text, "2 démos") {
		t.Fatalf("late reply %+v", m)
	}
	if got := testkit.AllCheckIns(t, mem, "T1", "U1"); len(got) != 1 {
		t.Fatalf("stored %d entries, want 1", len(got))
	}
}

func TestHTTPAnswerInTimeStopsTheDeadline(t *testing.T) {
	stopped := false
	f := newHTTPFixture(t, nil, func(_ time.Duration, fire func()) func() bool {
		return func() bool { stopped = true; return true }
	})
	w := f.do(testkit.SignedRequest("/slack/commands", testkit.SlashBody("U1", "1 rdv", "trig-1", "http://127.0.0.1:1/unused"), testkit.TestSecret, f.clk.Now()))
	if !stopped || !strings.Contains(views.PlainText(decodeMsg(t, w)), "1 rdv") {
		t.Fatalf("stopped=%v reply=%s", stopped, w.Body)
	}
}
