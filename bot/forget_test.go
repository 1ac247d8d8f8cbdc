package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// seedWorkspace fills every collection with workspace ws's data: a
// manager, UMAUD, and two reps, ULEA and UBOB, who log, correct, set
// objectives, share practices, choose settings, get coached and commit.
func seedWorkspace(t *testing.T, store *storage.Store, h *bot.Handler, clk *testkit.Clock, ws string) {
	t.Helper()
	ctx := context.Background()
	n := 0
	do := func(user, name, text string) string {
		t.Helper()
		n++
		msg, err := h.Handle(ctx, bot.Command{Workspace: ws, User: user, Name: name, Text: text, Key: ws + user + text + string(rune('a'+n%26)) + clk.Now().String(), Source: "slack-http"})
		if err != nil {
			t.Fatalf("%s %s: %v", name, text, err)
		}
		return views.PlainText(msg)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	do("UADMIN", "/kpi", "team manager <@UMAUD>")
	join(t, h, ws, "UMAUD", "ULEA", "UBOB")
	do("UMAUD", "/kpi", "team add <@UZOE>") // waiting invitation
	do("UMAUD", "/kpi", "team channel <#C1|ventes>")
	do("UMAUD", "/kpi", "ritual set review lun 10h <#C1|ventes>")
	do("UADMIN", "/kpi", "holiday add 2026-12-24")
	for _, rep := range []string{"ULEA", "UBOB"} {
		for d := 1; d <= 20; d++ {
			day := clk.Now().AddDate(0, 0, -d)
			if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			do(rep, "/log", day.Format(time.DateOnly)+" 20 appels 3 leads 2 rdv 2 offres 1 signature -- avec <@UMAUD> et <@"+rep+">")
		}
		do(rep, "/log", "3 offfre") // a reading waiting for confirmation
		do(rep, "/kpi", "goal set signatures 5 mois")
		do(rep, "/kpi", "practice je relance à J+2")
		do(rep, "/kpi", "shoutout on")
		do(rep, "/kpi", "share counts on")
		do(rep, "/kpi", "remind 18:00")
		do(rep, "/kpi", "away 2026-12-21 2026-12-31")
		do("UMAUD", "/kpi", "coach <@"+rep+">")
		if got := do(rep, "/kpi", "commit rappeler Acme d'ici le 2026-12-04"); !strings.Contains(got, "Acme") {
			t.Fatalf("commit: %s", got)
		}
		do("UMAUD", "/kpi", "coach cadence <@"+rep+"> 3")
	}
	// Correct one of Léa's entries: its revision is kept.
	entries := do("ULEA", "/log", "list")
	if code := entryCode(entries); code != "" {
		do("ULEA", "/log", "edit "+code+" 21 appels")
	}
	do("UMAUD", "/kpi", "goal set rdv 10 semaine --for <@ULEA>")
	do("UMAUD", "/kpi", "goal set signatures 20 mois --for team")
	do("UMAUD", "/kpi", "ritual run reminder")
	do("UMAUD", "/kpi", "ritual run digest")
	must(store.SaveUserProfile(ctx, storage.UserProfile{Workspace: ws, User: "ULEA", TZ: "Europe/Paris", Locale: "fr-FR", RefreshedAt: clk.Now()}))
	must(store.SaveInstallation(ctx, storage.Installation{Workspace: ws, InstalledBy: "UADMIN", InstalledAt: clk.Now(), SealedToken: "sealed"}))
	must(store.SetInstaller(ctx, ws, "UADMIN", clk.Now()))
}

// entryCode is the first entry code of a /log list.
func entryCode(list string) string {
	i := strings.Index(list, "`")
	if i < 0 {
		return ""
	}
	j := strings.Index(list[i+1:], "`")
	if j < 0 {
		return ""
	}
	return list[i+1 : i+1+j]
}

// Erasure is real deletion: a test seeds every collection, erases, and
// scans every collection for the user's and then the workspace's ID.
func TestForgetMeAndForgetWorkspaceLeaveNothing(t *testing.T) {
	store := memStore(t)
	clk := newClock(time.Date(2026, 11, 30, 10, 0, 0, 0, paris))
	out := testkit.NewRecordingOutbox(t)
	profiles := bottest.Profiles{"UADMIN": {Admin: true}, "UMAUD": {}, "ULEA": {}, "UBOB": {}, "UZOE": {}}
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Profiles: profiles, Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: out, Logger: quiet})
	ctx := context.Background()
	seedWorkspace(t, store, h, clk, "T1")
	seedWorkspace(t, store, h, clk, "T2")
	counts, err := store.WorkspaceDocuments(ctx, "T1")
	if err != nil {
		t.Fatal(err)
	}
	keys := 0
	for name, n := range counts {
		if strings.HasPrefix(name, "checkin_keys_") {
			keys += n // one family, hashed over its buckets
			continue
		}
		if n == 0 {
			t.Errorf("the seed leaves collection %s empty", name)
		}
	}
	for _, name := range []string{"commitments", "threads", "weeks_2026_11_23", "profiles", "installations", "invitations", "pending_readings", "occurrences"} {
		if counts[name] == 0 {
			t.Errorf("the seed leaves collection %s empty", name)
		}
	}
	if keys == 0 {
		t.Error("the seed stores no check-in key")
	}
	t.Logf("seeded %d collections: %v", len(counts), counts)
	do := func(ws, user, text string) string {
		msg, err := h.Handle(ctx, bot.Command{Workspace: ws, User: user, Name: "/kpi", Text: text, Key: ws + user + text, Source: "slack-http"})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}

	// Asked, then confirmed with the button.
	if got := do("T1", "ULEA", "forget me"); !strings.Contains(got, "Effacer tout ce que kpibot garde sur toi") || !strings.Contains(got, "[Tout effacer sur moi]") {
		t.Fatalf("forget me asks %q", got)
	}
	if m, _ := store.Mentions(ctx, "ULEA"); len(m) == 0 {
		t.Fatal("asking erased something")
	}
	hook := newResponseHook(t)
	if _, err := h.Interact(ctx, testkit.MustCallback(t, clickPayload("ULEA", views.ActionForgetMe, hook.URL()))); err != nil {
		t.Fatal(err)
	}
	if posts := hook.Posts(); len(posts) != 1 || !strings.Contains(posts[0]["text"].(string), "kpibot ne garde plus rien sur toi") {
		t.Errorf("the button answered %v", posts)
	}
	// The payload's team is T1; Léa of T2 is untouched.
	left, err := store.Mentions(ctx, "ULEA")
	if err != nil {
		t.Fatal(err)
	}
	t2, _ := store.WorkspaceDocuments(ctx, "T2")
	if t1Left := mentionsIn(ctx, t, store, "T1", "ULEA"); len(t1Left) != 0 {
		t.Errorf("after forget me, ULEA is still in T1's %v", t1Left)
	}
	if len(left) == 0 {
		t.Error("forget me in T1 erased Léa of T2")
	}
	// Bob's own data stays, and his team with Maud.
	if got := do("T1", "UBOB", "me"); !strings.Contains(got, "appels") {
		t.Errorf("Bob lost his figures:\n%s", got)
	}
	if team, err := store.TeamOf(ctx, "T1", "UBOB"); err != nil || team.Manager != "UMAUD" || len(team.Reps) != 1 {
		t.Errorf("Bob's team after Léa left: %+v, %v", team, err)
	}

	// The manager erases herself: her team is dissolved, Bob is told, his
	// coaching thread stays his with her ID as a pseudonym.
	if got := do("T1", "UMAUD", "forget me confirm"); !strings.Contains(got, "ne garde plus rien sur toi") {
		t.Fatalf("forget me confirm: %s", got)
	}
	if t1Left := mentionsIn(ctx, t, store, "T1", "UMAUD"); len(t1Left) != 0 {
		t.Errorf("after forget me, UMAUD is still in T1's %v", t1Left)
	}
	if threads, err := store.Threads(ctx, "T1", "UBOB"); err != nil || len(threads) == 0 || !strings.HasPrefix(threads[0].Manager, "forgotten-") {
		t.Errorf("Bob's coaching thread: %+v, %v", threads, err)
	}
	if _, err := store.TeamOf(ctx, "T1", "UBOB"); err == nil {
		t.Error("the manager's team survived her erasure")
	}

	// The workspace: only an admin, then nothing of T1 is left, T2 whole.
	if got := do("T1", "UBOB", "forget workspace confirm"); !strings.Contains(got, "🔒") {
		t.Errorf("a rep erased the workspace: %s", got)
	}
	if got := do("T1", "UADMIN", "forget workspace"); !strings.Contains(got, "[Effacer tout l'espace]") {
		t.Errorf("forget workspace asks %q", got)
	}
	if got := do("T1", "UADMIN", "forget workspace confirm"); !strings.Contains(got, "ne garde plus rien de cet espace") {
		t.Fatalf("forget workspace: %s", got)
	}
	if m, err := store.Mentions(ctx, "T1"); err != nil || len(m) != 0 {
		t.Errorf("after forget workspace, T1 is still in %v (%v)", m, err)
	}
	if after, _ := store.WorkspaceDocuments(ctx, "T2"); !sameCounts(after, t2) {
		t.Errorf("T2 changed: %v, was %v", after, t2)
	}
}

// mentionsIn lists the collections where a document of workspace still
// holds id.
func mentionsIn(ctx context.Context, t *testing.T, store *storage.Store, workspace, id string) map[string]int {
	t.Helper()
	in, err := store.WorkspaceMentions(ctx, workspace, id)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func sameCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}
