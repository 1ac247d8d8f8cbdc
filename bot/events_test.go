package bot_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
)

// Uninstalling the app deletes the workspace's token and stops its
// rituals, with one log line; another workspace's go on, and the data
// stays. A redelivery, to this replica or another, does nothing more.
func TestUninstallStopsTheWorkspacesRituals(t *testing.T) {
	store := memStore(t)
	ctx := context.Background()
	for _, ws := range []string{"T1", "T2"} {
		store.MakeManager(ctx, ws, "UMAUD")
		store.AddRep(ctx, ws, "UMAUD", "UALICE")
	}
	var logs testkit.SyncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	clk := newClock(monday10)
	replicas := []*bot.Handler{
		bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Logger: log, Replica: "a"}),
		bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Logger: log, Replica: "b"}),
	}
	before, err := replicas[0].RitualJobs(ctx, store, monday10)
	if err != nil {
		t.Fatal(err)
	}
	uninstall := bot.Event{ID: "Ev1", Workspace: "T1", Type: bot.EventAppUninstalled}
	for i, h := range replicas {
		uninstall.Retry = i
		if err := h.HandleEvent(ctx, uninstall); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(logs.String(), "app removed from a workspace"); n != 1 {
		t.Errorf("%d log lines for one uninstall, want 1:\n%s", n, logs.String())
	}
	in, err := store.Installation(ctx, "T1")
	if err != nil || in.Active() || in.SealedToken != "" || in.RevokedBy != bot.EventAppUninstalled {
		t.Fatalf("installation after app_uninstalled: %+v, %v", in, err)
	}
	after, err := replicas[1].RitualJobs(ctx, store, monday10)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) == 0 || len(after)*2 != len(before) {
		t.Fatalf("%d jobs before, %d after one of two workspaces left", len(before), len(after))
	}
	for _, j := range after {
		if j.Workspace != "T2" {
			t.Errorf("a job for %s, which uninstalled the app: %+v", j.Workspace, j)
		}
	}
	if teams, _ := store.AllTeams(ctx); len(teams) != 2 {
		t.Errorf("the uninstalled workspace's team was deleted: %+v", teams)
	}
}

// tokens_revoked stops the workspace only when its bot token is among
// the revoked; a user token alone is not the bot's.
func TestTokensRevoked(t *testing.T) {
	store := memStore(t)
	ctx := context.Background()
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: newClock(monday10).Now, Logger: quiet})
	if err := h.HandleEvent(ctx, bot.Event{ID: "Ev1", Workspace: "T1", Type: bot.EventTokensRevoked}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Installation(ctx, "T1"); err == nil {
		t.Fatal("a user token's revocation revoked the installation")
	}
	if err := h.HandleEvent(ctx, bot.Event{ID: "Ev2", Workspace: "T1", Type: bot.EventTokensRevoked, BotTokensRevoked: true}); err != nil {
		t.Fatal(err)
	}
	if in, err := store.Installation(ctx, "T1"); err != nil || in.Active() || in.RevokedBy != bot.EventTokensRevoked {
		t.Fatalf("after the bot token's revocation: %+v, %v", in, err)
	}
	if err := h.HandleEvent(ctx, bot.Event{Workspace: "T1", Type: bot.EventAppUninstalled}); err == nil {
		t.Fatal("an event without an ID was handled: it could be handled twice")
	}
}

// A user_change reaches the profile listener once, however often Slack
// delivers it; a new event about the same user is new.
func TestUserChangeHeardOnce(t *testing.T) {
	store := memStore(t)
	ctx := context.Background()
	l := &bottest.Listener{}
	h := bot.NewHandler(bot.HandlerConfig{Store: store, ProfileListener: l, Now: newClock(monday10).Now, Logger: quiet})
	ev := bot.Event{ID: "Ev9", Workspace: "T1", Type: bot.EventUserChange, User: "UALICE", Profile: &bot.ProfileChange{TZ: "Asia/Tokyo"}}
	for retry := range 3 {
		ev.Retry = retry
		if err := h.HandleEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	ev.ID, ev.Profile = "Ev10", &bot.ProfileChange{TZ: "Europe/Paris"}
	if err := h.HandleEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	// The same event_id in another workspace is another event.
	ev.Workspace = "T2"
	if err := h.HandleEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	want := []string{"T1/UALICE/Asia/Tokyo", "T1/UALICE/Europe/Paris", "T2/UALICE/Europe/Paris"}
	var got []string
	for _, h := range l.Heard() {
		got = append(got, h.Workspace+"/"+h.User+"/"+h.Change.TZ)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("heard %v, want %v", got, want)
	}
	// Events the bot does not act on are no error.
	if err := h.HandleEvent(ctx, bot.Event{ID: "Ev11", Workspace: "T1", Type: "team_rename"}); err != nil {
		t.Fatal(err)
	}
}
