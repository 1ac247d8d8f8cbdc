package bot_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/console"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
)

// consoleSession runs lines through a console and returns what each
// command printed, keyed by its position.
type consoleSession struct {
	t     *testing.T
	h     *bot.Handler
	lines []string
}

func (s *consoleSession) run() []string {
	var out strings.Builder
	n := 0
	c := &console.Terminal{Handler: s.h, In: strings.NewReader(strings.Join(s.lines, "\n")), Out: &out, User: "admin", Lang: prompts.French,
		NewKey: func() string { n++; return fmt.Sprintf("k%d", n) }}
	if err := c.Run(context.Background()); err != nil {
		s.t.Fatal(err)
	}
	// Each reply follows the prompt of the command that made it.
	parts := regexp.MustCompile(`(?m)^[a-z]+> `).Split(out.String(), -1)
	return parts[1:]
}

func weekOfActivity(rep string, calls, leads, meetings, proposals, signatures int) []string {
	lines := []string{"/user " + rep}
	for _, day := range []string{"lundi", "mardi", "mercredi", "jeudi", "vendredi"} {
		lines = append(lines, fmt.Sprintf("/log %s %d appels %d leads %d rdv %d offres %d signatures 1 relance", day, calls, leads, meetings, proposals, signatures))
	}
	return lines
}

func TestKPIConsoleEndToEnd(t *testing.T) {
	store := memStore(t)
	h := bottest.NewHandler(t, store, newClock(friday).Now, nil)
	lines := []string{
		"/kpi team manager @maud", // admin is the first user of the demo workspace
	}
	lines = append(lines, consoleJoin("maud", "alice", "bob", "chloe")...)
	lines = append(lines, "/kpi team channel #ventes")
	lines = append(lines, weekOfActivity("alice", 20, 2, 1, 1, 0)...)
	lines = append(lines, weekOfActivity("bob", 10, 2, 1, 1, 1)...)
	lines = append(lines, weekOfActivity("chloe", 30, 3, 2, 1, 0)...)
	script := []struct {
		line string
		want []string
		not  []string
	}{
		{"/user alice", nil, nil},
		{"/kpi me", []string{"Tes chiffres — semaine du lun. 23 nov.", "100 appels · 10 leads · 5 rdv · 5 offres", "appels → leads : 10 % · réf. 10 %", "offres → signatures : 0 % · réf. 33 %", "Panier moyen n/d"}, nil},
		{"/kpi goal set signatures 5 mois", []string{"🎯 Objectif ", "fixé : signatures 5 par mois (équilibre)"}, nil},
		// Set today, the last Friday of the month: judged on its last two
		// working days, against that share of the target.
		{"/kpi me mois", []string{"Tes chiffres — novembre 2026", "signatures 0 / 0,5 · fixé le ven. 27 nov. : cible au prorata de 5 (mois)"}, []string{"0 / 5"}},
		{"/kpi plan 5 signatures", []string{"Ton taux offres → signatures est de 0 % sur assez de données"}, nil},
		{"/kpi team", []string{"Équipe @maud", "commerciaux : 3", "300 appels"}, []string{"La conversion de chacun", "@bob —"}},
		{"/kpi me @bob", []string{"🔒 C'est réservé au commercial et à son manager."}, []string{"50 appels", "signature"}},
		{"/kpi goal set signatures 20 mois --for team", []string{"🔒 C'est réservé à un manager."}, nil},
		{"/kpi goal set sigantures 5", []string{"tu voulais dire signature ?"}, nil},
		{"/kpi goal set appels 1000000000 mois", []string{"hors de portée"}, nil},
		{"/kpi goal set appels 0", []string{"supérieur à zéro"}, nil},
		{"/kpi goal set appels 10 trimestre", []string{"trimestre"}, nil},
		{"/user maud", nil, nil},
		{"/kpi team", []string{"La conversion de chacun", "@alice — appels → leads 10 %", "@bob — appels → leads 20 %", "@chloe —"}, nil},
		{"/kpi goal set CA 50k mois --for team", []string{"fixé : équipe · CA 50\u202f000\u00a0€ par mois"}, nil},
		{"/kpi goal set rdv 10 semaine --alert below 4 --action \"rappeler les leads chauds\" --for @alice", []string{"fixé : @alice · rdv 10 par semaine (alerte)", "sous 4 : rappeler les leads chauds"}, nil},
		// Her manager sees rates and outcomes, and how many days she
		// logged; not her raw activity counts.
		{"/kpi me @alice", []string{"Les chiffres de @alice", "A noté 5 jours sur 5 jours ouvrés", "appels → leads : 10 %", "Le détail de son activité"}, []string{"100 appels", "rdv 10 / "}},
		{"/kpi goal list", []string{"équipe · CA", "@alice · rdv"}, nil},
		{"/user admin", nil, nil},
		{"/kpi me @alice", []string{"🔒"}, []string{"100 appels"}},
		{"/kpi team add @zoe", []string{"Tu ne gères pas encore d'équipe"}, nil},
		{"/user zoe", nil, nil},
		{"/kpi team manager @zoe", []string{"🔒 C'est réservé à un admin."}, nil},
		{"/user bob", nil, nil},
		{"/kpi plan 5 signatures", []string{"Pour atteindre 5 signatures (novembre 2026)", "50 appels\n  ↓ 20 % (ton taux)\n10 leads", "5 offres\n  ↓ 100 % (ton taux)\n5 signatures", "À ton rythme récent de 10 appels par jour ouvré, cela fait environ 5 jours ouvrés ; il en reste 2 sur la période."}, nil},
		{"/kpi help", []string{"/kpi plan 5 signatures"}, nil},
		{"/kpi bogus", []string{"/kpi bogus n'est pas une commande"}, nil},
		{"/user dan", nil, nil},
		{"/log 3 appels 1 lead", nil, nil},
		{"/kpi me", []string{"appels → leads : pas assez de données (3 appels)"}, []string{"appels → leads : 33", "leads → rdv : 0"}},
		// Source 003's table, from the benchmarks, for a rep with no history.
		{"/kpi plan 1,1 signatures", []string{"100 appels\n  ↓ 10 % (repère de la source 003)\n10 leads\n  ↓ 33 % (repère de la source 003)\n3,3 rdv\n  ↓ 100 % (hypothèse : chaque opportunité reçoit une offre)\n3,3 offres\n  ↓ 33 % (repère de la source 003)\n1,1 signature"}, nil},
		{"/kpi plan 5 e-mails", []string{"pas des e-mails"}, nil},
		{"/kpi plan beaucoup signatures", []string{"beaucoup n'est pas un nombre"}, nil},
	}
	first := len(lines)
	for _, s := range script {
		lines = append(lines, s.line)
	}
	out := (&consoleSession{t: t, h: h, lines: lines}).run()
	for i, s := range script {
		got := out[first+i]
		for _, want := range s.want {
			// French writes a narrow no-break space before %.
			want = strings.ReplaceAll(want, " %", "\u202f%")
			if !strings.Contains(got, want) {
				t.Errorf("%s\nlacks %q in:\n%s", s.line, want, got)
			}
		}
		for _, not := range s.not {
			not = strings.ReplaceAll(not, " %", "\u202f%")
			if strings.Contains(got, not) {
				t.Errorf("%s\nshould not show %q:\n%s", s.line, not, got)
			}
		}
		if strings.Contains(got, "kpi.") {
			t.Errorf("%s\nshows a raw message key:\n%s", s.line, got)
		}
	}
	if t.Failed() {
		t.Log(strings.Join(out[first:], "\n----\n"))
	}
}

func TestKPIPermissionsAcrossWorkspaces(t *testing.T) {
	store := memStore(t)
	h := bottest.NewHandler(t, store, newClock(friday).Now, bottest.Profiles{"UADMIN": {Admin: true}})
	ctx := context.Background()
	run := func(ws, user, text string) string {
		msg, err := h.Handle(ctx, bot.Command{Workspace: ws, User: user, Name: "/kpi", Text: text, Key: fmt.Sprint(time.Now().UnixNano()), Source: "slack-http"})
		if err != nil {
			t.Fatal(err)
		}
		checkBlockKitLimits(t, msg)
		return views.PlainText(msg)
	}
	logIt := func(ws, user, text string) {
		if _, err := h.Handle(ctx, bot.Command{Workspace: ws, User: user, Name: "/log", Text: text, Key: ws + user + text, Source: "slack-http"}); err != nil {
			t.Fatal(err)
		}
	}
	run("T1", "UADMIN", "team manager <@UMGR|maud>")
	run("T1", "UMGR", "team add <@UREP|alice>")
	run("T1", "UREP", "team accept")
	logIt("T1", "UREP", "lundi 40 appels 4 leads")
	// The manager of T1 in another workspace is nobody's manager.
	if got := run("T2", "UMGR", "me <@UREP>"); !strings.Contains(got, "🔒") || strings.Contains(got, "40") {
		t.Errorf("T2 sees T1's rep:\n%s", got)
	}
	if got := run("T2", "UMGR", "team"); !strings.Contains(got, "pas encore dans une équipe") {
		t.Errorf("T2 sees T1's team:\n%s", got)
	}
	if got := run("T1", "UMGR", "me <@UREP|alice>"); !strings.Contains(got, "appels → leads : 10\u202f%") || strings.Contains(got, "40 appels") {
		t.Errorf("the manager cannot see their rep:\n%s", got)
	}
	// An objective's code from T1 means nothing in T2.
	saved := run("T1", "UREP", "goal set appels 200 mois")
	code := regexp.MustCompile(`Objectif ([a-z0-9]{5}) fixé`).FindStringSubmatch(saved)
	if code == nil {
		t.Fatalf("no code in %q", saved)
	}
	if got := run("T2", "UREP", "goal rm "+code[1]); !strings.Contains(got, "Aucun objectif") {
		t.Errorf("T2 removed T1's objective:\n%s", got)
	}
	if got := run("T1", "UOTHER", "goal rm "+code[1]); !strings.Contains(got, "Aucun objectif") {
		t.Errorf("a stranger learns the objective exists:\n%s", got)
	}
	if got := run("T1", "UMGR", "goal rm "+code[1]); !strings.Contains(got, "supprimé") {
		t.Errorf("the manager cannot remove their rep's objective:\n%s", got)
	}
}

func TestKPIMonthlyObjectiveSeesTheWholeMonthFromAWeekView(t *testing.T) {
	store := memStore(t)
	// Monday 30 November: the week view's trailing weeks start on 2 November.
	clk := newClock(time.Date(2026, 11, 30, 18, 0, 0, 0, paris))
	h := bottest.NewHandler(t, store, clk.Now, nil)
	ctx := context.Background()
	do := func(name, text, key string) string {
		msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "U1", Name: name, Text: text, Key: key, Source: "slack-http"})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}
	do("/log", "2026-11-01 3 signatures", "a")
	do("/log", "2 signatures", "b")
	// Set on the first of the month, judged on all of it.
	clk.Set(time.Date(2026, 11, 1, 9, 0, 0, 0, paris))
	do("/kpi", "goal set signatures 5 mois", "c")
	clk.Set(time.Date(2026, 11, 30, 18, 0, 0, 0, paris))
	if got := do("/kpi", "me", "d"); !strings.Contains(got, "signatures 5 / 5 (mois) — atteint") {
		t.Fatalf("the objective missed 1 November:\n%s", got)
	}
}

func TestKPIGolden(t *testing.T) {
	store := memStore(t)
	clk := newClock(friday)
	profiles := bottest.Profiles{"UREP": {Lang: prompts.English}, "UMGR": {Lang: prompts.French}}
	h := bottest.NewHandler(t, store, clk.Now, profiles)
	ctx := context.Background()
	do := func(user, name, text string) slack.Msg {
		msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: name, Text: text, Key: user + name + text, Source: "slack-http"})
		if err != nil {
			t.Fatal(err)
		}
		checkBlockKitLimits(t, msg)
		return msg
	}
	store.MakeManager(ctx, "T1", "UMGR")
	join(t, h, "T1", "UMGR", "UREP", "UREP2", "UREP3")
	// Two teammates logged this week: the team has three contributors.
	for _, rep := range []string{"UREP2", "UREP3"} {
		do(rep, "/log", "2026-11-24 10 calls 2 leads 1 meeting 1 proposal")
		do(rep, "/log", "2026-11-26 12 calls 1 lead 1 meeting")
	}
	// Four weeks of history, then this week: the trend has data.
	for d := range 33 {
		day := friday.AddDate(0, 0, -d)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		text := fmt.Sprintf("%s 20 calls 3 leads 2 meetings 2 proposals 1 follow-up", day.Format(time.DateOnly))
		if d >= 5 && d%2 == 0 {
			text += " 1 sale 8k€"
		}
		do("UREP", "/log", text)
	}
	// Set at the start of the month: judged on all of it.
	clk.Set(time.Date(2026, 11, 2, 9, 0, 0, 0, paris))
	saved := views.PlainText(do("UREP", "/kpi", "goal set signatures 6 month"))
	clk.Set(friday)
	code := regexp.MustCompile(`Objective ([a-z2-9]{5}) set`).FindStringSubmatch(saved)
	if code == nil {
		t.Fatalf("no code in %q", saved)
	}
	golden(t, "kpi_me_en", do("UREP", "/kpi", "me"), [2]string{"`" + code[1] + "`", "`CODE`"})
	golden(t, "kpi_plan_en", do("UREP", "/kpi", "plan 5 signatures"))
	golden(t, "kpi_team_fr", do("UMGR", "/kpi", "team month"))
	// The same figures in the other language of each reader.
	profiles["UREP"], profiles["UMGR"] = bot.Profile{Lang: prompts.French}, bot.Profile{Lang: prompts.English}
	golden(t, "kpi_me_fr", do("UREP", "/kpi", "me"), [2]string{"`" + code[1] + "`", "`CODE`"})
	golden(t, "kpi_plan_fr", do("UREP", "/kpi", "plan 5 signatures"))
	golden(t, "kpi_team_en", do("UMGR", "/kpi", "team month"))
}

func TestRepRatesStayWithinBlockKitLimits(t *testing.T) {
	var reps []string
	for i := range 2000 {
		reps = append(reps, fmt.Sprintf("U%05d", i))
	}
	blocks := views.RepRateBlocks(prompts.French, nil, reps, views.MaxBlocks-5)
	msg := views.Ephemeral("team", append(make([]slack.Block, 5), blocks...)...)
	msg.Blocks.BlockSet = msg.Blocks.BlockSet[5:]
	if len(blocks)+5 > 50 {
		t.Fatalf("%d blocks with the header ones, Slack allows 50", len(blocks)+5)
	}
	checkBlockKitLimits(t, msg)
	last := views.PlainText(views.Ephemeral("", blocks[len(blocks)-1]))
	if !strings.Contains(last, "autres") {
		t.Fatalf("the cut is not said: %q", last)
	}
}
