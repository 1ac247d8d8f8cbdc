package slackoauth_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/secretbox"
	"github.com/kpibot/kpibot/bot/slackoauth"
	"github.com/kpibot/kpibot/bot/slackscopes"
	"github.com/kpibot/kpibot/bot/tenancy"
	"github.com/kpibot/kpibot/storage"
)

// rig is kpibot's install pages on a real listener, the fake Slack
// (Web API and its authorize page), and what they store and log.
type rig struct {
	srv    *httptest.Server
	fake   *testkit.FakeWebAPI
	store  *storage.Store
	tokens *tenancy.Tokens
	clk    *testkit.Clock
	logs   *testkit.SyncBuffer

	mu sync.Mutex
	// approve is what the user does on Slack's authorize page: the grant
	// to approve, or an error to come back with.
	grant  testkit.OAuthGrant
	denied string
	// code, when set, is brought back instead of a fresh one.
	code string
	// hold runs while the user is on Slack's page.
	hold func()
	// seen is each query the authorize page got.
	seen []url.Values
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{fake: testkit.NewFakeWebAPI(t), store: testkit.MemStore(t), clk: testkit.NewClock(testkit.Monday10), logs: &testkit.SyncBuffer{}}
	r.fake.SetClock(r.clk.Now)
	r.fake.SetOAuthApp("cid.123", "client-secret")
	keys, err := secretbox.ParseKeys(secretbox.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	r.tokens = tenancy.New(r.store, keys, r.clk.Now)
	authorize := httptest.NewServer(http.HandlerFunc(r.authorize))
	t.Cleanup(authorize.Close)
	mux := http.NewServeMux()
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	h := slackoauth.NewHandler(slackoauth.Config{
		ClientID: "cid.123", ClientSecret: "client-secret",
		RedirectURL:  r.srv.URL + slackoauth.CallbackPath,
		Scopes:       slackscopes.RequiredScopes(),
		AuthorizeURL: authorize.URL + "/oauth/v2/authorize",
		APIURL:       r.fake.URL() + "/",
		Installer:    r.tokens, Admins: r.store,
		Now:    r.clk.Now,
		Logger: slog.New(slog.NewJSONHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	mux.Handle(slackoauth.InstallPath, h)
	mux.Handle(slackoauth.CallbackPath, h)
	return r
}

// authorize is Slack's authorize page with the user clicking Allow (or
// Cancel): back to redirect_uri with a code and the state.
func (r *rig) authorize(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	r.mu.Lock()
	r.seen = append(r.seen, q)
	grant, denied, code, hold := r.grant, r.denied, r.code, r.hold
	r.mu.Unlock()
	if hold != nil {
		hold()
	}
	back := url.Values{"state": {q.Get("state")}}
	switch {
	case denied != "":
		back.Set("error", denied)
	case code != "":
		back.Set("code", code)
	default:
		back.Set("code", r.fake.IssueCode(grant))
	}
	http.Redirect(w, req, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
}

// browser is a real HTTP client with a cookie jar, as a browser would.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

func get(t *testing.T, c *http.Client, u, lang string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func grant(team, name, token string) testkit.OAuthGrant {
	return testkit.OAuthGrant{Team: team, TeamName: name, Installer: "UADMIN" + team, BotUser: "UBOT" + team, Token: token, Scopes: slackscopes.RequiredScopes()}
}

// The whole install, as a browser does it: kpibot's install link, Slack's
// page, back to the callback; the installation is stored with its token
// sealed, the installer is admin, and no log line shows the token.
func TestInstallEndToEnd(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	const token = "xoxb-2222-secret-token-of-beta"
	r.grant = grant("T2", "Beta & Co", token)
	status, body := get(t, browser(t), r.srv.URL+slackoauth.InstallPath, "fr-FR,fr;q=0.9,en;q=0.5")
	if status != http.StatusOK || !strings.Contains(body, "kpibot est installé dans Beta &amp; Co") || !strings.Contains(body, "app_redirect?app="+testkit.AppID+"&amp;team=T2") {
		t.Fatalf("%d\n%s", status, body)
	}
	q := r.seen[0]
	if q.Get("client_id") != "cid.123" || q.Get("redirect_uri") != r.srv.URL+slackoauth.CallbackPath || q.Get("scope") != strings.Join(slackscopes.RequiredScopes(), ",") || len(q.Get("state")) < 32 {
		t.Errorf("authorize query %v", q)
	}

	in, err := r.store.Installation(ctx, "T2")
	if err != nil || !in.Active() || in.TeamName != "Beta & Co" || in.BotUser != "UBOTT2" || in.InstalledBy != "UADMINT2" || !in.InstalledAt.Equal(testkit.Monday10) || len(in.Scopes) != len(slackscopes.RequiredScopes()) {
		t.Fatalf("installation %+v, %v", in, err)
	}
	if strings.Contains(in.SealedToken, token) || strings.Contains(in.SealedToken, "xoxb-") {
		t.Fatalf("the token is stored in clear: %s", in.SealedToken)
	}
	if got, err := r.tokens.Token(ctx, "T2"); err != nil || got != token {
		t.Fatalf("Token(T2) = %q, %v", got, err)
	}
	w, _ := r.store.WorkspaceSettings(ctx, "T2")
	if w.InstalledBy != "UADMINT2" {
		t.Errorf("the installer is not admin: %+v", w)
	}
	// auth.test checked the new token, as T2's.
	var checked bool
	for _, c := range r.fake.CallLog() {
		checked = checked || c.Method == "auth.test" && c.Workspace == "T2"
	}
	if !checked {
		t.Error("the new token was not checked with auth.test")
	}
	logs := r.logs.String()
	if !strings.Contains(logs, `"app installed in a workspace"`) {
		t.Errorf("the install was not logged:\n%s", logs)
	}
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, token) || strings.Contains(line, "2222-secret") || strings.Contains(line, "client-secret") {
			t.Errorf("a log line shows a secret: %s", line)
		}
	}

	// The same install page in English.
	r.grant = grant("T3", "Gamma", "xoxb-3333")
	if status, body := get(t, browser(t), r.srv.URL+slackoauth.InstallPath, "en-GB"); status != http.StatusOK || !strings.Contains(body, "kpibot is installed in Gamma") {
		t.Fatalf("English: %d\n%s", status, body)
	}
}

// Every way an install can go wrong gets a clear page, and stores
// nothing.
func TestInstallRefusals(t *testing.T) {
	for _, c := range []struct {
		name string
		// run drives the browser and returns the callback's answer.
		run  func(t *testing.T, r *rig) (int, string)
		want string
	}{
		{"no cookie: the callback opened in another browser", func(t *testing.T, r *rig) (int, string) {
			return get(t, browser(t), r.srv.URL+slackoauth.CallbackPath+"?code=x&state=abc", "fr")
		}, "a expiré, ou il a été ouvert dans un autre navigateur"},
		{"a forged state", func(t *testing.T, r *rig) (int, string) {
			c := browser(t)
			c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
				if strings.HasPrefix(req.URL.Path, slackoauth.CallbackPath) {
					q := req.URL.Query()
					q.Set("state", strings.Repeat("0", 48))
					req.URL.RawQuery = q.Encode()
				}
				return nil
			}
			return get(t, c, r.srv.URL+slackoauth.InstallPath, "fr")
		}, "a expiré, ou il a été ouvert dans un autre navigateur"},
		{"too long on Slack's page", func(t *testing.T, r *rig) (int, string) {
			r.hold = func() { r.clk.Set(testkit.Monday10.Add(11 * time.Minute)) }
			return get(t, browser(t), r.srv.URL+slackoauth.InstallPath, "fr")
		}, "a expiré"},
		{"the user cancels", func(t *testing.T, r *rig) (int, string) {
			r.denied = "access_denied"
			return get(t, browser(t), r.srv.URL+slackoauth.InstallPath, "fr")
		}, "installation a été annulée dans Slack"},
		{"a code already used", func(t *testing.T, r *rig) (int, string) {
			r.code = r.fake.IssueCode(grant("T2", "Beta", "xoxb-first"))
			if status, _ := get(t, browser(t), r.srv.URL+slackoauth.InstallPath, "fr"); status != http.StatusOK {
				t.Fatalf("first use: %d", status)
			}
			if err := r.store.RevokeInstallation(context.Background(), "T2", "app_uninstalled", testkit.Monday10); err != nil {
				t.Fatal(err)
			}
			return get(t, browser(t), r.srv.URL+slackoauth.InstallPath, "fr")
		}, "le lien a déjà servi"},
		{"an expired code", func(t *testing.T, r *rig) (int, string) {
			r.code = r.fake.IssueCode(grant("T2", "Beta", "xoxb-late"))
			r.clk.Set(testkit.Monday10.Add(11 * time.Minute))
			return get(t, browser(t), r.srv.URL+slackoauth.InstallPath, "fr")
		}, "le lien a déjà servi, ou il a mis trop de temps"},
		{"the same callback twice", func(t *testing.T, r *rig) (int, string) {
			c := browser(t)
			var callback string
			c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
				if strings.HasPrefix(req.URL.Path, slackoauth.CallbackPath) {
					callback = req.URL.String()
				}
				return nil
			}
			r.grant = grant("T2", "Beta", "xoxb-twice")
			if status, _ := get(t, c, r.srv.URL+slackoauth.InstallPath, "fr"); status != http.StatusOK {
				t.Fatalf("first: %d", status)
			}
			if err := r.store.RevokeInstallation(context.Background(), "T2", "app_uninstalled", testkit.Monday10); err != nil {
				t.Fatal(err)
			}
			return get(t, c, callback, "fr")
		}, "a expiré, ou il a été ouvert dans un autre navigateur"},
		{"oauth.v2.access refuses the app", func(t *testing.T, r *rig) (int, string) {
			r.fake.SetOAuthApp("cid.123", "another-secret")
			r.grant = grant("T2", "Beta", "xoxb-nope")
			return get(t, browser(t), r.srv.URL+slackoauth.InstallPath, "en")
		}, "Slack refused the installation"},
		{"a token auth.test refuses", func(t *testing.T, r *rig) (int, string) {
			r.grant = grant("T2", "Beta", "xoxb-dead")
			r.fake.Refuse("auth.test", 1, "invalid_auth")
			return get(t, browser(t), r.srv.URL+slackoauth.InstallPath, "en")
		}, "Slack gave a token that does not work"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t)
			if r.grant.Team == "" {
				r.grant = grant("T2", "Beta", "xoxb-2-refused")
			}
			status, body := c.run(t, r)
			if status != http.StatusBadRequest || !strings.Contains(body, c.want) || !strings.Contains(body, `href="/slack/install"`) {
				t.Fatalf("%d, want 400 with %q:\n%s", status, c.want, body)
			}
			in, err := r.store.Installation(context.Background(), "T2")
			if err == nil && in.Active() {
				t.Errorf("stored after a refusal: %+v", in)
			} else if err != nil && !errors.Is(err, storage.ErrNotFound) {
				t.Fatal(err)
			}
			for _, line := range strings.Split(r.logs.String(), "\n") {
				if strings.Contains(line, "xoxb-") || strings.Contains(line, "client-secret") {
					t.Errorf("a log line shows a secret: %s", line)
				}
			}
		})
	}
}

// The state cookie is HttpOnly, SameSite=Lax, scoped to the callback and
// short-lived; the install link only answers GET.
func TestStateCookie(t *testing.T) {
	r := newRig(t)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(r.srv.URL + slackoauth.InstallPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "/oauth/v2/authorize?") {
		t.Fatalf("install: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies %v", cookies)
	}
	ck := cookies[0]
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != slackoauth.CallbackPath || ck.MaxAge != 600 {
		t.Errorf("cookie %+v", ck)
	}
	state, _ := url.Parse(resp.Header.Get("Location"))
	if !strings.HasPrefix(ck.Value, state.Query().Get("state")+".") {
		t.Errorf("the cookie %q does not carry the state %q", ck.Value, state.Query().Get("state"))
	}
	post, err := http.Post(r.srv.URL+slackoauth.InstallPath, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST install: %d", post.StatusCode)
	}
}
