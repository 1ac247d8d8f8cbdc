package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot/secretbox"
)

func testConfig(t *testing.T, vars map[string]string) Config {
	t.Helper()
	all := map[string]string{"KPIBOT_DATA_DIR": t.TempDir(), "KPIBOT_ADDR": freeAddr(t), "KPIBOT_ADMIN_ADDR": freeAddr(t)}
	for k, v := range vars {
		all[k] = v
	}
	cfg, err := LoadConfig(env(all), files(nil))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestRunConsoleOnTheEmbeddedStore(t *testing.T) {
	cfg := testConfig(t, nil)
	var out, logs bytes.Buffer
	in := strings.NewReader("/user alice\n/log 3 rdv 1 offre\n/user bob\n/log 2 demos\n")
	err := Run(context.Background(), cfg, nil, IO{In: in, Out: &out, Err: io.Discard}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Console kpibot", "Pour servir Slack", "3 rdv · 1 offre", "bob> /log 2 demos\n✅"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("console output lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(logs.String(), "embedded store in "+cfg.DataDir) {
		t.Errorf("start-up log does not say where data goes:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "slack_bot_token") || strings.Contains(logs.String(), "config") {
		t.Errorf("the console's log shows the configuration:\n%s", logs.String())
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "journal-000001.log")); err != nil {
		t.Errorf("embedded store's journal: %v", err)
	}

	// The data is still there on the next start.
	out.Reset()
	err = Run(context.Background(), cfg, []string{"console", "--user", "alice"}, IO{In: strings.NewReader("/log 1 rdv\n"), Out: &out, Err: io.Discard}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "alice> /log 1 rdv\n✅") || !strings.Contains(out.String(), "4 rdv · 1 offre") {
		t.Errorf("second run lost the first run's data:\n%s", out.String())
	}
}

func TestRunRefusesUnknownCommand(t *testing.T) {
	if err := Run(context.Background(), testConfig(t, nil), []string{"serve-everything"}, IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}, slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("Run accepted an unknown command")
	}
}

func TestRunServesSlackOverHTTP(t *testing.T) {
	// users.info is down: the command must work all the same.
	slackAPI := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go slackAPI.Serve(ln)
	defer slackAPI.Close()

	cfg := testConfig(t, map[string]string{"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "shh", "SLACK_API_URL": "http://" + ln.Addr().String()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	listening, adminListening := make(chan string, 1), make(chan string, 1)
	stdio := IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard, Listening: func(a string) { listening <- a }, AdminListening: func(a string) { adminListening <- a }}
	go func() { done <- Run(ctx, cfg, nil, stdio, slog.New(slog.DiscardHandler)) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	var base string
	select {
	case addr := <-listening:
		base = "http://" + addr
	case err := <-done:
		t.Fatalf("Run ended early: %v", err)
	}
	adminBase := "http://" + <-adminListening
	if resp, err := http.Get(adminBase + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	body := url.Values{"team_id": {"T1"}, "user_id": {"U1"}, "command": {"/log"}, "text": {"5 calls 2 demos"}, "trigger_id": {"t-1"}, "response_url": {base + "/unused"}}.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte("shh"))
	io.WriteString(mac, "v0:"+ts+":"+body)
	req, _ := http.NewRequest(http.MethodPost, base+"/slack/commands", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var msg struct {
		Text         string `json:"text"`
		ResponseType string `json:"response_type"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&msg); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || msg.ResponseType != "ephemeral" || !strings.Contains(msg.Text, "5 appels · 2 démos") {
		t.Fatalf("reply %d %+v", resp.StatusCode, msg)
	}
	m, err := http.Get(adminBase + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Body.Close()
	metricsText, _ := io.ReadAll(m.Body)
	for _, want := range []string{`kpibot_commands_total{command="/log",outcome="ok"} 1`, `kpibot_commands_total{command="/log",outcome="error"} 0`, `kpibot_slack_deliveries_total{outcome="failed"} 0`, `kpibot_llm_fallbacks_total{reason="timeout"} 0`} {
		if !strings.Contains(string(metricsText), want) {
			t.Errorf("/metrics lacks %s:\n%s", want, metricsText)
		}
	}
}

// Two kpibot processes on one data directory lost one another's check-ins:
// the second must refuse to start, saying who holds the folder.
func TestRunRefusesADataDirectoryInUse(t *testing.T) {
	cfg := testConfig(t, nil)
	in, keepOpen := io.Pipe()
	defer keepOpen.Close()
	listening := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- Run(context.Background(), cfg, nil, IO{In: in, Out: io.Discard, Err: io.Discard, Listening: func(string) { close(listening) }}, slog.New(slog.DiscardHandler))
	}()
	select {
	case <-listening:
	case err := <-first:
		t.Fatalf("first console ended: %v", err)
	}

	second := cfg
	second.Addr = freeAddr(t)
	err := Run(context.Background(), second, []string{"console"}, IO{In: strings.NewReader("/log 1 rdv\n"), Out: io.Discard, Err: io.Discard}, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "in use by another process") || !strings.Contains(err.Error(), "MONGODB_URI") {
		t.Fatalf("second console on the same data directory: err = %v", err)
	}
	keepOpen.Close()
	if err := <-first; err != nil {
		t.Fatalf("first console: %v", err)
	}
}

// A SLACK_BOT_TOKEN that Slack refuses stops kpibot at start with a
// clear message that does not repeat the token.
func TestBadBotTokenFailsFast(t *testing.T) {
	slackAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
	}))
	defer slackAPI.Close()
	cfg := testConfig(t, map[string]string{"SLACK_BOT_TOKEN": "xoxb-revoked-123", "SLACK_SIGNING_SECRET": "shh", "SLACK_API_URL": slackAPI.URL})
	err := Run(context.Background(), cfg, nil, IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN: Slack refused it (invalid_auth)") || strings.Contains(err.Error(), "xoxb-revoked-123") {
		t.Fatalf("Run = %v", err)
	}
}

// With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, the Slack listener serves
// the install link: a redirect to Slack's authorize page beside
// SLACK_API_URL, with a state its HttpOnly cookie vouches for.
func TestOAuthModeServesTheInstallLink(t *testing.T) {
	addr := freeAddr(t)
	key := secretbox.NewKey()
	r := startRun(t, map[string]string{
		"SLACK_CLIENT_ID": "cid.7", "SLACK_CLIENT_SECRET": "client-secret-7", "SLACK_SIGNING_SECRET": obsSecret,
		"SLACK_API_URL": "http://127.0.0.1:1/api/", "KPIBOT_ADDR": addr, "KPIBOT_PUBLIC_URL": "http://localhost:8080",
		"KPIBOT_ENCRYPTION_KEY": key,
	})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(r.slack + "/slack/install")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Host != "127.0.0.1:1" || loc.Path != "/oauth/v2/authorize" || loc.Query().Get("client_id") != "cid.7" || loc.Query().Get("redirect_uri") != "http://localhost:8080/slack/oauth/callback" {
		t.Fatalf("install: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if ck := resp.Cookies(); len(ck) != 1 || !ck[0].HttpOnly {
		t.Errorf("cookies %v", ck)
	}
	// Slack's request URLs are still served beside it.
	if resp := signedLog(t, r.slack, "1 rdv", "t-oauth"); resp.StatusCode != http.StatusOK {
		t.Errorf("/log in OAuth mode: %d", resp.StatusCode)
	}
	// Neither the log (the configuration's line included) nor the admin
	// listener shows a secret.
	_, metricsText := get(t, r.admin+"/metrics")
	for name, secret := range map[string]string{"the client secret": "client-secret-7", "the signing secret": obsSecret, "the encryption key": key} {
		if strings.Contains(r.logs.String(), secret) {
			t.Errorf("the logs show %s", name)
		}
		if strings.Contains(metricsText, secret) {
			t.Errorf("/metrics shows %s", name)
		}
	}
}
