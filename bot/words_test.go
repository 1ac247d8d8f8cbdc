package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/views"
)

// A team adds its own /log words; they never shadow a built-in word, and
// only managers and admins change them.
func TestTeamWords(t *testing.T) {
	store := memStore(t)
	h := bottest.NewHandler(t, store, newClock(monday10).Now, nil)
	lines := []string{
		"/kpi words", // the admin: the first user
		"/kpi words add visioconf rdv",
		"/log 2 visioconfs 1 offre",
		"/kpi words add visio rdv",
		"/kpi words add hier appels",
		"/kpi words add call découverte appels",
		"/kpi words add visioconf démos",
		"/kpi words add visioconf demos",
		"/kpi words add 123 rdv",
		"/kpi words add truc CA",
		"/kpi words add truc",
		"/kpi words list",
		"/user bob",
		"/kpi words add webinar démos",
		"/kpi words list",
		"/user admin",
		"/kpi words rm rdv",
		"/kpi words rm nope",
		"/kpi words rm VisioConf",
		"/log 2 visioconf",
		"/kpi settings",
	}
	want := [][]string{
		{"L'équipe n'a pas encore ajouté de mots."},
		{"📖 visioconf compte désormais des rdv dans /log : essaie /log 2 visioconf."},
		{"✅ Noté pour aujourd'hui (lun. 23 nov.) : 2 rdv · 1 offre"},
		{"visio est un mot que /log connaît déjà : il compte des rdv. Un mot de l'équipe ne peut pas le remplacer"},
		{"hier est un mot que /log connaît déjà. Un mot de l'équipe"},
		{"📖 call découverte compte désormais des appels"},
		{"📖 visioconf compte désormais des démos (avant : des rdv)."},
		{"visioconf compte déjà des démos."},
		{"123 ne peut pas devenir un mot de /log"},
		{"Je ne connais pas l'indicateur CA"},
		{"Je n'ai pas compris words add truc."},
		{"• visioconf → démos\n• call découverte → appels"},
		{},
		{"🔒 C'est réservé"},
		{"• visioconf → démos"},
		{},
		{"rdv fait partie des mots de base de /log : il ne peut pas être retiré."},
		{"nope n'est pas un mot de l'équipe."},
		{"📖 VisioConf ne compte plus dans /log."},
		{"⚠️ Je ne connais pas le mot visioconf.", "Rien n'a été enregistré."},
		{"Mots ajoutés par l'équipe : 1"},
	}
	out := (&consoleSession{t: t, h: h, lines: lines}).run()
	for i, ws := range want {
		for _, w := range ws {
			if !strings.Contains(out[i], w) {
				t.Errorf("%s\nlacks %q in:\n%s", lines[i], w, out[i])
			}
		}
	}
	if got := allCheckIns(t, store, "console-demo", "console:admin"); len(got) != 1 || got[0].Counts["meetings"] != 2 {
		t.Errorf("stored %+v", got)
	}
}

// A word added on one replica is read by the others at their next /log:
// each rebuilds its parser when the workspace's settings move.
func TestTeamWordsReachEveryReplica(t *testing.T) {
	store := memStore(t)
	clk := newClock(monday10)
	admin := bottest.Profiles{"UADMIN": {Admin: true}}
	a := bottest.NewHandler(t, store, clk.Now, admin)
	b := bottest.NewHandler(t, store, clk.Now, admin)
	ctx := context.Background()
	run := func(h *bot.Handler, name, text, key string) string {
		msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "UADMIN", Name: name, Text: text, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}
	if got := run(b, "/log", "3 webinars", "k1"); strings.Contains(got, "✅") {
		t.Fatalf("an unknown word was stored:\n%s", got)
	}
	run(a, "/kpi", "words add webinar demos", "k2")
	if got := run(b, "/log", "3 webinars", "k3"); !strings.Contains(got, "✅ Noté pour aujourd'hui (lun. 23 nov.) : 3 démos") {
		t.Fatalf("the other replica does not know the word:\n%s", got)
	}
	run(a, "/kpi", "words rm webinar", "k4")
	if got := run(b, "/log", "3 webinars", "k5"); strings.Contains(got, "✅") {
		t.Fatalf("the other replica still knows the removed word:\n%s", got)
	}
	// The words are the workspace's: another workspace does not have them.
	run(a, "/kpi", "words add webinar demos", "k6")
	msg, err := b.Handle(ctx, bot.Command{Workspace: "T2", User: "U9", Name: "/log", Text: "3 webinars", Key: "k7"})
	if err != nil || strings.Contains(views.PlainText(msg), "✅") {
		t.Fatalf("another workspace reads the word: %v\n%s", err, views.PlainText(msg))
	}
}
