package testkit

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// The fake's first workspace: the team of its default token.
const (
	FakeTeam     = "T1"
	FakeTeamName = "Acme"
)

// workspaceState is what the fake knows of the workspaces beyond its
// default token's: each token's team, and the OAuth app.
type workspaceState struct {
	teams        map[string]string // token → team
	clientID     string
	clientSecret string
	codes        map[string]*oauthCode
	approval     OAuthGrant
	published    []Published
}

// oauthCode is a code Slack gave the installing browser: good once, for
// ten minutes.
type oauthCode struct {
	grant    OAuthGrant
	issuedAt time.Time
	used     bool
}

// OAuthGrant is what oauth.v2.access answers for a code.
type OAuthGrant struct {
	Team, TeamName, Enterprise string
	// Installer is the user who installed; BotUser the bot's user ID.
	Installer, BotUser string
	Token              string
	Scopes             []string
}

// teamOfLocked is the team a token is for; the default token is
// FakeTeam's.
func (f server) teamOfLocked(token string) (string, bool) {
	if token == f.token {
		return FakeTeam, true
	}
	team, ok := f.ws.teams[token]
	return team, ok
}

// AddWorkspace makes the fake accept token as the bot token of team: the
// calls it carries are team's (Call.Workspace).
func (f *FakeWebAPI) AddWorkspace(team, token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ws.teams == nil {
		f.ws.teams = map[string]string{}
	}
	f.ws.teams[token] = team
}

// RevokeToken makes the fake refuse token from now on (token_revoked),
// as Slack does once the app is uninstalled.
func (f *FakeWebAPI) RevokeToken(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.ws.teams, token)
}

// SetOAuthApp sets the client ID and secret oauth.v2.access accepts.
func (f *FakeWebAPI) SetOAuthApp(clientID, clientSecret string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ws.clientID, f.ws.clientSecret = clientID, clientSecret
}

// IssueCode is what Slack does when a user approves the install: it
// returns the code the browser brings to the redirect URL. Exchanged,
// the code installs g (its token then works, as g.Team's).
func (f *FakeWebAPI) IssueCode(g OAuthGrant) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ws.codes == nil {
		f.ws.codes = map[string]*oauthCode{}
	}
	code := fmt.Sprintf("code-%s-%d", g.Team, len(f.ws.codes)+1)
	f.ws.codes[code] = &oauthCode{grant: g, issuedAt: f.now()}
	return code
}

// oauthAccess answers oauth.v2.access: the app's credentials and a fresh
// code give the installation; a code is good once and for 10 minutes.
func (f server) oauthAccess(w http.ResponseWriter, r *http.Request) {
	p, err := fakeReadParams(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id, secret := p["client_id"], p["client_secret"]
	if u, pw, ok := r.BasicAuth(); ok {
		id, secret = u, pw
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.byMethod["oauth.v2.access"]++
	f.calls = append(f.calls, Call{Method: "oauth.v2.access", N: len(f.calls) + 1, MethodN: f.byMethod["oauth.v2.access"], At: f.now()})
	if f.ws.clientID == "" || id != f.ws.clientID {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_client_id"})
		return
	}
	if secret != f.ws.clientSecret {
		writeJSON(w, map[string]any{"ok": false, "error": "bad_client_secret"})
		return
	}
	c, ok := f.ws.codes[p["code"]]
	switch {
	case !ok:
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_code"})
		return
	case c.used || f.now().Sub(c.issuedAt) > 10*time.Minute:
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_code"})
		return
	}
	c.used = true
	g := c.grant
	if f.ws.teams == nil {
		f.ws.teams = map[string]string{}
	}
	f.ws.teams[g.Token] = g.Team
	resp := map[string]any{
		"ok": true, "access_token": g.Token, "token_type": "bot", "scope": strings.Join(g.Scopes, ","),
		"bot_user_id": g.BotUser, "app_id": AppID,
		"team":        map[string]any{"id": g.Team, "name": g.TeamName},
		"authed_user": map[string]any{"id": g.Installer},
	}
	if g.Enterprise != "" {
		resp["enterprise"] = map[string]any{"id": g.Enterprise, "name": g.Enterprise}
	}
	writeJSON(w, resp)
}

// authTest answers auth.test for the token the call carried.
func (f server) authTest(w http.ResponseWriter, c Call, _ map[string]string) {
	writeJSON(w, map[string]any{"ok": true, "url": "https://" + strings.ToLower(c.Workspace) + ".slack.com/", "team": c.Workspace, "team_id": c.Workspace, "user_id": BotUser, "bot_id": BotID})
}

// SetApproval makes the fake's authorize page (/oauth/v2/authorize, where
// Slack sends the installing browser) approve with g: it sends the
// browser back to the redirect_uri with a fresh code for g and the
// state, as Slack does once the user clicks Allow.
func (f *FakeWebAPI) SetApproval(g OAuthGrant) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ws.approval = g
}

// authorize is Slack's authorize page, approving with SetApproval's grant.
func (f server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	g, id := f.ws.approval, f.ws.clientID
	f.mu.Unlock()
	if q.Get("client_id") != id || q.Get("redirect_uri") == "" || g.Team == "" {
		http.Error(w, "invalid_client_id or no approval set", http.StatusBadRequest)
		return
	}
	back := url.Values{"code": {f.IssueCode(g)}, "state": {q.Get("state")}}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
}

// Published is a Home tab the fake received through views.publish.
type Published struct {
	User, Workspace string
	View            slack.HomeTabViewRequest
}

// viewsPublish answers views.publish as strictly as Slack: a user, a
// view of type home that decodes, within 100 blocks.
func (f server) viewsPublish(w http.ResponseWriter, c Call, p map[string]string) {
	var v slack.HomeTabViewRequest
	if err := json.Unmarshal([]byte(p["view"]), &v); err != nil || v.Type != slack.VTHomeTab {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_arguments"})
		return
	}
	if p["user_id"] == "" {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_arguments"})
		return
	}
	if len(v.Blocks.BlockSet) > 100 {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_blocks", "errors": []string{"must provide no more than 100 items [json-pointer:/view/blocks]"}})
		return
	}
	f.mu.Lock()
	for _, bl := range v.Blocks.BlockSet {
		chart, isChart := bl.(*slack.DataVisualizationBlock)
		if slices.Contains(f.refusedBlocks, string(bl.BlockType())) || isChart && chart.Validate() != nil {
			f.mu.Unlock()
			writeJSON(w, map[string]any{"ok": false, "error": "invalid_blocks"})
			return
		}
	}
	f.ws.published = append(f.ws.published, Published{User: p["user_id"], Workspace: c.Workspace, View: v})
	id := fmt.Sprintf("VHOME%04d", len(f.ws.published))
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "view": map[string]any{"id": id, "type": "home", "team_id": c.Workspace}})
}

// PublishedHomes returns the Home tabs published, in order.
func (f *FakeWebAPI) PublishedHomes() []Published {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Published(nil), f.ws.published...)
}
