package console

import (
	"context"
	"fmt"
	"strings"
	"testing"

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
		"⚠️ Je ne connais pas le mot « offfre » — tu voulais dire offre ?",
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
