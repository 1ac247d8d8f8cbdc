package bot

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/kpibot/kpibot/bot/deliver"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// digestRig is a manager and a rep with ten days logged, served through a
// Deliverer to the fake Slack: what /kpi ritual run digest goes through.
func digestRig(t *testing.T) (*testkit.FakeWebAPI, *Handler, *storage.Store) {
	t.Helper()
	fake := testkit.NewFakeWebAPI(t)
	clk := newStepClock(monday0930)
	fake.SetClock(clk.Now)
	d := deliver.New(deliver.Config{API: fake.API(t), Clock: clk, Logger: quiet})
	store := memStore(t)
	h := NewHandler(HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: d, Logger: quiet})
	ctx := context.Background()
	if _, err := store.MakeManager(ctx, "T1", "UMAUD"); err != nil {
		t.Fatal(err)
	}
	if _, err := store.AddRep(ctx, "T1", "UMAUD", "UALICE"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 10; i++ {
		day := monday0930.AddDate(0, 0, -i).Format(time.DateOnly)
		if _, err := h.Handle(ctx, Command{Workspace: "T1", User: "UALICE", Name: "/log", Text: day + " 20 appels 3 leads 2 rdv 1 offre", Key: day}); err != nil {
			t.Fatal(err)
		}
	}
	return fake, h, store
}

// Slack stored a manual digest but its answer was lost: the manager was
// told the numbers could not be read, and trying again posted a second
// digest. Now the deliverer reads the DM back before answering, the reply
// tells the truth, and a rerun of the same week says so and posts nothing.
func TestManualDigestRunTellsTheTruthWhenTheAnswerIsLost(t *testing.T) {
	for _, tt := range []struct {
		name      string
		fault     testkit.Fault
		landed    bool
		wantFirst string
	}{
		{"posted, connection dropped", testkit.Fault{Drop: true, Record: true}, true, "1 message(s) envoyé(s)"},
		{"posted, then a 500", testkit.Fault{Status: 500, Record: true}, true, "1 message(s) envoyé(s)"},
		{"not posted, connection dropped", testkit.Fault{Drop: true}, false, "Non envoyé, rien n'a été posté : Slack n'a pas répondu"},
		{"refused by Slack", testkit.Fault{}, false, "Slack a refusé le message (channel_not_found)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake, h, _ := digestRig(t)
			ctx := context.Background()
			fake.SetFaults(func(c testkit.Call) testkit.Fault {
				if c.Method == "chat.postMessage" && c.MethodN == 1 {
					return tt.fault
				}
				return testkit.Fault{}
			})
			if tt.name == "refused by Slack" {
				fake.Refuse("chat.postMessage", 1, "channel_not_found")
			}
			run := Command{Workspace: "T1", User: "UMAUD", Name: "/kpi", Text: "ritual run digest", Key: "k1"}
			msg, err := h.Handle(ctx, run)
			if err != nil {
				t.Fatal(err)
			}
			first := views.PlainText(msg)
			if !strings.Contains(first, tt.wantFirst) {
				t.Fatalf("first run answered:\n%s\nwant %q", first, tt.wantFirst)
			}
			if strings.Contains(first, "lire les chiffres") {
				t.Errorf("the failure blames the numbers, not Slack:\n%s", first)
			}
			if got, want := fake.CountOccurrence("T1/UMAUD/digest/manual-week-2026-11-30"), map[bool]int{true: 1, false: 0}[tt.landed]; got != want {
				t.Fatalf("%d digests in Slack after the first run, want %d", got, want)
			}

			run.Key = "k2"
			msg, err = h.Handle(ctx, run)
			if err != nil {
				t.Fatal(err)
			}
			second := views.PlainText(msg)
			if tt.landed && !strings.Contains(second, "déjà envoyé pour cette période") {
				t.Errorf("rerun of a posted digest answered:\n%s", second)
			}
			if !tt.landed && !strings.Contains(second, "1 message(s) envoyé(s)") {
				t.Errorf("rerun of a digest that was not posted answered:\n%s", second)
			}
			if got := fake.CountOccurrence("T1/UMAUD/digest/manual-week-2026-11-30"); got != 1 {
				t.Fatalf("%d digests in Slack after the rerun, want exactly 1", got)
			}
		})
	}
}

// A manager of team B could /kpi team add a rep of team A, and then read
// her week, objectives and coaching history; nobody was told. Now only an
// admin moves a rep, and the rep and both managers are told.
func TestAManagerCannotTakeAnotherTeamsRep(t *testing.T) {
	store := memStore(t)
	out := &recordingOutbox{t: t}
	h := NewHandler(HandlerConfig{Store: store, Now: newClock(monday10).Now, TZ: paris, Lang: prompts.French, Outbox: out, Logger: quiet})
	ctx := context.Background()
	kpiAs := func(user, text string) string {
		t.Helper()
		msg, err := h.Handle(ctx, Command{Workspace: "T1", User: user, Name: "/kpi", Text: text, Key: user + text})
		if err != nil {
			t.Fatalf("%s: /kpi %s: %v", user, text, err)
		}
		return views.PlainText(msg)
	}
	teamOf := func(user string) string {
		t.Helper()
		team, err := store.TeamOf(ctx, "T1", user)
		if err != nil {
			t.Fatal(err)
		}
		return team.Manager
	}
	kpiAs("UADMIN", "team manager <@UA>") // the first user is the admin
	kpiAs("UADMIN", "team manager <@UB>")
	kpiAs("UA", "team add <@UJULIE>")
	if _, err := h.Handle(ctx, Command{Workspace: "T1", User: "UJULIE", Name: "/log", Text: "3 rdv 1 offre", Key: "j1"}); err != nil {
		t.Fatal(err)
	}

	if got := kpiAs("UB", "team add <@UJULIE>"); !strings.Contains(got, "fait déjà partie d'une autre équipe") || strings.Contains(got, "rdv") {
		t.Errorf("manager B adding A's rep was answered:\n%s", got)
	}
	if teamOf("UJULIE") != "UA" {
		t.Fatal("a refused add moved the rep")
	}
	if got := kpiAs("UB", "me <@UJULIE>"); !strings.Contains(got, "🔒") || strings.Contains(got, "rdv") {
		t.Errorf("manager B reads A's rep:\n%s", got)
	}
	if got := kpiAs("UB", "team add <@UA>"); !strings.Contains(got, "est manager") {
		t.Errorf("manager B adding manager A as a rep was answered:\n%s", got)
	}
	if got := kpiAs("UJULIE", "team move <@UJULIE> <@UB>"); !strings.Contains(got, "🔒") {
		t.Errorf("a rep moved herself:\n%s", got)
	}
	if got := kpiAs("UA", "team move <@UJULIE> <@UB>"); !strings.Contains(got, "🔒") {
		t.Errorf("a manager who is not admin moved a rep:\n%s", got)
	}
	if len(out.sent) != 0 {
		t.Fatalf("refusals sent %d DMs", len(out.sent))
	}

	got := kpiAs("UADMIN", "team move <@UJULIE> <@UB>")
	if !strings.Contains(got, "passe de l'équipe de <@UA> à celle de <@UB>") {
		t.Errorf("admin move answered:\n%s", got)
	}
	if teamOf("UJULIE") != "UB" {
		t.Fatal("the admin's move did not move the rep")
	}
	told := map[string]string{}
	for _, m := range out.sent {
		told[m.channel] = views.PlainText(m.msg)
	}
	for user, want := range map[string]string{
		"UJULIE": "t'a fait passer de l'équipe de <@UA> à celle de <@UB>",
		"UA":     "de ton équipe à celle de <@UB>",
		"UB":     "de l'équipe de <@UA> à la tienne",
	} {
		if !strings.Contains(told[user], want) {
			t.Errorf("%s was told %q, want %q", user, told[user], want)
		}
	}
	if len(out.sent) != 3 {
		t.Errorf("%d DMs for one move, want 3", len(out.sent))
	}
}

// One signed request, replayed with its signature's hex re-cased, was
// accepted twice more. Over HTTP, every spelling stores once.
func TestHTTPRecasedSignatureIsAReplay(t *testing.T) {
	f := newHTTPFixture(t, nil, nil)
	body := slashBody("U1", "3 rdv", "trig-1", "http://127.0.0.1:1/unused")
	now := f.clk.Now()
	first := signedRequest("/slack/commands", body, testSecret, now)
	if w := f.do(first); w.Code != http.StatusOK {
		t.Fatalf("first delivery: %d", w.Code)
	}
	if _, err := f.store.UndoLastCheckIn(context.Background(), "T1", "U1", "2026-11-23", "2026-11-23", now); err != nil {
		t.Fatal(err) // so that only the replay guard can stop a second entry
	}
	sig := first.Header.Get("X-Slack-Signature")[3:]
	for _, variant := range []string{strings.ToUpper(sig), strings.ToUpper(sig[:10]) + sig[10:], sig[:40] + strings.ToUpper(sig[40:])} {
		r := signedRequest("/slack/commands", body, testSecret, now)
		r.Header.Set("X-Slack-Signature", "v0="+variant)
		if w := f.do(r); w.Code != http.StatusUnauthorized {
			t.Errorf("replay v0=%s: status %d, want 401", variant, w.Code)
		}
	}
	if got := allCheckIns(t, f.store, "T1", "U1"); len(got) != 0 {
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
	if w := f.do(signedRequest("/slack/commands", slashBody("U1", "7 rdv 2 offres -- Acme veut une remise", "trig-1", "http://127.0.0.1:1/unused"), testSecret, f.clk.Now())); w.Code != http.StatusOK {
		t.Fatalf("U1: %d", w.Code)
	}
	w := f.do(signedRequest("/slack/commands", slashBody("U2", "1 rdv", "trig-1", "http://127.0.0.1:1/unused"), testSecret, f.clk.Now().Add(time.Second)))
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
	if got := allCheckIns(t, f.store, "T1", "U2"); len(got) != 0 {
		t.Errorf("stored %d entries for U2", len(got))
	}
	if got := allCheckIns(t, f.store, "T1", "U1"); len(got) != 1 || got[0].Counts["meetings"] != 7 {
		t.Errorf("U1's entry changed: %+v", got)
	}
}

// The same holds for the check-in modal, keyed by its view ID.
func TestModalAnotherUsersViewShowsNothing(t *testing.T) {
	store := memStore(t)
	h := newHandler(t, store, newClock(monday10).Now, nil)
	ctx := context.Background()
	submit := func(user, calls string) (any, error) {
		cb := slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, Team: slack.Team{ID: "T1"}, User: slack.User{ID: user}}
		cb.View = slack.View{ID: "V1", CallbackID: views.CheckInCallback, State: &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
			"calls": {"calls": {Value: calls}}, views.NoteBlock: {views.NoteBlock: {Value: "note de " + user}},
		}}}
		return h.Interact(ctx, cb)
	}
	if resp, err := submit("U1", "12"); err != nil || resp.(*slack.ViewSubmissionResponse).ResponseAction != slack.RAClear {
		t.Fatalf("U1's submission: %+v, %v", resp, err)
	}
	resp, _ := submit("U2", "3")
	vr, ok := resp.(*slack.ViewSubmissionResponse)
	if !ok || vr.ResponseAction != slack.RAErrors {
		t.Fatalf("U2's submission of U1's view: %+v, want errors in the modal", resp)
	}
	for _, e := range vr.Errors {
		if strings.Contains(e, "12") || strings.Contains(e, "note de U1") {
			t.Errorf("U2 was shown U1's entry: %q", e)
		}
	}
	if got := allCheckIns(t, store, "T1", "U2"); len(got) != 0 {
		t.Errorf("stored %d entries for U2", len(got))
	}
}

// Commands and interactions are forms; any other body type was parsed
// anyway. Events are JSON.
func TestHTTPRequiresSlacksMediaTypes(t *testing.T) {
	f := newHTTPFixture(t, nil, nil)
	body := slashBody("U1", "3 rdv", "trig-1", "http://127.0.0.1:1/unused")
	for _, tt := range []struct{ path, ct string }{
		{"/slack/commands", "text/plain"},
		{"/slack/commands", "application/json"},
		{"/slack/commands", ""},
		{"/slack/commands", "multipart/form-data; boundary=x"},
		{"/slack/interactions", "application/json"},
		{"/slack/events", "application/x-www-form-urlencoded"},
	} {
		r := signedRequest(tt.path, body, testSecret, f.clk.Now())
		r.Header.Set("Content-Type", tt.ct)
		if w := f.do(r); w.Code != http.StatusUnsupportedMediaType {
			t.Errorf("%s as %q: %d, want 415", tt.path, tt.ct, w.Code)
		}
	}
	r := signedRequest("/slack/commands", body, testSecret, f.clk.Now())
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if w := f.do(r); w.Code != http.StatusOK {
		t.Errorf("a form with a charset: %d, want 200", w.Code)
	}
	if got := allCheckIns(t, f.store, "T1", "U1"); len(got) != 1 {
		t.Errorf("stored %d entries, want only the form's", len(got))
	}
}

// A command without user_id or team_id keeps its bare 400, and the log
// now says which field was missing.
func TestHTTPLogsTheMissingField(t *testing.T) {
	for _, field := range []string{"user_id", "team_id", "trigger_id"} {
		t.Run(field, func(t *testing.T) {
			var logs bytes.Buffer
			store := memStore(t)
			clk := newClock(monday10)
			r := NewResponder(ResponderConfig{Handler: newHandler(t, store, clk.Now, nil), Logger: quiet})
			srv := NewHTTPHandler(HTTPConfig{SigningSecret: testSecret, Responder: r, Now: clk.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			form, _ := url.ParseQuery(slashBody("U1", "3 rdv", "trig-1", ""))
			form.Del(field)
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, signedRequest("/slack/commands", form.Encode(), testSecret, clk.Now()))
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

// panicky panics on every command and interaction, standing for any bug
// a payload may reach.
type panicky struct{}

func (panicky) Handle(context.Context, Command) (slack.Msg, error) { panic("boom") }

func (panicky) Interact(context.Context, slack.InteractionCallback) (any, error) {
	var m map[string]string
	m["x"] = "nil map" // a real runtime panic
	return nil, nil
}

// A panic while serving one request is logged once, answered, and the
// server goes on serving.
func TestHTTPRecoversAPanic(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	clk := newClock(monday10)
	r := NewResponder(ResponderConfig{Handler: panicky{}, Logger: log})
	srv := NewHTTPHandler(HTTPConfig{SigningSecret: testSecret, Responder: r, Now: clk.Now, Logger: log})
	secretURL := "https://hooks.slack.invalid/commands/T1/1/SECRET"

	w := httptest.NewRecorder()
	srv.ServeHTTP(w, signedRequest("/slack/commands", slashBody("U1", "3 rdv", "trig-1", secretURL), testSecret, clk.Now()))
	if w.Code != http.StatusOK || !strings.Contains(views.PlainText(decodeMsg(t, w)), "quelque chose s'est mal passé") {
		t.Errorf("a panicking command answered %d %s", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	payload := url.Values{"payload": {`{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"},"response_url":"` + secretURL + `","actions":[{"action_id":"a"}]}`}}
	srv.ServeHTTP(w, signedRequest("/slack/interactions", payload.Encode(), testSecret, clk.Now().Add(time.Second)))
	if w.Code != http.StatusInternalServerError {
		t.Errorf("a panicking interaction answered %d, want 500", w.Code)
	}
	if n := strings.Count(logs.String(), "recovered from a panic"); n != 2 {
		t.Errorf("%d panic lines for 2 panics:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "SECRET") {
		t.Errorf("the payload's response_url reached the log:\n%s", logs.String())
	}
}

// A view_submission for coach_edit with no view.state dereferenced nil,
// and over Socket Mode nothing recovered it: the process exited. Now the
// submission is refused in the modal, any other panic is recovered per
// envelope, and the next envelope is still served.
func TestSocketModeSurvivesABadEnvelope(t *testing.T) {
	coachEdit := `{"envelope_id":"env-1","type":"interactive","accepts_response_payload":true,"payload":{"type":"view_submission","team":{"id":"T1"},"user":{"id":"U1"},"view":{"id":"V1","callback_id":"coach_edit","private_metadata":"abcde"}}}`
	cmd := `{"envelope_id":"env-2","payload":{"team_id":"T1","channel_id":"C1","user_id":"U1","user_name":"rep","command":"/log","text":"5 calls","response_url":"https://hooks.slack.invalid/x","trigger_id":"111.222.abc"},"type":"slash_commands","accepts_response_payload":true}`
	fake := newFakeSlack(t, coachEdit, cmd)
	store := memStore(t)
	api := fake.api()
	h := NewHandler(HandlerConfig{Store: store, Now: newClock(monday10).Now, TZ: paris, Lang: "fr", Logger: quiet})
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
	if p, _ := acks["env-1"]["payload"].(map[string]any); p["response_action"] != "errors" {
		t.Errorf("coach_edit without state was acked with %v, want the modal's errors", acks["env-1"])
	}
	if len(allCheckIns(t, store, "T1", "U1")) != 1 {
		t.Error("the envelope after the bad one was not served")
	}
}

func TestSocketModeRecoversAPanic(t *testing.T) {
	click := `{"envelope_id":"env-1","type":"interactive","accepts_response_payload":true,"payload":{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"},"actions":[{"action_id":"a"}]}}`
	cmd := `{"envelope_id":"env-2","payload":{"team_id":"T1","user_id":"U1","command":"/log","text":"5 calls","trigger_id":"t2"},"type":"slash_commands","accepts_response_payload":true}`
	fake := newFakeSlack(t, click, cmd)
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	r := NewResponder(ResponderConfig{Handler: panicky{}, Logger: log})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- NewSocketMode(socketmode.New(fake.api()), r, log).Run(ctx) }()
	acks := map[string]map[string]any{}
	for range 2 {
		ack := fake.nextAck(t)
		acks[ack["envelope_id"].(string)] = ack
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
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

// syncBuffer is a log buffer written from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
