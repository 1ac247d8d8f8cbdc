package slackusers

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
	"github.com/kpibot/kpibot/storage/storagetest"
)

// usersInfo is users.info from a map; a user missing from it, or every
// user while down, fails as a timeout would.
type usersInfo struct {
	mu    sync.Mutex
	users map[string]slack.User
	down  bool
	calls []string
}

func (f *usersInfo) GetUserInfoContext(_ context.Context, user string, _ ...slack.GetUserInfoOption) (*slack.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, user)
	u, ok := f.users[user]
	if f.down || !ok {
		return nil, errors.New("context deadline exceeded")
	}
	return &u, nil
}

func (f *usersInfo) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *usersInfo) set(down bool, users ...slack.User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
	f.users = map[string]slack.User{}
	for _, u := range users {
		f.users[u.ID] = u
	}
}

func TestProfilesFallBackAndLogOnce(t *testing.T) {
	api := &usersInfo{}
	api.set(true)
	var logs bytes.Buffer
	clk := testkit.NewClock(testkit.Monday10)
	p := New(api, storagetest.Open(t), prompts.French, clk.Now, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := context.Background()

	// Slack is down and nothing is stored: no profile, so the handler
	// uses the defaults.
	for _, u := range []string{"U1", "U2", "U3"} {
		if _, ok := p.Profile(ctx, "T1", u); ok {
			t.Fatalf("%s: profile from a failing users.info", u)
		}
	}
	if n := strings.Count(logs.String(), "users.info failed"); n != 1 {
		t.Fatalf("logged the outage %d times, want once:\n%s", n, logs.String())
	}

	// Slack is back; a failed lookup is retried after a while.
	api.set(false, slack.User{ID: "U1", TZ: "Asia/Tokyo", Locale: "en-GB"})
	if _, ok := p.Profile(ctx, "T1", "U1"); ok {
		t.Fatal("a failed lookup was retried at once")
	}
	clk.Set(testkit.Monday10.Add(6 * time.Minute))
	got, ok := p.Profile(ctx, "T1", "U1")
	if !ok || got.Loc.String() != "Asia/Tokyo" || got.Lang != prompts.English {
		t.Fatalf("profile = %+v, %v", got, ok)
	}
	if !strings.Contains(logs.String(), "works again") {
		t.Errorf("recovery not logged:\n%s", logs.String())
	}
}

func TestProfilesStoredRefreshedDailyNeverByTheScheduler(t *testing.T) {
	api := &usersInfo{}
	api.set(false, slack.User{ID: "U1", TZ: "America/New_York", Locale: "en-US"})
	store := storagetest.Open(t)
	clk := testkit.NewClock(testkit.Monday10)
	p := New(api, store, prompts.French, clk.Now, testkit.Quiet)
	ctx := context.Background()

	// The scheduler's side never asks Slack, even for someone unknown.
	if _, ok := p.KnownProfile(ctx, "T1", "U1"); ok || api.count() != 0 {
		t.Fatalf("KnownProfile of an unknown user: ok=%v, %d users.info calls", ok, api.count())
	}
	// A command stores the profile...
	if got, ok := p.Profile(ctx, "T1", "U1"); !ok || got.Loc.String() != "America/New_York" || got.Lang != prompts.English {
		t.Fatalf("profile = %+v, %v", got, ok)
	}
	stored, err := store.UserProfile(ctx, "T1", "U1")
	if err != nil || stored.TZ != "America/New_York" || stored.Locale != "en-US" || !stored.RefreshedAt.Equal(testkit.Monday10) {
		t.Fatalf("stored %+v, %v", stored, err)
	}
	// ...which a process started later, with Slack down, serves to both
	// sides from the store alone.
	api.set(true)
	later := New(api, store, prompts.French, clk.Now, testkit.Quiet)
	clk.Set(testkit.Monday10.Add(23 * time.Hour))
	for range 3 {
		if got, ok := later.KnownProfile(ctx, "T1", "U1"); !ok || got.Loc.String() != "America/New_York" {
			t.Fatalf("known = %+v, %v", got, ok)
		}
		if got, ok := later.Profile(ctx, "T1", "U1"); !ok || got.Lang != prompts.English {
			t.Fatalf("profile = %+v, %v", got, ok)
		}
	}
	if api.count() != 1 {
		t.Fatalf("%d users.info calls within a day, want the first only", api.count())
	}
	// A day on, a command refreshes it; Slack failing leaves the stale
	// profile in use rather than the workspace defaults.
	clk.Set(testkit.Monday10.Add(25 * time.Hour))
	if got, ok := later.Profile(ctx, "T1", "U1"); !ok || got.Loc.String() != "America/New_York" || api.count() != 2 {
		t.Fatalf("stale profile with Slack down = %+v, %v after %d calls", got, ok, api.count())
	}
	api.set(false, slack.User{ID: "U1", TZ: "Europe/Paris", Locale: "fr-FR"})
	clk.Set(testkit.Monday10.Add(25*time.Hour + 6*time.Minute))
	if got, ok := later.Profile(ctx, "T1", "U1"); !ok || got.Loc.String() != "Europe/Paris" || got.Lang != prompts.French {
		t.Fatalf("refreshed profile = %+v, %v", got, ok)
	}
	if got, _ := later.KnownProfile(ctx, "T1", "U1"); got.Loc.String() != "Europe/Paris" {
		t.Fatalf("the scheduler still sees %v", got.Loc)
	}
}

func TestProfilesRefreshStale(t *testing.T) {
	api := &usersInfo{}
	api.set(false, slack.User{ID: "U1", TZ: "Asia/Tokyo"}, slack.User{ID: "U2", TZ: "Europe/Paris"}, slack.User{ID: "U3", TZ: "Europe/Paris"})
	store := storagetest.Open(t)
	clk := testkit.NewClock(testkit.Monday10)
	ctx := context.Background()
	if err := store.SaveUserProfile(ctx, storage.UserProfile{Workspace: "T1", User: "U1", TZ: "Asia/Tokyo", RefreshedAt: testkit.Monday10.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveUserProfile(ctx, storage.UserProfile{Workspace: "T1", User: "U2", TZ: "UTC", RefreshedAt: testkit.Monday10.Add(-30 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	p := New(api, store, prompts.French, clk.Now, testkit.Quiet)
	n, err := p.RefreshStale(ctx, "T1", []string{"U1", "U2", "U3"})
	if err != nil || n != 2 {
		t.Fatalf("refreshed %d, %v; want U2 (stale) and U3 (missing)", n, err)
	}
	if got := strings.Join(api.calls, ","); got != "U2,U3" {
		t.Fatalf("users.info for %s", got)
	}
	if got, ok := p.KnownProfile(ctx, "T1", "U2"); !ok || got.Loc.String() != "Europe/Paris" {
		t.Fatalf("U2 = %+v, %v", got, ok)
	}
}

func TestProfilesUnknownLocaleUsesFallback(t *testing.T) {
	api := &usersInfo{}
	api.set(false, slack.User{ID: "U1", Locale: "de-DE"})
	p := New(api, storagetest.Open(t), prompts.French, nil, nil)
	got, ok := p.Profile(context.Background(), "T1", "U1")
	if !ok || got.Lang != prompts.French || got.Loc != nil {
		t.Fatalf("profile = %+v, %v; want French and no timezone", got, ok)
	}
}

// A user_change is stored at once, for commands and the scheduler
// alike, with no users.info; what it leaves out is kept, and a profile
// it leaves incomplete is still looked up at the next command.
func TestProfileChangedIsStored(t *testing.T) {
	api := &usersInfo{}
	api.set(true) // Slack's Web API down: only the event tells
	store := storagetest.Open(t)
	clk := testkit.NewClock(testkit.Monday10)
	p := New(api, store, prompts.French, clk.Now, testkit.Quiet)
	ctx := context.Background()
	if err := store.SaveUserProfile(ctx, storage.UserProfile{Workspace: "T1", User: "U1", TZ: "Europe/Paris", Locale: "fr-FR", RefreshedAt: testkit.Monday10.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}

	if err := p.ProfileChanged(ctx, "T1", "U1", bot.ProfileChange{TZ: "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	if got, ok := p.KnownProfile(ctx, "T1", "U1"); !ok || got.Loc.String() != "America/New_York" || got.Lang != prompts.French {
		t.Fatalf("after a timezone change: %+v, %v", got, ok)
	}
	stored, _ := store.UserProfile(ctx, "T1", "U1")
	if stored.TZ != "America/New_York" || stored.Locale != "fr-FR" || !stored.RefreshedAt.Equal(testkit.Monday10) {
		t.Fatalf("stored %+v", stored)
	}

	// Someone never met, and an event without a locale: the timezone is
	// kept, and the next command still asks Slack for the rest.
	if err := p.ProfileChanged(ctx, "T1", "U2", bot.ProfileChange{TZ: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	if got, ok := p.KnownProfile(ctx, "T1", "U2"); !ok || got.Loc.String() != "Asia/Tokyo" {
		t.Fatalf("partial event: %+v, %v", got, ok)
	}
	api.set(false, slack.User{ID: "U2", TZ: "Asia/Tokyo", Locale: "en-GB"})
	if got, _ := p.Profile(ctx, "T1", "U2"); got.Lang != prompts.English || api.count() != 1 {
		t.Fatalf("after the next command: %+v, %d users.info calls", got, api.count())
	}
	if err := p.ProfileChanged(ctx, "T1", "UBOT", bot.ProfileChange{TZ: "Asia/Tokyo", Locale: "en-US", Bot: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.UserProfile(ctx, "T1", "UBOT"); err == nil {
		t.Fatal("a bot's profile was stored")
	}
}

// Slack's admins, owners and primary owner are kpibot's admins; the flag
// is stored with the profile, and a user Slack says nothing of is none.
func TestProfilesCarrySlackAdminFlags(t *testing.T) {
	ctx := context.Background()
	api := &usersInfo{}
	api.set(false,
		slack.User{ID: "UADMIN", IsAdmin: true}, slack.User{ID: "UOWNER", IsOwner: true},
		slack.User{ID: "UPRIMARY", IsPrimaryOwner: true}, slack.User{ID: "UREP"})
	p := New(api, storagetest.Open(t), prompts.French, func() time.Time { return testkit.Monday10 }, testkit.Quiet)
	for user, want := range map[string]bool{"UADMIN": true, "UOWNER": true, "UPRIMARY": true, "UREP": false} {
		got, ok := p.Profile(ctx, "T1", user)
		if !ok || got.Admin != want {
			t.Errorf("%s: Admin = %v (ok %v), want %v", user, got.Admin, ok, want)
		}
		known, ok := p.KnownProfile(ctx, "T1", user)
		if !ok || known.Admin != want {
			t.Errorf("%s stored: Admin = %v (ok %v), want %v", user, known.Admin, ok, want)
		}
	}
	// A user_change that no longer says admin demotes at once.
	if err := p.ProfileChanged(ctx, "T1", "UADMIN", bot.ProfileChange{TZ: "Europe/Paris", Locale: "fr-FR"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Profile(ctx, "T1", "UADMIN"); got.Admin {
		t.Error("a demoted admin is still admin after user_change")
	}
	if got, ok := p.Profile(ctx, "T1", "UGONE"); ok || got.Admin {
		t.Errorf("a user Slack could not be asked about: %+v, %v", got, ok)
	}
}
