package console

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

func TestConsoleScriptedSession(t *testing.T) {
	store := testkit.MemStore(t)
	h := bottest.NewHandler(t, store, testkit.NewClock(testkit.Monday10).Now, nil)
	script := strings.Join([]string{
		"/log 3 rdv 1 offre",
		"",
		"/log 3 offfre",
		"hello",
		"/user bob",
		"/log 5 calls 2 demos",
		"/log undo",
		"/quit",
		"/log 9 rdv", // after /quit: never run
	}, "\n")
	var out strings.Builder
	n := 0
	c := &Terminal{
		Handler: h,
		In:      strings.NewReader(script),
		Out:     &out,
		User:    "alice",
		Lang:    prompts.French,
		Store:   "memory",
		Connect: true,
		NewKey:  func() string { n++; return fmt.Sprintf("key-%d", n) },
	}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"Console kpibot — espace « console-demo », stockage : memory.",
		"Pour servir Slack, définis SLACK_BOT_TOKEN",
		"alice> ✅ Noté pour aujourd'hui (lun. 23 nov.) : 3 rdv · 1 offre",
		"Ta semaine jusqu'ici (lun. 23 nov. – dim. 29 nov.)\n3 rdv · 1 offre",
		"🤔 J'ai lu : 3 offres, pour aujourd'hui (lun. 23 nov.) — c'est bien ça ?\n  offfre : j'ai compris offre",
		"Tape une commande comme /log 3 rdv 1 offre",
		"Tu es maintenant bob.",
		"bob> ✅ Noté pour aujourd'hui (lun. 23 nov.) : 5 appels · 2 démos",
		"↩️ J'ai retiré ta dernière saisie, pour aujourd'hui (lun. 23 nov.) : 5 calls 2 demos",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("console output lacks %q", want)
		}
	}
	if strings.Contains(got, "9 rdv") {
		t.Error("a command after /quit ran")
	}
	if a := testkit.AllCheckIns(t, store, Workspace, "console:alice"); len(a) != 1 {
		t.Errorf("alice has %d entries, want 1", len(a))
	}
	if b := testkit.AllCheckIns(t, store, Workspace, "console:bob"); len(b) != 0 {
		t.Errorf("bob has %d entries after undo, want 0", len(b))
	}
	if t.Failed() {
		t.Log(got)
	}
}

func TestConsoleEndsAtEOF(t *testing.T) {
	var out strings.Builder
	c := &Terminal{Handler: bottest.NewHandler(t, testkit.MemStore(t), testkit.NewClock(testkit.Monday10).Now, nil), In: strings.NewReader("/log 1 rdv"), Out: &out, Lang: prompts.English}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "demo> ") || !strings.Contains(out.String(), "1 rdv") {
		t.Fatalf("output:\n%s", out.String())
	}
	if strings.Contains(out.String(), "SLACK_BOT_TOKEN") {
		t.Error("the connect hint shows though credentials are not the reason for the console")
	}
}

// An unsure reading asks in the console too, and /log ok or /log cancel
// answers it: the same choice as the buttons, without Slack.
func TestConsoleAsksThenSavesOrCancels(t *testing.T) {
	tests := []struct {
		lang   prompts.Lang
		script []string
		want   []string
		stored []string // the raw texts stored, in order
	}{
		{prompts.French, []string{"/log 1 deal perdo hier", "/log ok", "/log ok", "/log 3 offfre", "/log cancel", "/log 2 rdv"}, []string{
			"alice> 🤔 J'ai lu : 1 deal perdu, pour hier (dim. 22 nov.) — c'est bien ça ?\n  perdo : j'ai compris perdu\n  [✅ Enregistrer] [✏️ Modifier] [✖ Annuler]\n  Rien n'est enregistré tant que tu n'as pas validé. Tu peux aussi taper /log ok pour enregistrer ou /log cancel pour annuler, pendant une heure.",
			"alice> ✅ Noté pour hier (dim. 22 nov.) : 1 deal perdu",
			"alice> Aucune saisie n'attend ta confirmation",
			"alice> 🤔 J'ai lu : 3 offres, pour aujourd'hui (lun. 23 nov.) — c'est bien ça ?",
			"alice> ✖ Annulé : 3 offfre n'a pas été enregistré.",
			"alice> ✅ Noté pour aujourd'hui (lun. 23 nov.) : 2 rdv",
		}, []string{"1 deal perdo hier", "2 rdv"}},
		{prompts.English, []string{"/log 1 deal yesterday", "/log cancel", "/log ok", "/log 2 meetngs", "/log ok"}, []string{
			"alice> 🤔 I read: 1 signature, for yesterday (Sun 22 Nov) — is that right?\n  1 deal: I counted it under signatures\n  [✅ Save] [✏️ Edit] [✖ Cancel]",
			"alice> ✖ Cancelled: 1 deal yesterday was not saved.",
			"alice> No entry is waiting for your confirmation",
			"alice> 🤔 I read: 2 meetings, for today (Mon 23 Nov) — is that right?\n  meetngs: I took it for meeting",
			"alice> ✅ Logged for today (Mon 23 Nov): 2 meetings",
		}, []string{"2 meetngs"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.lang), func(t *testing.T) {
			store := testkit.MemStore(t)
			h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: testkit.NewClock(testkit.Monday10).Now, TZ: testkit.Paris, Lang: tt.lang, Logger: testkit.Quiet})
			var out strings.Builder
			n := 0
			c := &Terminal{Handler: h, In: strings.NewReader(strings.Join(tt.script, "\n")), Out: &out, User: "alice", Lang: tt.lang,
				NewKey: func() string { n++; return fmt.Sprintf("key-%d", n) }}
			if err := c.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			for _, want := range tt.want {
				if !strings.Contains(got, want) {
					t.Errorf("console output lacks %q", want)
				}
			}
			var raws []string
			for _, ci := range testkit.AllCheckIns(t, store, Workspace, "console:alice") {
				raws = append(raws, ci.Raw)
			}
			if strings.Join(raws, "|") != strings.Join(tt.stored, "|") {
				t.Errorf("stored %q, want %q", raws, tt.stored)
			}
			if t.Failed() {
				t.Log(got)
			}
		})
	}
}

// Undo of a backdated entry, and a correction with its history, typed in
// the console: /log edit <code> <text>, /log history, /log rm <code>.
func TestConsoleUndoEditAndHistory(t *testing.T) {
	store := testkit.MemStore(t)
	h := bottest.NewHandler(t, store, testkit.NewClock(testkit.Friday).Now, nil)
	// Codes are derived from the keys, so the script knows them.
	code := func(key string) string { return storage.EntryCode(Workspace, key) }
	script := []string{
		"/log mardi 3 rdv",  // key-1
		"/log hier 2 démos", // key-2
		"/log undo",         // key-3: withdraws yesterday's entry
		"/log edit " + code("key-1") + " mardi 3 rdv 1 offre -- Acme", // key-4
		"/log edit",
		"/log history",
		"/log rm " + code("key-1"),
		"/log undo",
	}
	var out strings.Builder
	n := 0
	c := &Terminal{Handler: h, In: strings.NewReader(strings.Join(script, "\n")), Out: &out, User: "alice", Lang: prompts.French,
		NewKey: func() string { n++; return fmt.Sprintf("key-%d", n) }}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"alice> ✅ Noté pour hier (jeu. 26 nov.) : 2 démos",
		"Code " + code("key-2") + " · une erreur ? /log undo l'annule, /log edit " + code("key-2") + " … la corrige",
		"alice> ↩️ J'ai retiré ta dernière saisie, pour hier (jeu. 26 nov.) : hier 2 démos — 2 démos.",
		"alice> ✏️ Saisie " + code("key-1") + " corrigée, pour mar. 24 nov. : 3 rdv · 1 offre\n  📝 Acme\n  Avant : mardi 3 rdv — 3 rdv · c'est sa version 2",
		"alice> Tes saisies des 90 derniers jours (page 1 sur 1, les plus récentes d'abord)\n" + code("key-1") + " · mar. 24 nov. : 3 rdv · 1 offre\nmardi 3 rdv 1 offre -- Acme · corrigée une fois\n  [✏️ Modifier] [🗑 Retirer]",
		code("key-2") + " · hier (jeu. 26 nov.) : 2 démos — retirée le ven. 27 nov. 18:00",
		"    v1 · ven. 27 nov. 18:00 · mardi 3 rdv : 3 rdv\n    v2 · ven. 27 nov. 18:00 · mardi 3 rdv 1 offre -- Acme : 3 rdv · 1 offre (actuelle)",
		"alice> 🗑 Saisie " + code("key-1") + " retirée, pour mar. 24 nov. : mardi 3 rdv 1 offre -- Acme — 3 rdv · 1 offre.",
		"alice> Rien à annuler : aucune de tes saisies des 90 derniers jours ne compte encore.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("console output lacks %q", want)
		}
	}
	if live := testkit.AllCheckIns(t, store, Workspace, "console:alice"); len(live) != 0 {
		t.Errorf("live entries %+v", live)
	}
	if t.Failed() {
		t.Log(got)
	}
}

// The banner suggests /kpi demo; /kpi demo seeds the demo team and moves
// the console into its workspace, as its manager; kpibot demo does it
// before the first prompt.
func TestConsoleDemo(t *testing.T) {
	store := testkit.MemStore(t)
	h := bottest.NewHandler(t, store, testkit.NewClock(testkit.Monday10).Now, nil)
	seeded := 0
	seed := func(context.Context) (string, string, error) { seeded++; return "demo-ws", "maud", nil }
	for _, start := range []bool{false, true} {
		var out strings.Builder
		script := "/log 3 rdv\n"
		if !start {
			script = "/kpi demo\n" + script
		}
		c := &Terminal{Handler: h, In: strings.NewReader(script), Out: &out, Lang: prompts.French, Store: "memory", Demo: seed, StartDemo: start}
		if err := c.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !start && !strings.Contains(out.String(), "/kpi demo ouvre une équipe de démo") {
			t.Errorf("the banner does not suggest the demo:\n%s", out.String())
		}
		if !strings.Contains(out.String(), "L'équipe de démo est prête dans l'espace « demo-ws » : tu es maud") || !strings.Contains(out.String(), "maud> ") {
			t.Errorf("start=%v:\n%s", start, out.String())
		}
	}
	if seeded != 2 {
		t.Errorf("seeded %d times", seeded)
	}
	if got := testkit.AllCheckIns(t, store, "demo-ws", "console:maud"); len(got) != 2 {
		t.Errorf("the commands after /kpi demo went elsewhere: %d entries in the demo workspace", len(got))
	}
}
