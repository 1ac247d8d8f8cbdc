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
		"🤔 J'ai lu : 3 offres, pour aujourd'hui (lun. 23 nov.). C'est bien ça ?\n  « offfre » : j'ai compris offre",
		"Tape une commande comme /log 3 rdv 1 offre",
		"Tu es maintenant bob.",
		"bob> ✅ Noté pour aujourd'hui (lun. 23 nov.) : 5 appels · 2 démos",
		"↩️ J'ai retiré ta dernière saisie d'aujourd'hui (lun. 23 nov.) : « 5 calls 2 demos »",
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
			"alice> 🤔 J'ai lu : 1 deal perdu, pour hier (dim. 22 nov.). C'est bien ça ?\n  « perdo » : j'ai compris perdu\n  [✅ Enregistrer] [✏️ Modifier] [✖ Annuler]\n  Rien n'est enregistré tant que tu n'as pas validé. Tu peux aussi taper /log ok pour enregistrer ou /log cancel pour annuler, pendant une heure.",
			"alice> ✅ Noté pour hier (dim. 22 nov.) : 1 deal perdu",
			"alice> Aucune saisie n'attend ta confirmation",
			"alice> 🤔 J'ai lu : 3 offres, pour aujourd'hui (lun. 23 nov.).",
			"alice> ✖ Annulé : « 3 offfre » n'a pas été enregistré.",
			"alice> ✅ Noté pour aujourd'hui (lun. 23 nov.) : 2 rdv",
		}, []string{"1 deal perdo hier", "2 rdv"}},
		{prompts.English, []string{"/log 1 deal yesterday", "/log cancel", "/log ok", "/log 2 meetngs", "/log ok"}, []string{
			"alice> 🤔 I read: 1 signature, for yesterday (Sun 22 Nov). Is that right?\n  “1 deal”: I counted it under signatures\n  [✅ Save] [✏️ Edit] [✖ Cancel]",
			"alice> ✖ Cancelled: “1 deal yesterday” was not saved.",
			"alice> No entry is waiting for your confirmation",
			"alice> 🤔 I read: 2 meetings, for today (Mon 23 Nov). Is that right?\n  “meetngs”: I took it for meeting",
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
