package slackhttp

import (
	"bytes"
	"context"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/respond"
	"github.com/kpibot/kpibot/bot/views"
)

// One signed request, replayed with its signature's hex re-cased, was
// accepted twice more. Over HTTP, every spelling stores once.
func TestHTTPRecasedSignatureIsAReplay(t *testing.T) {
	f := newHTTPFixture(t, nil, nil)
	body := testkit.SlashBody("U1", "3 rdv", "trig-1", "http://127.0.0.1:1/unused")
	now := f.clk.Now()
	first := testkit.SignedRequest("/slack/commands", body, testkit.TestSecret, now)
	if w := f.do(first); w.Code != http.StatusOK {
		t.Fatalf("first delivery: %d", w.Code)
	}
	if _, err := f.store.UndoLastCheckIn(context.Background(), "T1", "U1", "2026-11-23", "2026-11-23", now); err != nil {
		t.Fatal(err) // so that only the replay guard can stop a second entry
	}
	sig := first.Header.Get("X-Slack-Signature")[3:]
	for _, variant := range []string{strings.ToUpper(sig), strings.ToUpper(sig[:10]) + sig[10:], sig[:40] + strings.ToUpper(sig[40:])} {
		r := testkit.SignedRequest("/slack/commands", body, testkit.TestSecret, now)
		r.Header.Set("X-Slack-Signature", "v0="+variant)
		if w := f.do(r); w.Code != http.StatusUnauthorized {
			t.Errorf("replay v0=%s: status %d, want 401", variant, w.Code)
		}
	}
	if got := testkit.AllCheckIns(t, f.store, "T1", "U1"); len(got) != 0 {
		t.Fatalf("replays stored %d entries", len(got))
	}
	if _, err := hex.DecodeString(strings.ToUpper(sig)); err != nil {
		t.Fatal("the variant must be a valid signature for the test to mean anything")
	}
}

// A trigger_id already stored for one user, sent by another, answered
// "Logged" with the first user's entry, note and week. Now it is refused
// with nobody's data, and nothing is stored for either.
func TestHTTPAnotherUsersKeyShowsNothing(t *testing.T) {
	f := newHTTPFixture(t, nil, nil)
	if w := f.do(testkit.SignedRequest("/slack/commands", testkit.SlashBody("U1", "7 rdv 2 offres -- Acme veut une remise", "trig-1", "http://127.0.0.1:1/unused"), testkit.TestSecret, f.clk.Now())); w.Code != http.StatusOK {
		t.Fatalf("U1: %d", w.Code)
	}
	w := f.do(testkit.SignedRequest("/slack/commands", testkit.SlashBody("U2", "1 rdv", "trig-1", "http://127.0.0.1:1/unused"), testkit.TestSecret, f.clk.Now().Add(time.Second)))
	if w.Code != http.StatusOK {
		t.Fatalf("U2: %d", w.Code)
	}
	reply := views.PlainText(decodeMsg(t, w))
	for _, leak := range []string{"7 rdv", "Acme", "2 offres", "✅"} {
		if strings.Contains(reply, leak) {
			t.Errorf("U2 was shown %q of U1's entry:\n%s", leak, reply)
		}
	}
	if !strings.Contains(reply, "Rien n'a été enregistré") {
		t.Errorf("U2 was not told nothing was saved:\n%s", reply)
	}
	if got := testkit.AllCheckIns(t, f.store, "T1", "U2"); len(got) != 0 {
		t.Errorf("stored %d entries for U2", len(got))
	}
	if got := testkit.AllCheckIns(t, f.store, "T1", "U1"); len(got) != 1 || got[0].Counts["meetings"] != 7 {
		t.Errorf("U1's entry changed: %+v", got)
	}
}

// Commands and interactions are forms; any other body type was parsed
// anyway. Events are JSON.
func TestHTTPRequiresSlacksMediaTypes(t *testing.T) {
	f := newHTTPFixture(t, nil, nil)
	body := testkit.SlashBody("U1", "3 rdv", "trig-1", "http://127.0.0.1:1/unused")
	for _, tt := range []struct{ path, ct string }{
		{"/slack/commands", "text/plain"},
		{"/slack/commands", "application/json"},
		{"/slack/commands", ""},
		{"/slack/commands", "multipart/form-data; boundary=x"},
		{"/slack/interactions", "application/json"},
		{"/slack/events", "application/x-www-form-urlencoded"},
	} {
		r := testkit.SignedRequest(tt.path, body, testkit.TestSecret, f.clk.Now())
		r.Header.Set("Content-Type", tt.ct)
		if w := f.do(r); w.Code != http.StatusUnsupportedMediaType {
			t.Errorf("%s as %q: %d, want 415", tt.path, tt.ct, w.Code)
		}
	}
	r := testkit.SignedRequest("/slack/commands", body, testkit.TestSecret, f.clk.Now())
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if w := f.do(r); w.Code != http.StatusOK {
		t.Errorf("a form with a charset: %d, want 200", w.Code)
	}
	if got := testkit.AllCheckIns(t, f.store, "T1", "U1"); len(got) != 1 {
		t.Errorf("stored %d entries, want only the form's", len(got))
	}
}

// A command without user_id or team_id keeps its bare 400, and the log
// now says which field was missing.
func TestHTTPLogsTheMissingField(t *testing.T) {
	for _, field := range []string{"user_id", "team_id", "trigger_id"} {
		t.Run(field, func(t *testing.T) {
			var logs bytes.Buffer
			store := testkit.MemStore(t)
			clk := testkit.NewClock(testkit.Monday10)
			r := respond.New(respond.Config{Handler: bottest.NewHandler(t, store, clk.Now, nil), Logger: testkit.Quiet})
			srv := NewHandler(Config{SigningSecret: testkit.TestSecret, Responder: r, Now: clk.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			form, _ := url.ParseQuery(testkit.SlashBody("U1", "3 rdv", "trig-1", ""))
			form.Del(field)
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, testkit.SignedRequest("/slack/commands", form.Encode(), testkit.TestSecret, clk.Now()))
			if w.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", w.Code)
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], "missing="+field) {
				t.Errorf("logged %q, want one line naming %s", logs.String(), field)
			}
		})
	}
}

// A panic while serving one request is logged once, answered, and the
// server goes on serving.
func TestHTTPRecoversAPanic(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	clk := testkit.NewClock(testkit.Monday10)
	r := respond.New(respond.Config{Handler: bottest.Panicky{}, Logger: log})
	srv := NewHandler(Config{SigningSecret: testkit.TestSecret, Responder: r, Now: clk.Now, Logger: log})
	secretURL := "https://hooks.slack.invalid/commands/T1/1/SECRET"

	w := httptest.NewRecorder()
	srv.ServeHTTP(w, testkit.SignedRequest("/slack/commands", testkit.SlashBody("U1", "3 rdv", "trig-1", secretURL), testkit.TestSecret, clk.Now()))
	if w.Code != http.StatusOK || !strings.Contains(views.PlainText(decodeMsg(t, w)), "quelque chose s'est mal passé") {
		t.Errorf("a panicking command answered %d %s", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	payload := url.Values{"payload": {`{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"},"response_url":"` + secretURL + `","actions":[{"action_id":"a"}]}`}}
	srv.ServeHTTP(w, testkit.SignedRequest("/slack/interactions", payload.Encode(), testkit.TestSecret, clk.Now().Add(time.Second)))
	// The interaction runs off the request, so its panic is answered
	// with the empty acknowledgement Slack accepts for a click.
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Errorf("a panicking interaction answered %d %q, want an empty 200", w.Code, w.Body)
	}
	r.Wait()
	if n := strings.Count(logs.String(), "recovered from a panic"); n != 2 {
		t.Errorf("%d panic lines for 2 panics:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "SECRET") {
		t.Errorf("the payload's response_url reached the log:\n%s", logs.String())
	}
}
