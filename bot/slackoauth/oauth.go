// Package slackoauth installs the app in a workspace through Slack's
// OAuth v2: GET /slack/install sends the browser to Slack with a state
// bound to a short-lived signed cookie, and GET /slack/oauth/callback
// checks it, exchanges the code (oauth.v2.access), checks the token
// (auth.test) and stores the installation. Every outcome is a plain HTML
// page in the visitor's language; an error stores nothing.
package slackoauth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/logctx"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// The paths it serves.
const (
	InstallPath  = "/slack/install"
	CallbackPath = "/slack/oauth/callback"
)

// DefaultAuthorizeURL is Slack's page where a user approves the install.
const DefaultAuthorizeURL = "https://slack.com/oauth/v2/authorize"

// stateTTL is how long an install may take between the click on the
// install link and the return from Slack.
const stateTTL = 10 * time.Minute

// cookieName holds the signed state between the two requests.
const cookieName = "kpibot_oauth_state"

// Installer stores an installation with its bot token (sealed);
// tenancy.Tokens is one.
type Installer interface {
	Install(ctx context.Context, in storage.Installation, token string) error
}

// Admins records who installed the app, who is then an admin of the
// workspace beside Slack's admins and owners; *storage.Store is one.
type Admins interface {
	SetInstaller(ctx context.Context, workspace, user string, now time.Time) error
}

// Config wires the OAuth handler.
type Config struct {
	ClientID, ClientSecret string
	// RedirectURL is the public URL of CallbackPath, as registered in the
	// app's manifest (oauth_config.redirect_urls).
	RedirectURL string
	// Scopes are the bot scopes asked for: the manifest's.
	Scopes []string
	// AuthorizeURL is Slack's authorize page; DefaultAuthorizeURL when
	// empty. APIURL is the Web API's base URL, with its trailing slash;
	// slack.APIURL when empty.
	AuthorizeURL, APIURL string
	HTTPClient           *http.Client
	Installer            Installer
	Admins               Admins
	// Lang is the pages' language when the browser asks for none kpibot
	// speaks.
	Lang   prompts.Lang
	Now    func() time.Time
	Logger *slog.Logger
}

// Handler serves InstallPath and CallbackPath.
type Handler struct {
	cfg  Config
	key  []byte // signs the state cookie
	mux  *http.ServeMux
	mu   sync.Mutex
	used map[string]time.Time // states already brought back, until they expire
}

// NewHandler returns the install and callback handler.
func NewHandler(cfg Config) *Handler {
	if cfg.AuthorizeURL == "" {
		cfg.AuthorizeURL = DefaultAuthorizeURL
	}
	if cfg.APIURL == "" {
		cfg.APIURL = slack.APIURL
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Lang == "" {
		cfg.Lang = prompts.French
	}
	// The state's key comes from the client secret, which only this
	// server and Slack know; no other setting is needed.
	mac := hmac.New(sha256.New, []byte(cfg.ClientSecret))
	mac.Write([]byte("kpibot oauth state"))
	h := &Handler{cfg: cfg, key: mac.Sum(nil), mux: http.NewServeMux(), used: map[string]time.Time{}}
	h.mux.HandleFunc(InstallPath, h.install)
	h.mux.HandleFunc(CallbackPath, h.callback)
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// install sends the browser to Slack's authorize page, with a fresh state
// that only this browser's cookie vouches for.
func (h *Handler) install(w http.ResponseWriter, r *http.Request) {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	state := hex.EncodeToString(b)
	expires := h.cfg.Now().Add(stateTTL)
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: h.sign(state, expires),
		Path: CallbackPath, MaxAge: int(stateTTL / time.Second), Expires: expires,
		HttpOnly: true, Secure: strings.HasPrefix(h.cfg.RedirectURL, "https://"),
		// Lax: the cookie comes back on Slack's redirect, a top-level GET,
		// and on no cross-site subrequest.
		SameSite: http.SameSiteLaxMode,
	})
	q := url.Values{
		"client_id":    {h.cfg.ClientID},
		"scope":        {strings.Join(h.cfg.Scopes, ",")},
		"redirect_uri": {h.cfg.RedirectURL},
		"state":        {state},
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, h.cfg.AuthorizeURL+"?"+q.Encode(), http.StatusFound)
}

// sign is the cookie's value: the state, its expiry, and their MAC.
func (h *Handler) sign(state string, expires time.Time) string {
	payload := state + "." + strconv.FormatInt(expires.Unix(), 10)
	mac := hmac.New(sha256.New, h.key)
	mac.Write([]byte(payload))
	return payload + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// errState is any problem with the state: missing, forged, expired,
// reused, or not this browser's.
var errState = errors.New("slackoauth: state missing, expired, reused or not this browser's")

// checkState verifies the cookie and that it vouches for state, once.
func (h *Handler) checkState(r *http.Request, state string) error {
	c, err := r.Cookie(cookieName)
	if err != nil || state == "" {
		return errState
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 {
		return errState
	}
	sec, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return errState
	}
	expires := time.Unix(sec, 0)
	if !hmac.Equal([]byte(h.sign(parts[0], expires)), []byte(c.Value)) {
		return errState
	}
	if subtle.ConstantTimeCompare([]byte(parts[0]), []byte(state)) != 1 {
		return errState
	}
	now := h.cfg.Now()
	if !now.Before(expires) {
		return errState
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s, until := range h.used {
		if !now.Before(until) {
			delete(h.used, s)
		}
	}
	if _, seen := h.used[state]; seen {
		return errState
	}
	h.used[state] = expires
	return nil
}

// callback finishes the install. Whatever happens, the state cookie is
// spent.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	log := logctx.Logger(r.Context(), h.cfg.Logger)
	lang := h.lang(r)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: CallbackPath, MaxAge: -1, HttpOnly: true, Secure: strings.HasPrefix(h.cfg.RedirectURL, "https://"), SameSite: http.SameSiteLaxMode})
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		log.Info("slack install cancelled", "error", e)
		h.page(w, lang, http.StatusBadRequest, page{Title: "oauth.error.title", Body: "oauth.error.denied", Again: true})
		return
	}
	if err := h.checkState(r, q.Get("state")); err != nil {
		log.Warn("slack install refused: bad state", "remote", r.RemoteAddr)
		h.page(w, lang, http.StatusBadRequest, page{Title: "oauth.error.title", Body: "oauth.error.state", Again: true})
		return
	}
	code := q.Get("code")
	if code == "" {
		h.page(w, lang, http.StatusBadRequest, page{Title: "oauth.error.title", Body: "oauth.error.exchange", Again: true})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	resp, err := slack.GetOAuthV2ResponseContext(ctx, h.cfg.HTTPClient, h.cfg.ClientID, h.cfg.ClientSecret, code, h.cfg.RedirectURL, slack.OAuthOptionAPIURL(h.cfg.APIURL))
	if err != nil {
		log.Warn("slack install refused: oauth.v2.access failed", "err", redactURL(err))
		h.page(w, lang, http.StatusBadRequest, page{Title: "oauth.error.title", Body: "oauth.error.exchange", Again: true})
		return
	}
	in, token, err := h.installation(ctx, resp)
	if err != nil {
		log.Warn("slack install refused: the token does not work", "team", resp.Team.ID, "err", err)
		h.page(w, lang, http.StatusBadRequest, page{Title: "oauth.error.title", Body: "oauth.error.token", Again: true})
		return
	}
	if err := h.cfg.Installer.Install(ctx, in, token); err != nil {
		log.Error("slack install not stored", "workspace", in.Workspace, "err", err)
		h.page(w, lang, http.StatusInternalServerError, page{Title: "oauth.error.title", Body: "oauth.error.failed", Again: true})
		return
	}
	if h.cfg.Admins != nil && in.InstalledBy != "" {
		if err := h.cfg.Admins.SetInstaller(ctx, in.Workspace, in.InstalledBy, in.InstalledAt); err != nil {
			// Installed all the same: Slack's admins and owners still are.
			log.Error("installer not made admin", "workspace", in.Workspace, "err", err)
		}
	}
	log.Info("app installed in a workspace", "workspace", in.Workspace, "enterprise", in.Enterprise, "team_name", in.TeamName, "installed_by", in.InstalledBy, "scopes", len(in.Scopes))
	open := "https://slack.com/app_redirect?app=" + url.QueryEscape(in.AppID) + "&team=" + url.QueryEscape(in.Workspace)
	h.page(w, lang, http.StatusOK, page{Title: "oauth.installed.title", Body: "oauth.installed.body", Team: in.TeamName, Open: open})
}

// installation checks the exchange's answer and the token with
// auth.test, and returns what to store.
func (h *Handler) installation(ctx context.Context, resp *slack.OAuthV2Response) (storage.Installation, string, error) {
	token := resp.AccessToken
	if resp.TokenType != "bot" || !strings.HasPrefix(token, "xoxb-") {
		return storage.Installation{}, "", errors.New("slackoauth: no bot token in the answer")
	}
	ws := resp.Team.ID
	if ws == "" {
		ws = resp.Enterprise.ID // an org-wide install
	}
	if ws == "" {
		return storage.Installation{}, "", errors.New("slackoauth: no team in the answer")
	}
	api := slack.New(token, slack.OptionAPIURL(h.cfg.APIURL), slack.OptionHTTPClient(h.cfg.HTTPClient))
	auth, err := api.AuthTestContext(ctx)
	if err != nil {
		return storage.Installation{}, "", fmt.Errorf("slackoauth: auth.test: %w", redactURL(err))
	}
	if resp.Team.ID != "" && auth.TeamID != resp.Team.ID || resp.Team.ID == "" && auth.EnterpriseID != resp.Enterprise.ID {
		return storage.Installation{}, "", fmt.Errorf("slackoauth: auth.test says team %s, the install %s", auth.TeamID, ws)
	}
	bot := resp.BotUserID
	if bot == "" {
		bot = auth.UserID
	}
	name := resp.Team.Name
	if name == "" {
		name = resp.Enterprise.Name
	}
	var scopes []string
	for _, s := range strings.Split(resp.Scope, ",") {
		if s = strings.TrimSpace(s); s != "" {
			scopes = append(scopes, s)
		}
	}
	return storage.Installation{
		Workspace: ws, Enterprise: resp.Enterprise.ID, TeamName: name,
		BotUser: bot, AppID: resp.AppID, Scopes: scopes,
		InstalledBy: resp.AuthedUser.ID, InstalledAt: h.cfg.Now(),
	}, token, nil
}

// redactURL drops the URL from a transport error: it is Slack's, but an
// error that names no endpoint leaks nothing.
func redactURL(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

// lang is the visitor's language: the browser's first that kpibot speaks.
func (h *Handler) lang(r *http.Request) prompts.Lang {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if l := prompts.LangFromLocale(tag, ""); l != "" {
			return l
		}
	}
	return h.cfg.Lang
}

// page is one of the HTML pages: keys of the catalogue, the team's name,
// and the links to show.
type page struct {
	Title, Body prompts.Key
	Team        string
	Open        string // link to the app in Slack
	Again       bool   // link to start again
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5;color:#1d1c1d}h1{font-size:1.4rem}a.button{display:inline-block;margin-top:1rem;padding:.6rem 1rem;border-radius:.3rem;background:#1d4e89;color:#fff;text-decoration:none}</style>
</head><body>
<h1>{{.Heading}}</h1>
<p>{{.Body}}</p>
{{if .Open}}<p><a class="button" href="{{.Open}}">{{.OpenText}}</a></p>{{end}}
{{if .Again}}<p><a class="button" href="{{.Again}}">{{.AgainText}}</a></p>{{end}}
</body></html>
`))

func (h *Handler) page(w http.ResponseWriter, lang prompts.Lang, status int, p page) {
	data := map[string]string{"Team": p.Team}
	out := struct {
		Lang, Title, Heading, Body, Open, OpenText, Again, AgainText string
	}{
		Lang:    string(lang),
		Title:   prompts.Text(lang, "oauth.page.title", nil),
		Heading: prompts.Text(lang, p.Title, data),
		Body:    prompts.Text(lang, p.Body, data),
	}
	if p.Open != "" {
		out.Open, out.OpenText = p.Open, prompts.Text(lang, "oauth.installed.open", nil)
	}
	if p.Again {
		out.Again, out.AgainText = InstallPath, prompts.Text(lang, "oauth.again", nil)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_ = pageTemplate.Execute(w, out)
}
