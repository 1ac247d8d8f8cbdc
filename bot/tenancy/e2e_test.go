package tenancy_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/admin"
	"github.com/kpibot/kpibot/bot/deliver"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/metrics"
	"github.com/kpibot/kpibot/bot/respond"
	"github.com/kpibot/kpibot/bot/secretbox"
	"github.com/kpibot/kpibot/bot/slackhttp"
	"github.com/kpibot/kpibot/bot/slackoauth"
	"github.com/kpibot/kpibot/bot/slackscopes"
	"github.com/kpibot/kpibot/bot/slackusers"
	"github.com/kpibot/kpibot/bot/tenancy"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/rituals"
	"github.com/kpibot/kpibot/storage"
)

// oauthBot is kpibot in OAuth mode, wired as cmd/kpibot wires it, on a
// real listener, against the fake Slack.
type oauthBot struct {
	srv     *httptest.Server
	fake    *testkit.FakeWebAPI
	store   *storage.Store
	handler *bot.Handler
	out     *deliver.Deliverer
	resp    *respond.Responder
	logs    *testkit.SyncBuffer
	// hooks are what the bot posted to response_url (srv's /hook).
	hooks *testkit.SyncBuffer
	// admin serves /healthz, /readyz and /metrics, as kpibot's admin
	// listener does; key is the encryption key the tokens are sealed under.
	admin *httptest.Server
	key   string
}

const (
	e2eSecret = "signing-secret-e2e"
	e2eClient = "oauth-client-secret-e2e"
)

func newOAuthBot(t *testing.T) *oauthBot {
	t.Helper()
	b := &oauthBot{fake: testkit.NewFakeWebAPI(t), store: testkit.MemStore(t), logs: &testkit.SyncBuffer{}, hooks: &testkit.SyncBuffer{}}
	b.fake.SetOAuthApp("cid.e2e", e2eClient)
	log := slog.New(slog.NewJSONHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b.key = secretbox.NewKey()
	keys, err := secretbox.ParseKeys(b.key)
	if err != nil {
		t.Fatal(err)
	}
	tokens := tenancy.New(b.store, keys, nil)
	// As cmd/kpibot wires it: the metrics count each call, and the tokens
	// transport, outermost, gives each call its workspace's token.
	// Slack's budget (bot/slackrate) is left out: on simulated time its
	// slots run ahead of the requests' real deadlines, and it would turn
	// down the very calls these tests are about; slackrate's own tests
	// show it per workspace. The deliverer paces posts on a step clock,
	// so its waits pass at once.
	reg := metrics.New(metrics.Options{Version: "v-e2e", Revision: "e2e"})
	api := slack.New(tenancy.Placeholder, slack.OptionAPIURL(b.fake.URL()+"/"), slack.OptionHTTPClient(&http.Client{Transport: tokens.Transport(reg.SlackTransport(nil))}))
	b.out = deliver.New(deliver.Config{API: api, Clock: testkit.NewStepClock(time.Now()), Logger: log})
	reg.WatchDeliveries(b.out.Stats)
	b.handler = bot.NewHandler(bot.HandlerConfig{Store: b.store, Profiles: slackusers.New(api, b.store, "fr", nil, log), Outbox: b.out, Tokens: tokens, TZ: testkit.Paris, Lang: "fr", Logger: log})
	b.handler.SetSlackUI(api)
	b.resp = respond.New(respond.Config{Handler: b.handler, Metrics: reg, Logger: log})
	t.Cleanup(b.resp.Wait)
	b.admin = httptest.NewServer(admin.NewHandler(admin.Config{Checks: []admin.Check{{Name: "storage", Check: b.store.Ping}}, Metrics: reg, Logger: log}))
	t.Cleanup(b.admin.Close)
	mux := http.NewServeMux()
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	install := slackoauth.NewHandler(slackoauth.Config{
		ClientID: "cid.e2e", ClientSecret: e2eClient,
		RedirectURL: b.srv.URL + slackoauth.CallbackPath, Scopes: slackscopes.RequiredScopes(),
		AuthorizeURL: b.fake.URL() + "/oauth/v2/authorize", APIURL: b.fake.URL() + "/",
		Installer: tokens, Admins: b.store, Logger: log,
	})
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, _ = b.hooks.Write(append(body, '\n'))
	})
	mux.Handle(slackoauth.InstallPath, install)
	mux.Handle(slackoauth.CallbackPath, install)
	mux.Handle("/", slackhttp.NewHandler(slackhttp.Config{SigningSecret: e2eSecret, Responder: b.resp, Logger: log}))
	return b
}

// install runs the whole install for team in a fresh browser.
func (b *oauthBot) install(t *testing.T, team, token string) {
	t.Helper()
	b.fake.SetApproval(testkit.OAuthGrant{Team: team, TeamName: "Team " + team, Installer: "UADMIN" + team, BotUser: "UBOT", Token: token, Scopes: slackscopes.RequiredScopes()})
	jar, _ := cookiejar.New(nil)
	resp, err := (&http.Client{Jar: jar}).Get(b.srv.URL + slackoauth.InstallPath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Team "+team) {
		t.Fatalf("install %s: %d\n%s", team, resp.StatusCode, body)
	}
}

// post sends a signed Slack request and returns the answer's body.
func (b *oauthBot) post(t *testing.T, path, body string) string {
	t.Helper()
	req := testkit.SignedRequest(path, body, e2eSecret, time.Now())
	u, _ := url.Parse(b.srv.URL + path)
	req.URL, req.Host, req.RequestURI = u, u.Host, ""
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", path, resp.StatusCode, out)
	}
	b.resp.Wait()
	return string(out)
}

func (b *oauthBot) command(t *testing.T, team, user, name, text string) string {
	t.Helper()
	return b.post(t, "/slack/commands", url.Values{"team_id": {team}, "user_id": {user}, "command": {name}, "text": {text}, "trigger_id": {"trig-" + team + user + text}, "response_url": {b.srv.URL + "/hook"}}.Encode())
}

// click sends a click of actionID by user of team, with value.
func (b *oauthBot) click(t *testing.T, team, user, actionID, value string) {
	t.Helper()
	p := map[string]any{
		"type": "block_actions", "team": map[string]any{"id": team}, "user": map[string]any{"id": user, "team_id": team},
		"trigger_id": "trig-click-" + team, "container": map[string]any{"type": "message", "channel_id": "D1"},
		"channel": map[string]any{"id": "D1"},
		"actions": []map[string]any{{"action_id": actionID, "block_id": "b", "type": "button", "value": value}},
	}
	raw, _ := json.Marshal(p)
	b.post(t, "/slack/interactions", url.Values{"payload": {string(raw)}}.Encode())
}

// callsOf lists "method@workspace" of the fake's calls of methods.
func (b *oauthBot) callsOf(methods ...string) []string {
	var out []string
	for _, c := range b.fake.CallLog() {
		for _, m := range methods {
			if c.Method == m {
				out = append(out, c.Method+"@"+c.Workspace)
			}
		}
	}
	return out
}

// Two workspaces install kpibot through OAuth; every Slack call then
// carries the token of the workspace it is for (commands, clicks,
// rituals), nothing of one is read or written from the other, an
// uninstalled one makes no more calls, and no log line shows a token.
func TestTwoWorkspacesThroughOAuth(t *testing.T) {
	b := newOAuthBot(t)
	tokens := map[string]string{"T2": "xoxb-2-beta-token-secret", "T3": "xoxb-3-gamma-token-secret"}
	b.install(t, "T2", tokens["T2"])
	b.install(t, "T3", tokens["T3"])
	if got := strings.Join(b.callsOf("auth.test"), " "); got != "auth.test@T2 auth.test@T3" {
		t.Errorf("auth.test calls %s", got)
	}

	// Commands: the same user ID in both workspaces logs in each.
	if out := b.command(t, "T2", "UALICE", "/log", "3 rdv"); !strings.Contains(out, "3 rdv") {
		t.Fatalf("/log in T2: %s", out)
	}
	if out := b.command(t, "T3", "UALICE", "/log", "2 appels"); !strings.Contains(out, "2 appels") {
		t.Fatalf("/log in T3: %s", out)
	}
	if got := strings.Join(b.callsOf("users.info"), " "); got != "users.info@T2 users.info@T3" {
		t.Errorf("users.info calls %s", got)
	}

	// Nothing of T2 is read or written from T3.
	ctx := context.Background()
	t2 := testkit.AllCheckIns(t, b.store, "T2", "UALICE")
	if len(t2) != 1 || len(testkit.AllCheckIns(t, b.store, "T3", "UALICE")) != 1 {
		t.Fatalf("entries: T2 %d", len(t2))
	}
	code, ref := t2[0].Code(), t2[0].Ref()
	if out := b.command(t, "T3", "UALICE", "/kpi", "me"); strings.Contains(out, "3 rdv") || !strings.Contains(out, "2 appels") {
		t.Errorf("/kpi me in T3 shows T2's meetings: %s", out)
	}
	if out := b.command(t, "T3", "UALICE", "/log", "edit "+code+" 9 rdv"); strings.Contains(out, "9 rdv") {
		t.Errorf("/log edit in T3 corrected T2's entry: %s", out)
	}
	b.command(t, "T3", "UALICE", "/log", "rm "+code)
	b.click(t, "T3", "UALICE", views.ActionEntryDelete, ref)
	if got := testkit.AllCheckIns(t, b.store, "T2", "UALICE"); len(got) != 1 || !got[0].Live() || got[0].Counts["meetings"] != 3 {
		t.Errorf("T2's entry after T3's attempts: %+v", got)
	}

	// The installer is an admin of their own workspace only.
	if out := b.command(t, "T2", "UADMINT2", "/kpi", "settings currency USD"); !strings.Contains(out, "USD") {
		t.Errorf("the installer of T2 sets T2's currency: %s", out)
	}
	if out := b.command(t, "T3", "UADMINT2", "/kpi", "settings currency GBP"); strings.Contains(out, "GBP") {
		t.Errorf("the installer of T2 set T3's currency: %s", out)
	}
	if w, _ := b.store.WorkspaceSettings(ctx, "T3"); w.Currency == "GBP" {
		t.Error("T3's currency changed from T2")
	}

	// Clicks: the check-in modal opens with the clicking workspace's token.
	b.click(t, "T3", "UALICE", views.ActionCheckInOpen, "")
	b.click(t, "T2", "UALICE", views.ActionCheckInOpen, "")
	if got := strings.Join(b.callsOf("views.open"), " "); got != "views.open@T3 views.open@T2" {
		t.Errorf("views.open calls %s", got)
	}

	// App Home: published with the opening workspace's token.
	for _, team := range []string{"T2", "T3"} {
		b.post(t, "/slack/events", `{"token":"x","team_id":"`+team+`","api_app_id":"A1","type":"event_callback","event_id":"EvHome`+team+`","event_time":1700000000,"event":{"type":"app_home_opened","user":"UALICE","channel":"D1","tab":"home"}}`)
	}
	homes := b.fake.PublishedHomes()
	if len(homes) < 2 || homes[len(homes)-2].Workspace != "T2" || homes[len(homes)-1].Workspace != "T3" {
		t.Errorf("App Home published %+v", homes)
	}
	for _, h := range homes {
		text := views.PlainText(slack.Msg{Blocks: h.View.Blocks})
		if h.Workspace == "T3" && strings.Contains(text, "3 rdv") {
			t.Errorf("T3's App Home shows T2's entry:\n%s", text)
		}
	}

	// Rituals: a reminder goes out with its workspace's token.
	sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rituals.Reminder), testkit.Paris)
	poster := bot.NewRitualPoster(b.handler, b.out)
	at := time.Date(2026, 11, 23, 17, 30, 0, 0, testkit.Paris)
	for _, team := range []string{"T3", "T2"} {
		job := rituals.Job{Workspace: team, Team: "UM", Target: "UNEW", Ritual: rituals.Reminder, Schedule: sched}
		if _, err := poster.Post(ctx, job, job.OccurrenceID(at), at); err != nil {
			t.Fatalf("reminder in %s: %v", team, err)
		}
	}
	if got := strings.Join(b.callsOf("chat.postMessage"), " "); got != "chat.postMessage@T3 chat.postMessage@T2" {
		t.Errorf("chat.postMessage calls %s", got)
	}

	// T3 uninstalls: no call leaves for it any more, T2 goes on.
	b.post(t, "/slack/events", `{"token":"x","team_id":"T3","api_app_id":"A1","type":"event_callback","event_id":"EvU3","event_time":1700000000,"event":{"type":"app_uninstalled"}}`)
	b.fake.RevokeToken(tokens["T3"])
	before := len(b.fake.CallLog())
	b.command(t, "T3", "UCHLOE", "/log", "1 rdv")
	b.command(t, "T2", "UCHLOE", "/log", "1 rdv")
	for _, c := range b.fake.CallLog()[before:] {
		if c.Workspace != "T2" {
			t.Errorf("a call for %q after T3 uninstalled: %+v", c.Workspace, c)
		}
	}
	if in, _ := b.store.Installation(ctx, "T3"); in.Active() || in.SealedToken != "" {
		t.Errorf("T3 after app_uninstalled: %+v", in)
	}

	logs := b.logs.String()
	for _, secret := range []string{tokens["T2"], tokens["T3"], e2eClient, e2eSecret} {
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, secret) {
				t.Errorf("a log line shows %q: %s", secret, line)
			}
		}
	}
}
