package demo_test

import (
	"context"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
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
	a := demo.CheckIns(rand.New(rand.NewPCG(7, 7)), today, testkit.Paris, prompts.French)
	b := demo.CheckIns(rand.New(rand.NewPCG(7, 7)), today, testkit.Paris, prompts.French)
	c := demo.CheckIns(rand.New(rand.NewPCG(8, 8)), today, testkit.Paris, prompts.French)
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
// history, written in the workspace's language; seeding again adds
// nothing.
func TestSeedGivesARealTeam(t *testing.T) {
	tests := []struct {
		lang                                   prompts.Lang
		digest, history, done, entries, button string
		// notWords are the other language's words the team's own texts
		// (check-ins, practices, questions, commitments) would show.
		notWords []string
	}{
		{prompts.French, "Synthèse de la semaine", "Qualifier chaque lead", "— fait", "Tes dernières saisies", "[✏️ Modifier]", []string{"calls", "meeting", "proposal", "every", "the "}},
		{prompts.English, "Weekly digest", "Qualify every lead", "— done", "Your last check-ins", "[✏️ Edit]", []string{"appels", "rdv", "offre", "relance", "chaque", "Je ", "tes ", "#ventes"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.lang), func(t *testing.T) {
			store := testkit.MemStore(t)
			out := testkit.NewRecordingOutbox(t)
			h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: testkit.NewClock(testkit.Monday10).Now, TZ: testkit.Paris, Lang: tt.lang, Outbox: out, Logger: testkit.Quiet})
			ctx := context.Background()
			sum, err := demo.Seed(ctx, store, h, testkit.Monday10, testkit.Paris, 2026, tt.lang)
			if err != nil || sum.Already || sum.CheckIns < 8*demo.Weeks*3 || len(sum.Reps) != 8 {
				t.Fatalf("Seed = %+v, %v", sum, err)
			}
			again, err := demo.Seed(ctx, store, h, testkit.Monday10, testkit.Paris, 2026, tt.lang)
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
			for _, want := range []string{tt.digest, "coaching"} {
				if !strings.Contains(digest, want) {
					t.Errorf("the digest lacks %q:\n%s", want, digest)
				}
			}
			if got := run(demo.Manager, "ritual run review"); !strings.Contains(got, "1 message") {
				t.Errorf("review: %s", got)
			}
			var review string
			for _, m := range out.Sent {
				if m.Channel == demo.Channel(tt.lang) {
					review += views.PlainText(m.Msg)
				}
			}
			if review == "" || !strings.Contains(review, prompts.Text(tt.lang, "demo.practice.1", nil)) {
				t.Errorf("the review in #%s does not share the team's practice:\n%s", demo.Channel(tt.lang), review)
			}
			history := run(demo.Manager, "coach history @bruno")
			if !strings.Contains(history, tt.history) || !strings.Contains(history, tt.done) {
				t.Errorf("coaching history: %s", history)
			}
			alice := run(demo.Reps()[0], "home")
			for _, want := range []string{tt.entries, "signatures", tt.button} {
				if !strings.Contains(alice, want) {
					t.Errorf("Alice's App Home lacks %q:\n%s", want, alice)
				}
			}
			for _, text := range []string{review, history, alice} {
				for _, w := range tt.notWords {
					if strings.Contains(text, w) {
						t.Errorf("%q, a word of the other language, in:\n%s", w, text)
					}
				}
			}
			if teams, _ := store.AllTeams(ctx); !slices.ContainsFunc(teams, func(tm storage.Team) bool { return tm.Workspace == demo.Workspace && len(tm.Reps) == 8 }) {
				t.Error("no demo team of 8 reps")
			}
		})
	}
}

// percent finds a percentage as the bot writes it: "15 %", "1,8 %", "15%".
var percent = regexp.MustCompile(`(-?\d+(?:[.,]\d+)?)[\s\x{00a0}\x{202f}]?%`)

// The demo team's funnels are consistent: each day's stage holds no more
// than the one before it, some offers are lost, and the reps' rates differ
// by their habits. So every rate the digest, /kpi team, /kpi me and App
// Home show, in both languages, lies between 0 and 100 %, and the win rate
// is below 100 %.
func TestDemoRatesAreRealistic(t *testing.T) {
	today := kpi.DateOf(testkit.Monday10)
	all := demo.CheckIns(rand.New(rand.NewPCG(2026, 2026^0x9e3779b97f4a7c15)), today, testkit.Paris, prompts.French)
	won, lost := 0, 0
	byRep := map[string]kpi.Totals{}
	for _, c := range all {
		n := c.Counts
		if n["leads"] > n["calls"] || n["meetings"] > n["leads"] || n["proposals"] > n["meetings"] || n["signatures"]+n["lost"] > n["proposals"] {
			t.Fatalf("a funnel that widens: %s %s %v", c.User, c.Day, n)
		}
		won, lost = won+n["signatures"], lost+n["lost"]
		tot := byRep[c.User]
		if tot.Counts == nil {
			tot.Counts = map[kpi.Metric]int{}
		}
		for m, v := range n {
			tot.Counts[kpi.Metric(m)] += v
		}
		byRep[c.User] = tot
	}
	if lost == 0 || won == 0 {
		t.Fatalf("%d deals won and %d lost in 12 weeks: want some of each", won, lost)
	}
	// Habits show: the reps' leads → meetings rates spread over 20 points.
	lo, hi := 1.0, 0.0
	for _, tot := range byRep {
		r := kpi.Funnel(tot, kpi.DefaultMinEvents)[1]
		lo, hi = min(lo, r.Value), max(hi, r.Value)
	}
	if hi-lo < 0.20 {
		t.Errorf("leads → meetings from %.0f%% to %.0f%%: the reps look alike", lo*100, hi*100)
	}

	ctx := context.Background()
	for _, lang := range []prompts.Lang{prompts.French, prompts.English} {
		store := testkit.MemStore(t)
		out := testkit.NewRecordingOutbox(t)
		h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: testkit.NewClock(testkit.Monday10).Now, TZ: testkit.Paris, Lang: lang, Outbox: out, Logger: testkit.Quiet})
		if _, err := demo.Seed(ctx, store, h, testkit.Monday10, testkit.Paris, 2026, lang); err != nil {
			t.Fatal(err)
		}
		run := func(user, text string) string {
			t.Helper()
			msg, err := h.Handle(ctx, bot.Command{Workspace: demo.Workspace, User: user, Name: "/kpi", Text: text, Key: string(lang) + user + text, Source: "console"})
			if err != nil {
				t.Fatal(err)
			}
			return views.PlainText(msg)
		}
		texts := map[string]string{}
		run(demo.Manager, "ritual run digest")
		texts["digest"] = views.PlainText(out.Sent[len(out.Sent)-1].Msg)
		texts["team"] = run(demo.Manager, "team")
		texts["team month"] = run(demo.Manager, "team month")
		texts["manager's home"] = run(demo.Manager, "home")
		for _, rep := range demo.Reps() {
			texts[rep+"'s home"] = run(rep, "home")
			texts[rep+"'s month"] = run(rep, "me month")
		}
		rates := 0
		for name, text := range texts {
			for _, m := range percent.FindAllStringSubmatch(text, -1) {
				v, err := strconv.ParseFloat(strings.ReplaceAll(m[1], ",", "."), 64)
				if err != nil || v < 0 || v > 100 {
					t.Errorf("%s %s shows %q:\n%s", lang, name, m[0], text)
				}
				rates++
			}
		}
		if rates < 100 {
			t.Errorf("%s: only %d rates read: the pattern misses the bot's percentages", lang, rates)
		}
		winRate := map[prompts.Lang]string{prompts.French: "taux de gain", prompts.English: "win rate"}[lang]
		if m := regexp.MustCompile(winRate + ` (\d+)`).FindStringSubmatch(texts["team month"]); m == nil || m[1] == "100" {
			t.Errorf("%s: the team's win rate this month: %v\n%s", lang, m, texts["team month"])
		}
	}
}

// Every demo check-in reads back, through /log's own parser, as the
// counts and revenue it stores: an entry a newcomer edits keeps them.
func TestCheckInsReadBackAsTyped(t *testing.T) {
	today := kpi.DateOf(testkit.Monday10)
	for _, lang := range prompts.Langs {
		for _, c := range demo.CheckIns(rand.New(rand.NewPCG(3, 3)), today, testkit.Paris, lang) {
			e, err := kpi.Parse(c.Raw, testkit.Monday10)
			if err != nil {
				t.Fatalf("%s: %q: %v", lang, c.Raw, err)
			}
			got := map[string]int{}
			for m, n := range e.Counts {
				got[string(m)] = n
			}
			if !maps.Equal(got, c.Counts) || e.RevenueCents != c.RevenueCents {
				t.Fatalf("%s: %q reads as %v and %d cents, stored %v and %d", lang, c.Raw, got, e.RevenueCents, c.Counts, c.RevenueCents)
			}
		}
	}
}
