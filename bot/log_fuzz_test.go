package bot_test

import (
	"context"
	"testing"

	"github.com/kpibot/kpibot/bot"
)

// FuzzLogCommand feeds /log texts, subcommands and codes included
// ("edit k3m9x 2 rdv", "rm …", "ok", "history 2"), to the handler of one
// rep, whose neighbour has an entry and a reading waiting. Whatever the
// text, the handler answers without panicking, and the neighbour's entry
// and reading are never changed: no code, however forged, reaches them.
func FuzzLogCommand(f *testing.F) {
	for _, seed := range []string{
		"3 rdv 1 offre", "1 deal hier", "ok", "cancel", "undo", "edit", "edit 2", "edit 999", "history", "history x",
		"rm", "rm abcde", "edit abcde", "edit abcde hier 2 rdv", "edit abcdefghjkmnp 3 offres 15k€",
		"2 offres 15k€", "1 vente $12,500", "31/11 2 rdv", "ok abcde", "cancel zzzzz", "help me",
	} {
		f.Add(seed)
	}
	store := memStore(f)
	clk := newClock(monday10)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: "fr", Logger: quiet})
	ctx := context.Background()
	do := func(user, text, key string) {
		if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: "/log", Text: text, Key: key}); err != nil {
			f.Fatal(err)
		}
	}
	do("U2", "vendredi 4 rdv", "their-entry")
	do("U2", "1 deal", "their-reading")
	theirs, err := store.UserCheckIns(ctx, "T1", "U2", "2026-08-01", "2026-12-31")
	if err != nil || len(theirs) != 1 {
		f.Fatalf("setup: %+v, %v", theirs, err)
	}
	waiting, err := store.Pending(ctx, "T1", "U2", monday10)
	if err != nil {
		f.Fatal(err)
	}
	n := 0
	f.Fuzz(func(t *testing.T, text string) {
		n++
		for _, t2 := range []string{text, "edit " + theirs[0].Code() + " " + text, "ok " + waiting.Code} {
			if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "U1", Name: "/log", Text: t2, Key: "k" + string(rune(n))}); err != nil {
				_ = err // storage errors are told kindly; the fuzz is after panics and leaks
			}
		}
		now, err := store.UserCheckIns(ctx, "T1", "U2", "2026-08-01", "2026-12-31")
		if err != nil || len(now) != 1 || now[0].Rev != theirs[0].Rev || !now[0].Live() || now[0].Raw != theirs[0].Raw {
			t.Fatalf("the neighbour's entry changed: %+v, %v", now, err)
		}
		if p, err := store.Pending(ctx, "T1", "U2", monday10); err != nil || p.Code != waiting.Code {
			t.Fatalf("the neighbour's reading changed: %+v, %v", p, err)
		}
	})
}
