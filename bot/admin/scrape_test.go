package admin_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
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
	"github.com/kpibot/kpibot/bot/slackhttp"
	"github.com/kpibot/kpibot/bot/slackusers"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
)

// A /log over HTTP and a digest run by the scheduler against the strict
// fake Web API, then a scrape of the admin listener: the command's
// histogram, the Slack calls by method and status, the ritual's outcome
// and lag, the deliveries, the build info, and the Go and process
// collectors.
func TestScrapeAfterALogAndARitual(t *testing.T) {
	ctx := context.Background()
	monday8 := time.Date(2026, 11, 30, 8, 0, 0, 0, testkit.Paris)
	clk := testkit.NewStepClock(monday8)
	fake := testkit.NewFakeWebAPI(t)
	fake.SetClock(clk.Now)
	reg := metrics.New(metrics.Options{Version: "v-test", Revision: "0123abc", Rituals: []string{"digest"}})
	api := slack.New("xoxb-test", slack.OptionAPIURL(fake.URL()+"/"), slack.OptionHTTPClient(&http.Client{Transport: reg.SlackTransport(nil)}))
	d := deliver.New(deliver.Config{API: api, Clock: clk, Logger: testkit.Quiet})
	reg.WatchDeliveries(d.Stats)
	store := testkit.MemStore(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Profiles: slackusers.New(api, store, prompts.French, nil, testkit.Quiet), Now: clk.Now, TZ: testkit.Paris, Lang: prompts.French, Outbox: d, Logger: testkit.Quiet})
	store.MakeManager(ctx, "T1", "UMAUD")
	store.AddRep(ctx, "T1", "UMAUD", "U1")

	r := respond.New(respond.Config{Handler: h, Metrics: reg, Logger: testkit.Quiet})
	slackSrv := httptest.NewServer(slackhttp.NewHandler(slackhttp.Config{SigningSecret: testkit.TestSecret, Responder: r, Now: clk.Now, Logger: testkit.Quiet}))
	defer slackSrv.Close()
	adminSrv := httptest.NewServer(admin.NewHandler(admin.Config{Checks: []admin.Check{{Name: "storage", Check: store.Ping}}, Metrics: reg, Logger: testkit.Quiet}))
	defer adminSrv.Close()

	// The /log, over loopback HTTP.
	signed := testkit.SignedRequest("/slack/commands", testkit.SlashBody("U1", "2026-11-27 20 appels 3 leads 2 rdv 1 offre", "t-scrape", "http://127.0.0.1:1/unused"), testkit.TestSecret, clk.Now())
	req, _ := http.NewRequest(http.MethodPost, slackSrv.URL+"/slack/commands", signed.Body)
	req.Header = signed.Header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/log: %d", resp.StatusCode)
	}
	r.Wait()

	// The Monday digest, run by the scheduler.
	sched, err := rituals.ParseSchedule(rituals.DefaultSpec(rituals.Digest), testkit.Paris)
	if err != nil {
		t.Fatal(err)
	}
	runner := &rituals.Runner{Claimer: store, Poster: bot.NewRitualPoster(h, d), Holder: "A", Now: clk.Now, Logger: testkit.Quiet,
		Observe: func(o rituals.Outcome) { reg.ObserveRitual(string(o.Ritual), o.Kind, o.Lag) }}
	if rep := runner.Tick(ctx, []rituals.Job{{Workspace: "T1", Team: "UMAUD", Ritual: rituals.Digest, Schedule: sched}}); rep.Posted != 1 {
		t.Fatalf("tick: %+v", rep)
	}
	h.Wait()

	resp, err = http.Get(adminSrv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(raw)
	for _, want := range []string{
		`kpibot_commands_total{command="/log",outcome="ok"} 1`,
		`kpibot_command_duration_seconds_count{command="/log"} 1`,
		`kpibot_command_duration_seconds_bucket{command="/log",le="+Inf"} 1`,
		`kpibot_slack_api_requests_total{method="users.info",status="200"} 1`,
		`kpibot_slack_api_requests_total{method="chat.postMessage",status="200"} 1`,
		`kpibot_slack_api_request_duration_seconds_count{method="chat.postMessage"} 1`,
		`kpibot_ritual_occurrences_total{outcome="posted",ritual="digest"} 1`,
		`kpibot_ritual_occurrences_total{outcome="failed",ritual="digest"} 0`,
		`kpibot_ritual_lag_seconds_count{ritual="digest"} 1`,
		`kpibot_slack_deliveries_total{outcome="posted"} 1`,
		`kpibot_slack_deliveries_in_flight 0`,
		`kpibot_build_info{goversion="go`,
		`revision="0123abc",version="v-test"} 1`,
		"go_goroutines ",
		"process_cpu_seconds_total ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// The digest's first attempt goes to the manager's user ID.
	if strings.Contains(text, `method="conversations.open"`) || strings.Contains(text, `method="conversations.history"`) {
		t.Errorf("a first attempt opened or read the DM:\n%s", text)
	}
	// The uploads of the digest's charts go to URLs that are not methods.
	if strings.Contains(text, `method="upload`) || strings.Contains(text, "/upload/") {
		t.Errorf("an upload URL became a method label:\n%s", text)
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", text)
	}
}
