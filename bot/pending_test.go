package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
)

// buttons lists the action IDs and values of a message's buttons.
func buttons(msg slack.Msg) (ids, values []string) {
	for _, b := range msg.Blocks.BlockSet {
		if a, ok := b.(*slack.ActionBlock); ok {
			for _, el := range a.Elements.ElementSet {
				if btn, ok := el.(*slack.ButtonBlockElement); ok {
					ids, values = append(ids, btn.ActionID), append(values, btn.Value)
				}
			}
		}
	}
	return ids, values
}

// A guess is never stored straight away: the reply shows the reading and
// asks, with buttons to save, edit or cancel it.
func TestLogAsksWhenUnsure(t *testing.T) {
	tests := []struct {
		name, text string
		lang       prompts.Lang
		want       []string
	}{
		{"a typo", "3 offfre", prompts.French, []string{"🤔 J'ai lu : 3 offres, pour aujourd'hui (lun. 23 nov.) — c'est bien ça ?", "offfre : j'ai compris offre"}},
		{"a bare deal", "1 deal hier", prompts.French, []string{"J'ai lu : 1 signature, pour hier (dim. 22 nov.) — c'est bien ça ?", "1 deal : je l'ai compté dans les signatures"}},
		{"a number two nouns could take", "rdv 3 offre", prompts.French, []string{"J'ai lu : 3 rdv · 1 offre", "rdv 3 offre peut se lire autrement"}},
		{"in English", "1 deal yesterday -- Acme", prompts.English, []string{"🤔 I read: 1 signature, for yesterday (Sun 22 Nov) — is that right?", "1 deal: I counted it under signatures", "📝 Acme"}},
		{"a typo in English", "2 meetngs", prompts.English, []string{"I read: 2 meetings, for today (Mon 23 Nov) — is that right?", "meetngs: I took it for meeting"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := memStore(t)
			h := bottest.NewHandler(t, store, newClock(monday10).Now, bottest.Profiles{"U1": {Lang: tt.lang}})
			msg, err := h.Handle(context.Background(), logCmd("U1", tt.text, "trig-1"))
			if err != nil {
				t.Fatal(err)
			}
			checkBlockKitLimits(t, msg)
			raw := rawText(msg) + views.PlainText(msg)
			for _, want := range tt.want {
				if !strings.Contains(raw, want) {
					t.Errorf("reply lacks %q:\n%s", want, raw)
				}
			}
			ids, values := buttons(msg)
			if strings.Join(ids, ",") != "pending_save,pending_edit,pending_cancel" || values[0] == "" || values[0] != values[1] || values[1] != values[2] {
				t.Errorf("buttons %v %v", ids, values)
			}
			if got := allCheckIns(t, store, "T1", "U1"); len(got) != 0 {
				t.Errorf("a guess was stored: %+v", got)
			}
			p, err := store.Pending(context.Background(), "T1", "U1", monday10)
			if err != nil || p.Code != values[0] || p.Entry.Raw != tt.text || p.Entry.Key != "trig-1" {
				t.Errorf("waiting reading %+v, %v", p, err)
			}
		})
	}
}

func TestLogAskGolden(t *testing.T) {
	for _, lang := range prompts.Langs {
		h := bottest.NewHandler(t, memStore(t), newClock(monday10).Now, bottest.Profiles{"U1": {Lang: lang}})
		msg, err := h.Handle(context.Background(), logCmd("U1", "1 deal perdo hier -- Acme", "k"))
		if err != nil {
			t.Fatal(err)
		}
		_, values := buttons(msg)
		golden(t, "log_ask_"+string(lang), msg, [2]string{`"` + values[0] + `"`, `"CODE"`})
	}
}

// /log ok saves the waiting reading, once, as it was read; /log cancel
// drops it; either answers plainly when nothing waits.
func TestLogOkAndCancel(t *testing.T) {
	store := memStore(t)
	clk := newClock(monday10)
	h := bottest.NewHandler(t, store, clk.Now, nil)
	ctx := context.Background()
	do := func(text, key string) string {
		t.Helper()
		msg, err := h.Handle(ctx, logCmd("U1", text, key))
		if err != nil {
			t.Fatal(err)
		}
		checkBlockKitLimits(t, msg)
		return views.PlainText(msg)
	}
	steps := []struct {
		text, want string
		stored     int
	}{
		{"ok", "Aucune saisie n'attend ta confirmation", 0},
		{"cancel", "Aucune saisie n'attend ta confirmation", 0},
		{"1 deal hier", "J'ai lu : 1 signature, pour hier", 0},
		{"ok", "✅ Noté pour hier (dim. 22 nov.) : 1 signature", 1},
		{"ok", "Aucune saisie n'attend ta confirmation", 1},
		// A new guess replaces the one waiting.
		{"3 offfre", "J'ai lu : 3 offres", 1},
		{"2 rdvv", "J'ai lu : 2 rdv", 1},
		{"cancel", "✖ Annulé : 2 rdvv n'a pas été enregistré.", 1},
		{"ok", "Aucune saisie n'attend ta confirmation", 1},
		// A confident reading is stored at once, as always.
		{"2 rdv", "✅ Noté pour aujourd'hui (lun. 23 nov.) : 2 rdv", 2},
	}
	for i, s := range steps {
		if got := do(s.text, "k"+string(rune('a'+i))); !strings.Contains(got, s.want) {
			t.Errorf("/log %s: lacks %q:\n%s", s.text, s.want, got)
		}
		if n := len(allCheckIns(t, store, "T1", "U1")); n != s.stored {
			t.Errorf("/log %s: %d entries stored, want %d", s.text, n, s.stored)
		}
	}
	stored := allCheckIns(t, store, "T1", "U1")
	if c := stored[0]; c.Raw != "1 deal hier" || c.Key != "kc" || c.Day != "2026-11-22" || c.Counts["signatures"] != 1 {
		t.Errorf("saved %+v, want the reading as typed, under its /log's key", c)
	}

	// A reading waits an hour, no more.
	do("1 deal", "late")
	clk.Set(monday10.Add(61 * time.Minute))
	if got := do("ok", "late-ok"); !strings.Contains(got, "Aucune saisie n'attend") {
		t.Errorf("an expired reading was saved:\n%s", got)
	}
	if n := len(allCheckIns(t, store, "T1", "U1")); n != 2 {
		t.Errorf("%d entries, want 2", n)
	}
}

// The daily cap applies when a reading is saved, with what was logged
// since it was read; nothing is half-saved, and the reading stays.
func TestLogOkRespectsTheDailyCap(t *testing.T) {
	store := memStore(t)
	h := bottest.NewHandler(t, store, newClock(monday10).Now, nil)
	ctx := context.Background()
	for _, c := range []bot.Command{logCmd("U1", "900 apels", "a"), logCmd("U1", "200 appels", "b")} {
		if _, err := h.Handle(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	msg, err := h.Handle(ctx, logCmd("U1", "ok", "c"))
	if err != nil {
		t.Fatal(err)
	}
	if got := rawText(msg); !strings.Contains(got, "`900 appels` : avec ce qui est déjà noté le lun. 23 nov., cela ferait 1100 appels") || !strings.Contains(got, "Rien n'a été enregistré.") {
		t.Errorf("reply:\n%s", got)
	}
	if got := allCheckIns(t, store, "T1", "U1"); len(got) != 1 || got[0].Counts["calls"] != 200 {
		t.Errorf("stored %+v", got)
	}
	if _, err := store.Pending(ctx, "T1", "U1", monday10); err != nil {
		t.Errorf("the refused reading is gone: %v", err)
	}
}
