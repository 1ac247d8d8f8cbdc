package bot_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/console"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
)

// coachConsole runs a console whose rituals and threads print to out.
func coachConsole(t *testing.T, now time.Time, lines []string) string {
	t.Helper()
	var out strings.Builder
	h := bot.NewHandler(bot.HandlerConfig{Store: memStore(t), Now: newClock(now).Now, TZ: paris, Lang: prompts.French, Outbox: console.NewOutbox(&out, t.TempDir()), Logger: quiet, DemoWorkspace: console.Workspace})
	n := 0
	c := &console.Terminal{Handler: h, In: strings.NewReader(strings.Join(lines, "\n")), Out: &out, User: "admin", Lang: prompts.French,
		NewKey: func() string { n++; return fmt.Sprintf("k%d", n) }}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestCoachingThreadInTheConsole(t *testing.T) {
	lines := []string{"/kpi team manager @maud", "/kpi team manager @marc"}
	lines = append(lines, consoleJoin("maud", "alice")...)
	lines = append(lines, consoleJoin("marc", "bob")...)
	// Alice's proposals stopped converting this fortnight.
	for d := 1; d <= 40; d++ {
		day := monday0930.AddDate(0, 0, -d)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		sig := 1
		if d <= 14 {
			sig = 0
		}
		lines = append(lines, "/user alice", fmt.Sprintf("/log %s 20 appels 3 leads 2 rdv 2 offres %d signature", day.Format(time.DateOnly), sig))
	}
	lines = append(lines,
		"/user bob", "/kpi coach @alice", // a rep: refused, reveals nothing
		"/user marc", "/kpi coach @alice", // another manager
		"/kpi coach history @alice",
		"/user admin", "/kpi coach @alice", // an admin
		"/user maud", "/kpi coach @alice",
	)
	out := coachConsole(t, monday0930, lines)
	for _, want := range []string{
		"bob> 🔒 C'est réservé au manager du commercial.",
		"marc> 🔒 C'est réservé au manager du commercial.",
		"marc> 🔒 C'est réservé au commercial et à son manager.",
		"admin> 🔒 C'est réservé au manager du commercial.",
		"┌─ → conversation privée @maud + @alice + le bot (eux seuls la voient)",
		"Échange de coaching — @maud et @alice (lun. 30 nov.)",
		"offres → signatures : 0 % · réf. 33 % · avant 47 % ↘",
		"À aborder\n• offres → signatures est passé de 47 % à 0 %",
		"Aucun engagement noté la dernière fois.",
		"┌─ → MP à @maud\n",
		"Questions proposées pour ton échange avec @alice — elles ne sont visibles que par toi\n1. ",
		"Rien n'est envoyé en ton nom avant ton choix.",
		"🤝 Échange de coaching ouvert avec @alice",
	} {
		if !strings.Contains(out, strings.ReplaceAll(want, " %", "\u202f%")) {
			t.Errorf("console lacks %q", want)
		}
	}
	// The draft did not reach the shared conversation.
	shared := out[strings.Index(out, "conversation privée"):]
	shared = shared[:strings.Index(shared, "└─")]
	if strings.Contains(shared, "1. ") {
		t.Errorf("draft questions leaked into the shared thread:\n%s", shared)
	}
	if t.Failed() {
		t.Log(out)
	}
}

func TestCoachingDraftCommitmentAndFollowUp(t *testing.T) {
	var out strings.Builder
	clk := newClock(monday0930)
	h := bot.NewHandler(bot.HandlerConfig{Store: memStore(t), Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: console.NewOutbox(&out, t.TempDir()), Logger: quiet, DemoWorkspace: console.Workspace})
	step := func(user, text string) string {
		t.Helper()
		msg, err := h.Handle(context.Background(), bot.Command{Workspace: console.Workspace, User: views.ConsolePrefix + user, Name: "/kpi", Text: text, Key: user + text, Source: "console"})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}
	latestCode := func() string {
		m := regexp.MustCompile(`/kpi coach post ([a-z2-9]{5})`).FindAllStringSubmatch(out.String(), -1)
		if m == nil {
			t.Fatalf("no draft code in:\n%s", out.String())
		}
		return m[len(m)-1][1]
	}
	step("admin", "team manager @maud")
	step("maud", "team add @alice")
	step("alice", "team accept")
	step("maud", "coach @alice")
	code := latestCode()

	checks := []struct{ got, want string }{
		{step("alice", "coach post "+code), "Tu n'as pas de brouillon de coaching"},
		{step("maud", "coach edit "+code+" Qu'est-ce qui a marché cette semaine ? | Sur quelle offre veux-tu de l'aide ?"), "Publiées dans ton échange avec @alice."},
		{out.String(), "Des questions pour notre échange\n1. Qu'est-ce qui a marché cette semaine ?\n2. Sur quelle offre veux-tu de l'aide ?"},
		{out.String(), ", dans le fil du message console."},
		{step("maud", "coach post "+code), "Ce brouillon a déjà été traité (questions publiées)."},
		{step("alice", "commit relancer les 3 offres ouvertes by 2026-12-04"), "🤝 Engagement noté (d'ici vendredi 4 décembre) :\n> relancer les 3 offres ouvertes"},
		{step("alice", "commit appeler Acme by demain"), "demain n'est pas une date que je sais lire"},
		{step("alice", "coach history @alice"), "Qu'est-ce qui a marché cette semaine ?"},
		{step("alice", "me"), "Tes engagements\n• relancer les 3 offres ouvertes (d'ici vendredi 4 décembre)"},
		{step("bob", "coach history @alice"), "🔒"},
		{step("maud", "coach edit "+code+" |  | "), "Écris au moins une question"},
		{step("maud", "coach cadence @alice 3"), "Coaching avec @alice toutes les 3 semaines"},
		{step("alice", "coach cadence @alice off"), "🔒"},
	}
	for _, c := range checks {
		if !strings.Contains(c.got, c.want) {
			t.Errorf("lacks %q in:\n%s", c.want, c.got)
		}
	}
	// Another workspace's manager of the same name is nobody's manager here.
	other, err := h.Handle(context.Background(), bot.Command{Workspace: "T2", User: views.ConsolePrefix + "maud", Name: "/kpi", Text: "coach history @alice", Key: "t2", Source: "console"})
	if err != nil || !strings.Contains(views.PlainText(other), "🔒") || strings.Contains(views.PlainText(other), "relancer") {
		t.Errorf("another workspace reads the history: %s, %v", views.PlainText(other), err)
	}
	// Two weeks later, the next thread follows up on the commitment.
	clk.Set(monday0930.AddDate(0, 0, 14))
	step("maud", "coach @alice")
	next := out.String()[strings.LastIndex(out.String(), "Échange de coaching"):]
	if !strings.Contains(next, "Les engagements de la dernière fois\n• relancer les 3 offres ouvertes (d'ici vendredi 4 décembre)") {
		t.Errorf("the next thread does not follow up:\n%s", next)
	}
	if t.Failed() {
		t.Log(out.String())
	}
}

// The fact base and the draft for two rep histories, in French and in
// English, pinned as golden files.
func TestCoachThreadGolden(t *testing.T) {
	histories := map[string]func(d int) string{
		// Proposals stopped converting in the last fortnight.
		"decline": func(d int) string {
			if d <= 14 {
				return "20 calls 3 leads 2 meetings 2 proposals 1 follow-up"
			}
			return "20 calls 3 leads 2 meetings 2 proposals 1 signature 2 follow-ups"
		},
		// Steady: nothing stands out.
		"steady": func(int) string { return "20 calls 3 leads 2 meetings 2 proposals 1 signature 2 follow-ups" },
	}
	for name, history := range histories {
		for _, lang := range []prompts.Lang{prompts.French, prompts.English} {
			t.Run(name+"_"+string(lang), func(t *testing.T) {
				store := memStore(t)
				out := testkit.NewRecordingOutbox(t)
				profiles := bottest.Profiles{"UREP": {Lang: lang}, "UMGR": {Lang: lang}}
				h := bot.NewHandler(bot.HandlerConfig{Store: store, Profiles: profiles, Now: newClock(monday0930).Now, TZ: paris, Lang: lang, Outbox: out, Logger: quiet})
				ctx := context.Background()
				do := func(user, name, text string) {
					if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: name, Text: text, Key: user + text, Source: "slack-http"}); err != nil {
						t.Fatal(err)
					}
				}
				store.MakeManager(ctx, "T1", "UMGR")
				join(t, h, "T1", "UMGR", "UREP")
				out.Sent = nil // the invitation and its answer
				for d := 1; d <= 40; d++ {
					day := monday0930.AddDate(0, 0, -d)
					if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
						continue
					}
					do("UREP", "/log", day.Format(time.DateOnly)+" "+history(d))
				}
				do("UMGR", "/kpi", "coach <@UREP>")
				if len(out.Sent) != 2 {
					t.Fatalf("sent %d messages, want the fact base and the draft", len(out.Sent))
				}
				facts, draft := out.Sent[0], out.Sent[1]
				if facts.Channel != "G-UMGR-UREP" || draft.Channel != "UMGR" {
					t.Errorf("fact base to %s, draft to %s", facts.Channel, draft.Channel)
				}
				golden(t, "coach_facts_"+name+"_"+string(lang), facts.Msg)
				code := regexp.MustCompile(`coach post ([a-z2-9]{5})`).FindStringSubmatch(rawText(draft.Msg) + views.PlainText(draft.Msg))
				if code == nil {
					t.Fatalf("no code in the draft:\n%s", views.PlainText(draft.Msg))
				}
				golden(t, "coach_draft_"+name+"_"+string(lang), draft.Msg, [2]string{code[1], "CODE"})
			})
		}
	}
}

// Four weeks of scheduler ticks on two replicas sharing one store: each
// rep's conversation opens exactly once per cadence.
func TestCoachingCadenceOnTwoReplicas(t *testing.T) {
	store := memStore(t)
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, paris) // a Monday
	clk := newClock(start)
	out := testkit.NewRecordingOutbox(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: out, Logger: quiet})
	ctx := context.Background()
	store.MakeManager(ctx, "T1", "UMGR")
	for _, rep := range []string{"UANA", "UBEN", "UCLO"} {
		store.AddRep(ctx, "T1", "UMGR", rep)
	}
	store.SetCadence(ctx, "T1", "UBEN", 1)
	store.SetCadence(ctx, "T1", "UCLO", 0)
	all, err := h.RitualJobs(ctx, store, start)
	if err != nil {
		t.Fatal(err)
	}
	var jobs []rituals.Job
	for _, j := range all {
		if j.Ritual == rituals.Coaching {
			jobs = append(jobs, j)
		}
	}
	replicas := []*rituals.Runner{
		{Claimer: store, Poster: bot.NewRitualPoster(h, out), Holder: "A", Now: clk.Now, Logger: quiet},
		{Claimer: store, Poster: bot.NewRitualPoster(h, out), Holder: "B", Now: clk.Now, Logger: quiet},
	}
	for now := start; now.Before(start.AddDate(0, 0, 28)); now = now.Add(30 * time.Minute) {
		clk.Set(now)
		for _, r := range replicas {
			r.Tick(ctx, jobs)
		}
	}
	opened := map[string]int{}
	for _, m := range out.Sent {
		if m.Channel != "UMGR" { // the fact base, in the shared conversation
			opened[strings.TrimPrefix(m.Channel, "G-UMGR-")]++
		}
	}
	want := map[string]int{"UANA": 2, "UBEN": 4}
	if len(opened) != len(want) || opened["UANA"] != 2 || opened["UBEN"] != 4 {
		t.Fatalf("threads opened %v, want %v (UCLO's cadence is off)", opened, want)
	}
	threads, _ := store.Threads(ctx, "T1", "UANA")
	if len(threads) != 2 || threads[0].CreatedAt.Sub(threads[1].CreatedAt) != 14*24*time.Hour {
		t.Errorf("UANA's threads %v apart, want two weeks", threads[0].CreatedAt.Sub(threads[1].CreatedAt))
	}
}
