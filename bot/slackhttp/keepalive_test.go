package slackhttp

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync"
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

// heldStore holds every check-in write until released: a database slower
// than Slack's deadline, for as many writes as come.
type heldStore struct {
	*storage.Store
	entered chan struct{}
	release chan struct{}
}

func newHeldStore(t *testing.T) heldStore {
	return heldStore{Store: testkit.MemStore(t), entered: make(chan struct{}, 64), release: make(chan struct{})}
}

func (s heldStore) SaveCheckIn(ctx context.Context, c storage.CheckIn, weekStart string, dayCap int) (storage.CheckIn, bool, storage.Week, error) {
	s.entered <- struct{}{}
	<-s.release
	return s.Store.SaveCheckIn(ctx, c, weekStart, dayCap)
}

// hook is a response_url endpoint that collects the late answers.
type hook struct {
	srv  *httptest.Server
	mu   sync.Mutex
	msgs []slack.WebhookMessage
	got  chan struct{}
}

func newHook(t *testing.T) *hook {
	h := &hook{got: make(chan struct{}, 64)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m slack.WebhookMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			t.Error(err)
		}
		h.mu.Lock()
		h.msgs = append(h.msgs, m)
		h.mu.Unlock()
		h.got <- struct{}{}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) wait(t *testing.T, n int) []slack.WebhookMessage {
	t.Helper()
	for range n {
		select {
		case <-h.got:
		case <-time.After(10 * time.Second):
			t.Fatalf("late answer missing")
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]slack.WebhookMessage(nil), h.msgs...)
}

// keepAliveRig serves the real handler on loopback, with a responder whose
// deadline is short enough to pass while the store holds writes.
func keepAliveRig(t *testing.T, store bot.Store, maxBackground int) (*httptest.Server, *respond.Responder) {
	t.Helper()
	clk := testkit.NewClock(testkit.Monday10)
	h := bottest.NewHandler(t, store, clk.Now, nil)
	r := respond.New(respond.Config{Handler: h, AckWithin: 150 * time.Millisecond, MaxBackground: maxBackground, Logger: testkit.Quiet})
	srv := httptest.NewServer(NewHandler(Config{SigningSecret: testkit.TestSecret, Responder: r, Now: clk.Now, Logger: testkit.Quiet}))
	t.Cleanup(srv.Close)
	return srv, r
}

// post sends a signed /log over client and returns the answer's text, how
// long it took, and whether the connection was a reused one.
func post(t *testing.T, client *http.Client, srv *httptest.Server, user, text, trigger, responseURL string) (string, time.Duration, bool) {
	t.Helper()
	req := testkit.SignedRequest("/slack/commands", testkit.SlashBody(user, text, trigger, responseURL), testkit.TestSecret, testkit.Monday10)
	req.RequestURI = ""
	u := *req.URL
	u.Scheme, u.Host = "http", srv.Listener.Addr().String()
	req.URL = &u
	reused := false
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}))
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	took := time.Since(start)
	var m slack.Msg
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("answer %d %q is not a message", resp.StatusCode, body)
	}
	return views.PlainText(m), took, reused
}

// The early "saving…" did not free the connection: the handler went on
// until the work was done, so the next request on a kept-alive connection
// waited behind it, past Slack's 3 seconds. Two requests back to back on
// one connection, with a store slower than the deadline: both are
// answered within the deadline, and both confirmations follow through
// response_url.
func TestSavingFreesTheKeptAliveConnection(t *testing.T) {
	store := newHeldStore(t)
	srv, r := keepAliveRig(t, store, 0)
	hook := newHook(t)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections()

	first, tookFirst, _ := post(t, client, srv, "U1", "3 rdv", "trig-1", hook.srv.URL+"/1")
	second, tookSecond, reused := post(t, client, srv, "U2", "2 démos", "trig-2", hook.srv.URL+"/2")
	for _, got := range []string{first, second} {
		if got != "⏳ Enregistrement…" {
			t.Fatalf("acknowledgement %q, want saving…", got)
		}
	}
	if !reused {
		t.Error("the second request did not reuse the connection: the test proves nothing")
	}
	// The deadline is 150 ms; a second is the margin for a loaded machine.
	for i, took := range []time.Duration{tookFirst, tookSecond} {
		if took > time.Second {
			t.Errorf("request %d answered after %v, deadline 150ms", i+1, took)
		}
	}
	if len(store.entered) != 2 {
		t.Fatalf("%d writes under way, want both", len(store.entered))
	}
	close(store.release)
	msgs := hook.wait(t, 2)
	r.Wait()
	texts := msgs[0].Text + " | " + msgs[1].Text
	if !strings.Contains(texts, "3 rdv") || !strings.Contains(texts, "2 démos") || !msgs[0].ReplaceOriginal {
		t.Fatalf("late answers %q", texts)
	}
	for _, u := range []string{"U1", "U2"} {
		if got := testkit.AllCheckIns(t, store.Store, "T1", u); len(got) != 1 {
			t.Errorf("%s: stored %d entries, want 1", u, len(got))
		}
	}
}

// Past MaxBackground commands at work, the next is answered "busy" at
// once, and nothing of it is stored.
func TestBusyIsAnsweredAtOnce(t *testing.T) {
	store := newHeldStore(t)
	srv, r := keepAliveRig(t, store, 1)
	hook := newHook(t)
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()

	if got, _, _ := post(t, client, srv, "U1", "3 rdv", "trig-1", hook.srv.URL+"/1"); got != "⏳ Enregistrement…" {
		t.Fatalf("first: %q", got)
	}
	got, took, _ := post(t, client, srv, "U2", "2 démos", "trig-2", hook.srv.URL+"/2")
	if !strings.Contains(got, "très sollicité") || !strings.Contains(got, "rien enregistré") {
		t.Fatalf("second, past the bound: %q", got)
	}
	if took > time.Second {
		t.Errorf("busy took %v", took)
	}
	close(store.release)
	hook.wait(t, 1)
	r.Wait()
	if got := testkit.AllCheckIns(t, store.Store, "T1", "U2"); len(got) != 0 {
		t.Errorf("the refused command stored %d entries", len(got))
	}
	if got := testkit.AllCheckIns(t, store.Store, "T1", "U1"); len(got) != 1 {
		t.Errorf("the first command stored %d entries", len(got))
	}
}

// Graceful shutdown: the server stops accepting, and Wait returns only
// once every acknowledged command has had its final answer.
func TestShutdownWaitsForAnswers(t *testing.T) {
	store := newHeldStore(t)
	srv, r := keepAliveRig(t, store, 0)
	hook := newHook(t)
	client := &http.Client{Timeout: 10 * time.Second}
	if got, _, _ := post(t, client, srv, "U1", "3 rdv", "trig-1", hook.srv.URL+"/1"); got != "⏳ Enregistrement…" {
		t.Fatalf("acknowledgement %q", got)
	}
	client.CloseIdleConnections()
	srv.Close() // returns at once: no handler is running
	waited := make(chan struct{})
	go func() { r.Wait(); close(waited) }()
	select {
	case <-waited:
		t.Fatal("Wait returned while a command was still at work")
	default:
	}
	close(store.release)
	msgs := hook.wait(t, 1)
	<-waited
	if !strings.Contains(msgs[0].Text, "3 rdv") {
		t.Fatalf("final answer %q", msgs[0].Text)
	}
}
