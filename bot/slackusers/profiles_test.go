package slackusers

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/prompts"
)

func TestSlackProfilesFallBackAndLogOnce(t *testing.T) {
	fake := testkit.NewSocketSlack(t)
	var logs bytes.Buffer
	clk := testkit.NewClock(testkit.Monday10)
	p := New(fake.API(), prompts.French, clk.Now, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := context.Background()

	// Slack is down: no profile, so the handler uses the defaults.
	for _, u := range []string{"U1", "U2", "U3"} {
		if _, ok := p.Profile(ctx, "T1", u); ok {
			t.Fatalf("%s: profile from a failing users.info", u)
		}
	}
	if n := strings.Count(logs.String(), "users.info failed"); n != 1 {
		t.Fatalf("logged the outage %d times, want once:\n%s", n, logs.String())
	}

	// Slack is back; a failed lookup is retried after a while.
	fake.UserInfo = `{"ok":true,"user":{"id":"U1","tz":"Asia/Tokyo","locale":"en-GB"}}`
	if _, ok := p.Profile(ctx, "T1", "U1"); ok {
		t.Fatal("a failed lookup was retried at once")
	}
	clk.Set(testkit.Monday10.Add(6 * time.Minute))
	got, ok := p.Profile(ctx, "T1", "U1")
	if !ok || got.Loc.String() != "Asia/Tokyo" || got.Lang != prompts.English {
		t.Fatalf("profile = %+v, %v", got, ok)
	}
	// Cached: a Slack outage now does not change a known profile.
	fake.UserInfo = ""
	if got, ok := p.Profile(ctx, "T1", "U1"); !ok || got.Lang != prompts.English {
		t.Fatal("cached profile lost")
	}
}

func TestSlackProfilesUnknownLocaleUsesFallback(t *testing.T) {
	fake := testkit.NewSocketSlack(t)
	fake.UserInfo = `{"ok":true,"user":{"id":"U1","tz":"","locale":"de-DE"}}`
	p := New(fake.API(), prompts.French, nil, nil)
	got, ok := p.Profile(context.Background(), "T1", "U1")
	if !ok || got.Lang != prompts.French || got.Loc != nil {
		t.Fatalf("profile = %+v, %v; want French and no timezone", got, ok)
	}
}
