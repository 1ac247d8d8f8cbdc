package bot_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
)

// Team figures reach the channel and the reps only when at least 3 reps
// logged: below, the review says so and names nobody, and /kpi team
// shows no total, for reps and manager alike. A team may ask for more,
// never for fewer.
func TestTeamFiguresNeedThreeContributors(t *testing.T) {
	totals := regexp.MustCompile(`[0-9] appels`)
	reps := []string{"UA", "UB", "UC", "UD", "UE"}
	for _, n := range []int{1, 2, 3, 5} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			store := memStore(t)
			clk := newClock(time.Date(2026, 11, 27, 18, 0, 0, 0, paris))
			out := testkit.NewRecordingOutbox(t)
			h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: out, Logger: quiet})
			ctx := context.Background()
			store.MakeManager(ctx, "T1", "UMAUD")
			join(t, h, "T1", "UMAUD", reps...)
			store.SetTeamChannel(ctx, "T1", "UMAUD", "C1")
			do := func(user, name, text string) string {
				msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: name, Text: text, Key: user + name + text})
				if err != nil {
					t.Fatal(err)
				}
				return views.PlainText(msg)
			}
			for i, rep := range reps[:n] {
				store.SetShoutout(ctx, "T1", rep, false)
				for _, day := range []string{"2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20", "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"} {
					sig := "0"
					if i == 0 && day >= "2026-11-23" {
						sig = "2" // the first rep's proposals started converting
					}
					do(rep, "/log", fmt.Sprintf("%s 20 appels 3 leads 2 rdv 2 offres %s signature", day, sig))
				}
			}
			enough := n >= 3
			for _, user := range []string{"UA", "UMAUD"} {
				got := do(user, "/kpi", "team")
				if totals.MatchString(got) == !enough || strings.Contains(got, "Trop peu de personnes ont noté") == enough {
					t.Errorf("/kpi team for %s with %d contributors:\n%s", user, n, got)
				}
			}
			out.Sent = nil
			clk.Set(time.Date(2026, 11, 30, 9, 30, 0, 0, paris))
			sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rituals.Review), paris)
			job := rituals.Job{Workspace: "T1", Team: "UMAUD", Ritual: rituals.Review, Schedule: sched}
			if _, err := bot.NewRitualPoster(h, out).Post(ctx, job, job.OccurrenceID(clk.Now()), clk.Now()); err != nil {
				t.Fatal(err)
			}
			review := views.PlainText(out.Sent[0].Msg)
			if enough {
				if !totals.MatchString(review) || !strings.Contains(review, "Quelqu'un de l'équipe a amélioré son taux offres → signatures") {
					t.Errorf("%d contributors: the review lacks team figures or the shout-out:\n%s", n, review)
				}
			} else if !strings.Contains(review, "Trop peu de personnes ont noté") || totals.MatchString(review) || strings.Contains(review, "Quelqu'un") {
				t.Errorf("%d contributors: the review shows figures or points to someone:\n%s", n, review)
			}
			for _, rep := range reps {
				if strings.Contains(review, rep) {
					t.Errorf("the review names %s:\n%s", rep, review)
				}
			}
			// An unnamed shout-out never carries the rep's figures.
			if strings.Contains(review, "%") && strings.Contains(review, "Quelqu'un") {
				shout := review[strings.Index(review, "Quelqu'un"):]
				if line, _, _ := strings.Cut(shout, "\n"); strings.Contains(line, "%") {
					t.Errorf("the unnamed shout-out gives figures: %s", line)
				}
			}
		})
	}
}

func TestTeamMinimumIsConfigurableNeverBelowThree(t *testing.T) {
	store := memStore(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: newClock(friday).Now, TZ: paris, Lang: prompts.English, Logger: quiet})
	ctx := context.Background()
	store.MakeManager(ctx, "T1", "UMAUD")
	join(t, h, "T1", "UMAUD", "UA", "UB", "UC")
	do := func(user, name, text string) string {
		msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: name, Text: text, Key: user + name + text})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}
	for _, rep := range []string{"UA", "UB", "UC"} {
		do(rep, "/log", "10 calls 1 lead")
	}
	if got := do("UA", "/kpi", "team"); !strings.Contains(got, "30 calls") {
		t.Fatalf("3 contributors, the default minimum:\n%s", got)
	}
	if got := do("UMAUD", "/kpi", "team min 2"); !strings.Contains(got, "at least 3 reps") {
		t.Errorf("a minimum of 2: %s", got)
	}
	if got := do("UA", "/kpi", "team min 5"); !strings.Contains(got, "🔒") {
		t.Errorf("a rep set the minimum: %s", got)
	}
	if got := do("UMAUD", "/kpi", "team min 4"); !strings.Contains(got, "at least 4 reps") {
		t.Errorf("a minimum of 4: %s", got)
	}
	if got := do("UA", "/kpi", "team"); strings.Contains(got, "calls") || !strings.Contains(got, "3 of the 4 needed") {
		t.Errorf("3 contributors of 4 needed:\n%s", got)
	}
}

// The manager sees rates, outcomes, objectives, signals and the days
// logged, never the rep's raw activity counts unless the rep shares
// them; the rep sees exactly that view with --manager-view.
func TestManagerSeesRatesAndOutcomesNotCounts(t *testing.T) {
	store := memStore(t)
	clk := newClock(time.Date(2026, 11, 16, 9, 0, 0, 0, paris))
	out := testkit.NewRecordingOutbox(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.English, Outbox: out, Logger: quiet})
	ctx := context.Background()
	store.MakeManager(ctx, "T1", "UMAUD")
	join(t, h, "T1", "UMAUD", "ULEA", "UB", "UC")
	do := func(user, name, text string) string {
		msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: name, Text: text, Key: user + name + text + clk.Now().String()})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}
	do("ULEA", "/kpi", "goal set meetings 6 week")
	clk.Set(time.Date(2026, 11, 27, 18, 0, 0, 0, paris))
	for _, day := range []string{"monday", "tuesday", "thursday"} {
		do("ULEA", "/log", day+" 23 calls 4 leads 1 meeting 1 proposal 1 sale 8k")
	}
	counts := []string{"69 calls", "12 leads", "3 meetings", "3 proposals", "meetings 3 / 6"}

	own := do("ULEA", "/kpi", "me")
	for _, c := range counts {
		if !strings.Contains(own, c) {
			t.Errorf("the rep's own view lacks %q:\n%s", c, own)
		}
	}
	mgr := do("UMAUD", "/kpi", "me <@ULEA>")
	preview := do("ULEA", "/kpi", "me --manager-view")
	for name, got := range map[string]string{"manager": mgr, "preview": preview} {
		for _, c := range counts {
			// Whole words: an objective code may end in a digit ("crgw3 meetings").
			if regexp.MustCompile(`(^|[\s·])` + regexp.QuoteMeta(c)).MatchString(got) {
				t.Errorf("the %s view shows %q:\n%s", name, c, got)
			}
		}
		for _, want := range []string{"3 signatures", "€24,000", "calls → leads: 17%", "meetings: objective 6 (week)", "3 of 5 working days"} {
			if !strings.Contains(got, want) {
				t.Errorf("the %s view lacks %q:\n%s", name, want, got)
			}
		}
	}
	if !strings.Contains(preview, "What your manager sees of you") {
		t.Errorf("preview title:\n%s", preview)
	}
	// Below the title, the preview is the manager's view, line for line,
	// but for who it speaks to.
	if a, b := strings.Count(mgr, "\n"), strings.Count(preview, "\n"); a != b {
		t.Errorf("the manager's view has %d lines, the preview %d:\n%s\n---\n%s", a, b, mgr, preview)
	}
	if got := do("UMAUD", "/kpi", "me <@ULEA> --manager-view"); !strings.Contains(got, "--manager-view") {
		t.Errorf("a manager asking for a rep's preview: %s", got)
	}

	// The digest lists Léa's objective without her count.
	clk.Set(time.Date(2026, 11, 30, 8, 0, 0, 0, paris))
	sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rituals.Digest), paris)
	job := rituals.Job{Workspace: "T1", Team: "UMAUD", Ritual: rituals.Digest, Schedule: sched}
	out.Sent = nil
	if _, err := bot.NewRitualPoster(h, out).Post(ctx, job, job.OccurrenceID(clk.Now()), clk.Now()); err != nil {
		t.Fatal(err)
	}
	digest := views.PlainText(out.Sent[0].Msg)
	if !strings.Contains(digest, "<@ULEA> · meetings: objective 6") || strings.Contains(digest, "meetings 3 / 6") {
		t.Errorf("the digest shows Léa's count:\n%s", digest)
	}

	// She shares her counts: her manager sees them.
	clk.Set(time.Date(2026, 11, 27, 18, 0, 0, 0, paris))
	if got := do("ULEA", "/kpi", "share counts on"); !strings.Contains(got, "now sees your raw activity counts") {
		t.Errorf("share on: %s", got)
	}
	if got := do("UMAUD", "/kpi", "me <@ULEA>"); !strings.Contains(got, "69 calls") || !strings.Contains(got, "meetings 3 / 6") {
		t.Errorf("shared counts not shown to the manager:\n%s", got)
	}
	do("ULEA", "/kpi", "share counts off")
	if got := do("UMAUD", "/kpi", "me <@ULEA>"); strings.Contains(got, "69 calls") {
		t.Errorf("counts shown after share off:\n%s", got)
	}
	if got := do("ULEA", "/kpi", "share counts maybe"); !strings.Contains(got, "/kpi share counts on") {
		t.Errorf("bad share: %s", got)
	}

	// A rep who logged only activity has logged: the manager's view says
	// there is no outcome yet, never "nothing logged".
	clk.Set(time.Date(2026, 12, 1, 18, 0, 0, 0, paris))
	do("UB", "/log", "5 calls 2 meetings")
	for name, got := range map[string]string{"manager": do("UMAUD", "/kpi", "me <@UB>"), "preview": do("UB", "/kpi", "me --manager-view")} {
		if strings.Contains(got, "Nothing logged") || !strings.Contains(got, "No outcome") || strings.Contains(got, "5 calls") {
			t.Errorf("the %s view of a rep who logged only activity:\n%s", name, got)
		}
	}
}

// In a team of two, the reverse funnel does not use "the team's rates":
// they would be the teammate's own.
func TestPlanUsesNoTeamRatesBelowThreeContributors(t *testing.T) {
	store := memStore(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: newClock(friday).Now, TZ: paris, Lang: prompts.French, Logger: quiet})
	ctx := context.Background()
	store.MakeManager(ctx, "T1", "UMAUD")
	join(t, h, "T1", "UMAUD", "UA", "UB", "UC")
	do := func(user, name, text string) string {
		msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: name, Text: text, Key: user + name + text})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}
	for _, day := range []string{"lundi", "mardi", "mercredi"} {
		do("UB", "/log", day+" 30 appels 9 leads 6 rdv 6 offres 3 signatures")
	}
	if got := do("UA", "/kpi", "plan 5 signatures"); strings.Contains(got, "taux de l'équipe") || !strings.Contains(got, "repère de la source 003") {
		t.Errorf("one teammate's rates, as the team's:\n%s", got)
	}
	for _, day := range []string{"lundi", "mardi", "mercredi"} {
		do("UC", "/log", day+" 30 appels 9 leads 6 rdv 6 offres 3 signatures")
		do("UMAUD", "/log", day+" 30 appels 9 leads 6 rdv 6 offres 3 signatures")
	}
	do("UMAUD", "/kpi", "team add <@UMAUD>")
	if got := do("UA", "/kpi", "plan 5 signatures"); !strings.Contains(got, "taux de l'équipe") {
		t.Errorf("three contributors, and still no team rates:\n%s", got)
	}
}
