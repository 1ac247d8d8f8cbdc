package tenancy_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/slackoauth"
	"github.com/kpibot/kpibot/bot/slackscopes"
	"github.com/kpibot/kpibot/rituals"
)

// get reads url's body.
func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.Status + "\n" + headerText(resp.Header) + "\n" + string(body)
}

func headerText(h http.Header) string {
	var b strings.Builder
	_ = h.Write(&b)
	return b.String()
}

// In OAuth mode no secret leaves the process: two workspaces installed
// through the whole flow, then commands, a click, a modal, App Home, a
// digest with its PNGs, a CSV export, a refused install and a revoked
// token. Every log line, every HTTP answer (install pages with their
// headers, commands, interactions, events, /metrics, /healthz, /readyz),
// every message, modal and file the bot sent Slack, and the export, are
// searched for both bot tokens, the client secret, the signing secret and
// the encryption key; and no stored document holds a token in the clear.
func TestNoSecretInLogsAnswersMetricsOrExports(t *testing.T) {
	b := newOAuthBot(t)
	var seen []string // everything that left the process but the calls' credentials
	// The installs, page by page, with their headers and cookies.
	for team, token := range map[string]string{wsA: tokenA, wsB: tokenB} {
		b.fake.SetApproval(testkit.OAuthGrant{Team: team, TeamName: "Team " + team, Installer: "UADMIN" + team, BotUser: "UBOT", Token: token, Scopes: slackscopes.RequiredScopes()})
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, via []*http.Request) error {
			seen = append(seen, r.URL.String(), headerText(r.Response.Header))
			return nil
		}}
		page := get(t, c, b.srv.URL+slackoauth.InstallPath)
		if !strings.Contains(page, "Team "+team) {
			t.Fatalf("install %s:\n%s", team, page)
		}
		seen = append(seen, page)
		u, _ := url.Parse(b.srv.URL)
		for _, ck := range jar.Cookies(u) {
			seen = append(seen, ck.String())
		}
	}
	// A code brought back twice: the error page.
	code := b.fake.IssueCode(testkit.OAuthGrant{Team: "T9", Token: "xoxb-9-never-stored", Scopes: slackscopes.RequiredScopes()})
	refused := get(t, http.DefaultClient, b.srv.URL+slackoauth.CallbackPath+"?code="+code+"&state=forged")
	if strings.HasPrefix(refused, "200") {
		t.Errorf("a forged state was let in:\n%s", refused)
	}
	seen = append(seen, refused)

	// The bot at work, in both workspaces.
	b.fake.RefuseBlocks("data_visualization") // the digest's charts go up as PNGs
	seedB(t, b)
	for _, ws := range []string{wsA, wsB} {
		mgr, rep := mgrB, repB
		if ws == wsA {
			b.run(t, wsA, adminA, "/kpi", "team manager <@"+mgrA+">")
			b.run(t, wsA, mgrA, "/kpi", "team add <@"+repA+">")
			b.run(t, wsA, repA, "/kpi", "team accept")
			mgr, rep = mgrA, repA
		}
		for _, text := range []string{"lundi 20 appels 4 leads 2 rdv 1 offre", "3 rdvs 2 apels"} {
			seen = append(seen, b.run(t, ws, rep, "/log", text))
		}
		for _, text := range []string{"me", "export me", "home", "ritual run digest"} {
			seen = append(seen, b.run(t, ws, mgr, "/kpi", text), b.run(t, ws, rep, "/kpi", text))
		}
		seen = append(seen, b.act(t, ws, rep, "checkin_open", "b", "", "D1", false))
		seen = append(seen, b.submit(t, ws, rep, "checkin", "VSECRET"+ws, "", map[string]map[string]any{
			"calls": {"calls": map[string]any{"type": "number_input", "value": "3"}},
		}))
		seen = append(seen, b.event(t, ws, "EvSecretHome"+ws, map[string]any{"type": "app_home_opened", "user": rep, "channel": "D1", "tab": "home"}))
	}
	// A reminder, posted by the ritual poster as the scheduler does.
	sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rituals.Reminder), testkit.Paris)
	at := time.Now().In(testkit.Paris)
	job := rituals.Job{Workspace: wsA, Team: mgrA, Target: "UNEW", Ritual: rituals.Reminder, Schedule: sched}
	if _, err := bot.NewRitualPoster(b.handler, b.out).Post(context.Background(), job, job.OccurrenceID(at), at); err != nil {
		t.Errorf("reminder: %v", err)
	}

	// A's token revoked behind the bot's back: every call fails.
	b.fake.RevokeToken(tokenA)
	b.handler.Wait()
	for _, text := range []string{"export me", "ritual run digest"} {
		seen = append(seen, b.run(t, wsA, mgrA, "/kpi", text))
	}
	seen = append(seen, b.run(t, wsA, repA, "/log", ""))
	seen = append(seen, b.act(t, wsA, repA, "checkin_open", "b", "", "D1", false))
	b.resp.Wait()
	b.handler.Wait()
	if len(b.fake.BadAuthCalls()) == 0 {
		t.Error("no call met the revoked token: the error path was not taken")
	}

	// What the operators read.
	for _, path := range []string{"/metrics", "/healthz", "/readyz"} {
		seen = append(seen, get(t, http.DefaultClient, b.admin.URL+path))
	}
	// What Slack was sent: messages, modals, App Home, scheduled
	// messages and files (the exports' CSV among them).
	exports := 0
	for _, m := range b.fake.Posted() {
		seen = append(seen, m.Text+string(m.Blocks))
	}
	for _, v := range b.fake.OpenedViews() {
		seen = append(seen, string(v))
	}
	for _, h := range b.fake.PublishedHomes() {
		seen = append(seen, testkit.MustJSON(h.View))
	}
	for _, s := range b.fake.ScheduledMessages() {
		seen = append(seen, s.Text+string(s.Blocks))
	}
	for _, s := range b.fake.Shares() {
		body := string(b.fake.Upload(s.FileID))
		if strings.HasSuffix(s.Title, ".csv") || strings.HasPrefix(body, "entry,") || strings.Contains(body, ",revised,") || strings.Contains(s.Title, "Export") || strings.Contains(s.Title, "export") {
			exports++
		}
		seen = append(seen, s.Title, body)
	}
	if exports < 2 {
		t.Errorf("%d exports found among the files shared %+v: the test does not reach them", exports, b.fake.Shares())
	}
	seen = append(seen, b.hooks.String())
	metricsText := get(t, http.DefaultClient, b.admin.URL+"/metrics")
	if !strings.Contains(metricsText, `kpibot_slack_api_requests_total{method="files.completeUploadExternal"`) || !strings.Contains(metricsText, `kpibot_commands_total{command="/kpi"`) {
		t.Errorf("/metrics does not count the calls and commands the test made:\n%.3000s", metricsText)
	}

	// At rest, the tokens are sealed: no stored document holds one.
	if n, _ := b.store.Mentions(context.Background(), repA); len(n) == 0 {
		t.Fatal("Mentions finds nothing of A's rep: it cannot show a token is not stored either")
	}
	for _, token := range []string{tokenA, tokenB} {
		if n, err := b.store.Mentions(context.Background(), token); err != nil || len(n) > 0 {
			t.Errorf("a bot token is stored in the clear: %v %v", n, err)
		}
	}

	logs := b.logs.String()
	if !strings.Contains(logs, "invalid_auth") {
		t.Errorf("the revoked token's failures are not in the log")
	}
	secrets := map[string]string{"A's bot token": tokenA, "B's bot token": tokenB, "the client secret": e2eClient, "the signing secret": e2eSecret, "the encryption key": b.key}
	for name, secret := range secrets {
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, secret) {
				t.Errorf("a log line shows %s: %s", name, line)
			}
		}
		for _, s := range seen {
			if strings.Contains(s, secret) {
				t.Errorf("%s left the process in:\n%.1500s", name, s)
			}
		}
	}
}
