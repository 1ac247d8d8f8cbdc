package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/views"
)

// FuzzKPICommand types /kpi lines as a manager of a team, through the
// argument splitter and every subcommand's flags and values: goal targets
// with --alert, --action and --for, ritual schedules, the clock of
// /kpi remind, away and holiday dates, commit … by <date>. Whatever is
// typed, the bot answers without a panic, and an input it refuses (⚠️ or
// 🔒) changes nothing in storage and is refused the same way again.
func FuzzKPICommand(f *testing.F) {
	for _, s := range []string{
		"me", "me semaine", "team mois", "plan 5 signatures", "plan 1,1 signatures mois",
		`goal set rdv 10 semaine --alert below 4 --action "rappeler les leads chauds"`,
		"goal set signatures 5 month --for team", "goal set offre>signature 30% mois --for <@U1>",
		"goal set CA 50k mois --alerte sous 20k", "goal rm abcde", "goal list",
		"ritual set review lun 09:30 <#C1|ventes>", "ritual set digest 0 8 * * 1", "ritual set reminder jours ouvrés 17h30", "ritual off reminder", "ritual run alert",
		"remind 17:30", "remind 25:99", "remind off", "away 2026-12-21 2026-12-31", "away 2026-12-31 2026-12-21", "away demain",
		"holiday add 2026-12-24 Réveillon", "holiday work 2026-12-25", "practice je relance à J+2 avec un cas client",
		"commit rappeler Acme by 2026-12-04", "commit x d'ici vendredi", "coach <@U1>", "team add <@U1>", "team move <@U1> <@U2>",
		`goal set rdv 10 semaine --alerte au-dessus 4 --action "x" --pour équipe`, "goal set signatures 5 mois --pour <@U1>",
		"commit relancer Acme d'ici le 2026-12-04", "commit relancer Acme d’ici 2026-12-04", "commit İİ by 2026-12-04",
		"ritual set revue lun., jeu. 09:30", "ritual set rappel tous les jours 08:00", "ritual off synthèse", "team lang en", "team langue xx",
		"shoutout on", `"unclosed`, "--for", "goal set", "ritual set", "\x00", "éàç 🎉", strings.Repeat("a ", 300),
	} {
		f.Add(s)
	}
	store := memStore(f)
	clk := newClock(friday)
	h := bottest.NewHandler(f, store, clk.Now, bottest.Profiles{"UADMIN": {Admin: true}})
	ctx := context.Background()
	for _, setup := range []struct{ user, line string }{
		{"UADMIN", "team manager <@M1>"}, {"M1", "team add <@U1>"}, {"U1", "team accept"},
	} {
		if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: setup.user, Name: "/kpi", Text: setup.line, Key: "setup" + setup.line}); err != nil {
			f.Fatal(err)
		}
	}
	n := 0
	f.Fuzz(func(t *testing.T, text string) {
		n++
		before, err := store.Fingerprint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cmd := bot.Command{Workspace: "T1", User: "M1", Name: "/kpi", Text: text, Key: "fuzz-" + text}
		msg, _ := h.Handle(ctx, cmd)
		reply := views.PlainText(msg)
		if reply == "" {
			t.Fatalf("/kpi %q got no answer", text)
		}
		if !strings.HasPrefix(reply, "⚠️") && !strings.HasPrefix(reply, "🔒") {
			return
		}
		after, err := store.Fingerprint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if before != after {
			t.Fatalf("/kpi %q was refused (%q) but changed storage", text, reply)
		}
		again, _ := h.Handle(ctx, cmd)
		if views.PlainText(again) != reply {
			t.Fatalf("/kpi %q refused twice, differently:\n%s\n%s", text, reply, views.PlainText(again))
		}
	})
}
