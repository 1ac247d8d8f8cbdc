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
	"github.com/kpibot/kpibot/storage"
)

// entryRunner types /log commands as one user, each with its own key.
type entryRunner struct {
	t     *testing.T
	h     *bot.Handler
	store *storage.Store
	n     int
}

func (r *entryRunner) as(user, text string) slack.Msg {
	r.t.Helper()
	r.n++
	msg, err := r.h.Handle(context.Background(), bot.Command{Workspace: "T1", User: user, Name: "/log", Text: text, Key: "key-" + user + "-" + string(rune('a'+r.n)), Source: "slack-http"})
	if err != nil {
		r.t.Fatalf("/log %s: %v", text, err)
	}
	checkBlockKitLimits(r.t, msg)
	return msg
}

// code is the code of user's only live entry whose raw text is raw.
func (r *entryRunner) code(user, raw string) string {
	r.t.Helper()
	for _, c := range allCheckIns(r.t, r.store, "T1", user) {
		if c.Raw == raw {
			return c.Code()
		}
	}
	r.t.Fatalf("no entry %q of %s", raw, user)
	return ""
}

// /log undo withdraws the last entry logged, even one backdated; its
// reply used to offer /log undo and then find nothing to undo "today".
func TestUndoABackdatedEntry(t *testing.T) {
	store := memStore(t)
	clk := newClock(monday10)
	r := &entryRunner{t: t, h: bottest.NewHandler(t, store, clk.Now, nil), store: store}
	r.as("U1", "3 rdv")
	clk.Set(monday10.Add(time.Minute))
	recorded := views.PlainText(r.as("U1", "vendredi 2 démos -- Acme"))
	if !strings.Contains(recorded, "Noté pour ven. 20 nov. : 2 démos") || !strings.Contains(recorded, "/log undo l'annule") {
		t.Fatalf("reply:\n%s", recorded)
	}
	got := views.PlainText(r.as("U1", "undo"))
	if want := "↩️ J'ai retiré ta dernière saisie, pour ven. 20 nov. : vendredi 2 démos -- Acme — 2 démos."; !strings.Contains(got, want) {
		t.Fatalf("undo:\n%s\nwant %q", got, want)
	}
	live := allCheckIns(t, store, "T1", "U1")
	if len(live) != 1 || live[0].Raw != "3 rdv" {
		t.Fatalf("live %+v", live)
	}
	// Kept, marked, in the history.
	if h := views.PlainText(r.as("U1", "history")); !strings.Contains(h, "— retirée le lun. 23 nov. 10:01") || !strings.Contains(h, "vendredi 2 démos -- Acme") {
		t.Errorf("history:\n%s", h)
	}
}

// A correction is a new revision: the raw text and the values before are
// kept, figures count the latest, the cap applies after it, and the entry
// keeps its code.
func TestEditAnEntry(t *testing.T) {
	store := memStore(t)
	clk := newClock(friday)
	r := &entryRunner{t: t, h: bottest.NewHandler(t, store, clk.Now, bottest.Profiles{"UEN": {Loc: paris, Lang: prompts.English}}), store: store}
	r.as("U1", "mardi 3 rdv")
	r.as("U1", "hier 800 appels")
	code := r.code("U1", "mardi 3 rdv")

	clk.Set(friday.Add(time.Hour))
	steps := []struct {
		text string
		want []string
	}{
		{"edit " + code + " 3 rdv 1 offre", []string{"✏️ Saisie " + code + " corrigée, pour mar. 24 nov. : 3 rdv · 1 offre", "Avant : mardi 3 rdv — 3 rdv · c'est sa version 2"}},
		{"edit " + code + " hier 3 rdv 1 offre", []string{"corrigée, pour hier (jeu. 26 nov.) : 3 rdv · 1 offre"}},
		// The daily cap applies to the corrected day, with the rest of it.
		{"edit " + code + " 201 appels", []string{"201 appels : avec ce qui est déjà noté le jeu. 26 nov., cela ferait 1001 appels, plus de 1000 en une journée — sans doute une faute de frappe. Tu peux encore en noter 200 ce jour-là.", "Rien n'a été enregistré."}},
		{"edit " + code + " 3 rdv 2 ofres", []string{"🤔 Pour corriger `" + code + "`, j'ai lu : 3 rdv · 2 offres, pour hier (jeu. 26 nov.) — c'est bien ça ?", "ofres : j'ai compris offre"}},
		{"ok", []string{"corrigée, pour hier (jeu. 26 nov.) : 3 rdv · 2 offres"}},
		{"edit " + code + " demain 2 rdv", []string{"demain (sam. 28 nov.) est dans le futur", "Rien n'a été enregistré."}},
		{"edit " + code, []string{code + " · hier (jeu. 26 nov.) : 3 rdv · 2 offres", "3 rdv 2 ofres · corrigée 3 fois", "[✏️ Modifier] [🗑 Retirer]"}},
		{"edit zzzzz 2 rdv", []string{"Aucune de tes saisies des 90 derniers jours n'a le code zzzzz."}},
	}
	for _, s := range steps {
		got := views.PlainText(r.as("U1", s.text))
		for _, w := range s.want {
			if !strings.Contains(got, strings.ReplaceAll(w, "`", "")) {
				t.Errorf("/log %s\nlacks %q in:\n%s", s.text, w, got)
			}
		}
	}
	live := allCheckIns(t, store, "T1", "U1")
	if len(live) != 2 {
		t.Fatalf("%d live entries, want 2", len(live))
	}
	var c storage.CheckIn
	for _, e := range live {
		if e.Code() == code {
			c = e
		}
	}
	if c.Rev != 3 || c.Day != "2026-11-26" || c.Raw != "3 rdv 2 ofres" || c.Counts["proposals"] != 2 || len(c.Revisions) != 3 ||
		c.Revisions[0].Raw != "mardi 3 rdv" || c.Revisions[0].Day != "2026-11-24" || c.Revisions[1].Raw != "3 rdv 1 offre" {
		t.Fatalf("entry %+v", c)
	}
	// Figures count the latest revision only.
	msg, err := r.h.Handle(context.Background(), bot.Command{Workspace: "T1", User: "U1", Name: "/kpi", Text: "me", Key: "me"})
	if err != nil {
		t.Fatal(err)
	}
	if got := views.PlainText(msg); !strings.Contains(got, "800 appels · 3 rdv · 2 offres") {
		t.Errorf("/kpi me:\n%s", got)
	}
	// The history shows every version, oldest first.
	h := views.PlainText(r.as("U1", "history"))
	for _, w := range []string{
		code + " · hier (jeu. 26 nov.) : 3 rdv · 2 offres",
		"v1 · ven. 27 nov. 18:00 · mardi 3 rdv : 3 rdv, pour mar. 24 nov.",
		"v2 · ven. 27 nov. 19:00 · 3 rdv 1 offre : 3 rdv · 1 offre, pour mar. 24 nov.",
		"v3 · ven. 27 nov. 19:00 · hier 3 rdv 1 offre : 3 rdv · 1 offre",
		"v4 · ven. 27 nov. 19:00 · 3 rdv 2 ofres : 3 rdv · 2 offres (actuelle)",
	} {
		if !strings.Contains(h, w) {
			t.Errorf("history lacks %q:\n%s", w, h)
		}
	}
}

// Another rep's code is refused as if it did not exist: no data, nothing
// changed.
func TestAnotherUsersCodeIsRefused(t *testing.T) {
	store := memStore(t)
	r := &entryRunner{t: t, h: bottest.NewHandler(t, store, newClock(friday).Now, nil), store: store}
	r.as("U2", "lundi 4 rdv -- Globex rachète Acme")
	theirs := r.code("U2", "lundi 4 rdv -- Globex rachète Acme")
	for _, text := range []string{"edit " + theirs, "edit " + theirs + " 9 rdv", "rm " + theirs} {
		got := views.PlainText(r.as("U1", text))
		if !strings.Contains(got, "Aucune de tes saisies des 90 derniers jours n'a le code "+theirs+".") || strings.Contains(got, "Globex") || strings.Contains(got, "4 rdv") {
			t.Errorf("/log %s answered:\n%s", text, got)
		}
	}
	if got := allCheckIns(t, store, "T1", "U2"); len(got) != 1 || got[0].Rev != 0 || got[0].Counts["meetings"] != 4 {
		t.Errorf("the other rep's entry changed: %+v", got)
	}
}

func TestRemoveAnEntry(t *testing.T) {
	store := memStore(t)
	r := &entryRunner{t: t, h: bottest.NewHandler(t, store, newClock(friday).Now, bottest.Profiles{"U1": {Lang: prompts.English}}), store: store}
	r.as("U1", "monday 2 demos")
	code := r.code("U1", "monday 2 demos")
	for _, s := range []struct{ text, want string }{
		{"rm", "Give the code of the entry to remove"},
		{"rm " + code, "🗑 Entry " + code + " removed, for Mon 23 Nov: monday 2 demos — 2 demos. It no longer counts"},
		{"rm " + code, "Entry " + code + " was already removed"},
		{"edit " + code + " 3 demos", "Entry " + code + " was already removed"},
		{"undo", "There is nothing to undo"},
	} {
		if got := views.PlainText(r.as("U1", s.text)); !strings.Contains(got, s.want) {
			t.Errorf("/log %s\nlacks %q in:\n%s", s.text, s.want, got)
		}
	}
	if got := allCheckIns(t, store, "T1", "U1"); len(got) != 0 {
		t.Errorf("live %+v", got)
	}
}

func TestEntryListPages(t *testing.T) {
	store := memStore(t)
	clk := newClock(friday)
	r := &entryRunner{t: t, h: bottest.NewHandler(t, store, clk.Now, nil), store: store}
	for i := range 10 {
		r.as("U1", "2026-11-"+string(rune('1'))+string(rune('0'+i))+" 1 appel")
	}
	first := r.as("U1", "edit")
	got := views.PlainText(first)
	if !strings.Contains(got, "Tes saisies des 90 derniers jours (page 1 sur 2, les plus récentes d'abord)") || !strings.Contains(got, "jeu. 19 nov. : 1 appel") || strings.Contains(got, "mar. 10 nov.") {
		t.Errorf("page 1:\n%s", got)
	}
	ids, values := buttons(first)
	if n := strings.Count(strings.Join(ids, ","), views.ActionEntryEdit); n != 8 || ids[len(ids)-1] != views.ActionEntriesOlder || values[len(values)-1] != "2" {
		t.Errorf("buttons %v %v", ids, values)
	}
	if got := views.PlainText(r.as("U1", "edit 2")); !strings.Contains(got, "page 2 sur 2") || !strings.Contains(got, "mar. 10 nov. : 1 appel") || !strings.Contains(got, "← Plus récentes") {
		t.Errorf("page 2:\n%s", got)
	}
	if got := views.PlainText(r.as("U2", "edit")); !strings.Contains(got, "Tu n'as aucune saisie sur les 90 derniers jours.") {
		t.Errorf("another rep's list:\n%s", got)
	}
}

func TestEntriesGolden(t *testing.T) {
	for _, lang := range prompts.Langs {
		store := memStore(t)
		clk := newClock(friday)
		r := &entryRunner{t: t, h: bottest.NewHandler(t, store, clk.Now, bottest.Profiles{"U1": {Lang: lang}}), store: store}
		r.as("U1", "mardi 3 rdv 1 offre 12k€ -- Acme")
		r.as("U1", "2 démos")
		code := r.code("U1", "mardi 3 rdv 1 offre 12k€ -- Acme")
		clk.Set(friday.Add(30 * time.Minute))
		edited := r.as("U1", "edit "+code+" mardi 3 rdv 1 offre 15k€ -- Acme")
		r.as("U1", "rm "+r.code("U1", "2 démos"))
		golden(t, "log_edited_"+string(lang), edited)
		golden(t, "log_entries_"+string(lang), r.as("U1", "edit"))
		golden(t, "log_history_"+string(lang), r.as("U1", "history"))
	}
}

// The shorter new replies, in both languages: a withdrawal, a reading
// dropped or no longer waiting, team words added or refused, the currency
// set, and an amount in another currency refused.
func TestNewRepliesGolden(t *testing.T) {
	for _, lang := range prompts.Langs {
		store := memStore(t)
		r := &entryRunner{t: t, h: bottest.NewHandler(t, store, newClock(friday).Now, bottest.Profiles{"U1": {Lang: lang, Admin: true}}), store: store}
		kpiAs := func(text string) slack.Msg {
			t.Helper()
			msg, err := r.h.Handle(context.Background(), bot.Command{Workspace: "T1", User: "U1", Name: "/kpi", Text: text, Key: "kpi " + text})
			if err != nil {
				t.Fatal(err)
			}
			checkBlockKitLimits(t, msg)
			return msg
		}
		r.as("U1", "lundi 2 démos")
		golden(t, "log_rm_"+string(lang), r.as("U1", "rm "+r.code("U1", "lundi 2 démos")))
		r.as("U1", "3 offfre")
		golden(t, "log_cancelled_"+string(lang), r.as("U1", "cancel"))
		golden(t, "log_nothing_pending_"+string(lang), r.as("U1", "ok"))
		kpiAs("settings") // U1 is a Slack admin of the workspace
		golden(t, "kpi_words_added_"+string(lang), kpiAs("words add visioconf rdv"))
		golden(t, "kpi_words_builtin_"+string(lang), kpiAs("words add visio rdv"))
		golden(t, "kpi_currency_set_"+string(lang), kpiAs("settings currency USD"))
		golden(t, "log_other_currency_"+string(lang), r.as("U1", "1 vente 12k€"))
	}
}
