package demo_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/demo"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// The same seed and day give the same check-ins; another seed, others.
func TestCheckInsAreDeterministic(t *testing.T) {
	today := kpi.DateOf(testkit.Monday10)
	a := demo.CheckIns(rand.New(rand.NewPCG(7, 7)), today, testkit.Paris)
	b := demo.CheckIns(rand.New(rand.NewPCG(7, 7)), today, testkit.Paris)
	c := demo.CheckIns(rand.New(rand.NewPCG(8, 8)), today, testkit.Paris)
	if len(a) < 8*demo.Weeks*3 || len(a) != len(b) {
		t.Fatalf("%d and %d check-ins", len(a), len(b))
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].Raw != b[i].Raw || a[i].RevenueCents != b[i].RevenueCents {
			t.Fatalf("check-in %d differs: %+v / %+v", i, a[i], b[i])
		}
	}
	if len(a) == len(c) && a[0].Raw == c[0].Raw && a[len(a)-1].Raw == c[len(c)-1].Raw {
		t.Error("another seed gave the same team")
	}
	first, _ := kpi.WeekOf(today)
	for _, ci := range a {
		d, _ := kpi.ParseDate(ci.Day)
		if !d.Before(today) || d.Before(first.AddDays(-7*demo.Weeks)) {
			t.Fatalf("a check-in on %s, outside the %d weeks before %s", ci.Day, demo.Weeks, today)
		}
	}
}

// Seeding gives a newcomer a real digest, review, App Home and coaching
// history; seeding again adds nothing.
func TestSeedGivesARealTeam(t *testing.T) {
	store := testkit.MemStore(t)
	out := testkit.NewRecordingOutbox(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: testkit.NewClock(testkit.Monday10).Now, TZ: testkit.Paris, Lang: prompts.French, Outbox: out, Logger: testkit.Quiet})
	ctx := context.Background()
	sum, err := demo.Seed(ctx, store, h, testkit.Monday10, testkit.Paris, 2026)
	if err != nil || sum.Already || sum.CheckIns < 8*demo.Weeks*3 || len(sum.Reps) != 8 {
		t.Fatalf("Seed = %+v, %v", sum, err)
	}
	again, err := demo.Seed(ctx, store, h, testkit.Monday10, testkit.Paris, 2026)
	if err != nil || !again.Already {
		t.Fatalf("seeding again: %+v, %v", again, err)
	}
	run := func(user, text string) string {
		msg, err := h.Handle(ctx, bot.Command{Workspace: demo.Workspace, User: user, Name: "/kpi", Text: text, Key: user + text, Source: "console"})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}
	if got := run(demo.Manager, "ritual run digest"); !strings.Contains(got, "1 message") {
		t.Fatalf("digest: %s", got)
	}
	digest := views.PlainText(out.Sent[len(out.Sent)-1].Msg)
	for _, want := range []string{"Synthèse de la semaine", "appels → leads", "coaching"} {
		if !strings.Contains(digest, want) {
			t.Errorf("the digest lacks %q:\n%s", want, digest)
		}
	}
	if got := run(demo.Manager, "ritual run review"); !strings.Contains(got, "1 message") {
		t.Errorf("review: %s", got)
	}
	inChannel := 0
	for _, m := range out.Sent {
		if m.Channel == demo.Channel {
			inChannel++
		}
	}
	if inChannel != 1 {
		t.Errorf("%d messages in the team's channel, want the review", inChannel)
	}
	if got := run(demo.Manager, "coach history @bruno"); !strings.Contains(got, "Qualifier chaque lead") || !strings.Contains(got, "— fait") {
		t.Errorf("coaching history: %s", got)
	}
	alice := run(demo.Reps()[0], "home")
	for _, want := range []string{"Tes dernières saisies", "signatures", "[✏️ Modifier]"} {
		if !strings.Contains(alice, want) {
			t.Errorf("Alice's App Home lacks %q:\n%s", want, alice)
		}
	}
	if teams, _ := store.AllTeams(ctx); !slices.ContainsFunc(teams, func(tm storage.Team) bool { return tm.Workspace == demo.Workspace && len(tm.Reps) == 8 }) {
		t.Error("no demo team of 8 reps")
	}
}
