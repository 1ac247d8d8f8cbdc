package bot_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// perWorkspace answers users.info per workspace, as each workspace's
// token would: a Slack admin of T1 is nobody in T2.
type perWorkspace map[string]bot.Profile

func (p perWorkspace) Profile(_ context.Context, workspace, user string) (bot.Profile, bool) {
	got, ok := p[workspace+"/"+user]
	return got, ok
}

// The roles of the matrix: Léa is the rep whose data is at stake.
const (
	roleRep      = "UREP"   // Léa herself
	roleManager  = "UMGR"   // her manager
	roleOtherMgr = "UMGR2"  // another team's manager
	roleAdmin    = "UADMIN" // a Slack admin of T1, manager of nobody
	roleOutsider = "UOUT"   // a user of T1 in no team
)

var matrixRoles = []string{roleRep, roleManager, roleOtherMgr, roleAdmin, roleOutsider}

// leak holds Léa's raw activity counts, which only she sees; rate is her
// calls → leads rate, which she and her manager see.
var (
	leak = regexp.MustCompile(`\b(411|87|51|33) (appels|leads|rdv|offres)`)
	rate = regexp.MustCompile(`\b21\x{202f}?%`)
)

// The permission matrix of README's "who sees what": every /kpi
// command and every button, for each role, in Léa's workspace and in
// another. A refusal carries no figure at all; what a role may not see
// of Léa never shows, refused or not.
func TestPermissionMatrix(t *testing.T) {
	store := memStore(t)
	clk := newClock(time.Date(2026, 11, 27, 18, 0, 0, 0, paris))
	out := testkit.NewRecordingOutbox(t)
	profiles := perWorkspace{}
	for _, u := range append(matrixRoles, "UB", "UC", "UD") {
		profiles["T1/"+u], profiles["T2/"+u] = bot.Profile{}, bot.Profile{}
	}
	profiles["T1/"+roleAdmin] = bot.Profile{Admin: true}
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Profiles: profiles, Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: out, Logger: quiet})
	ctx := context.Background()
	n := 0
	run := func(ws, user, text string) string {
		t.Helper()
		n++
		msg, err := h.Handle(ctx, bot.Command{Workspace: ws, User: user, Name: "/kpi", Text: text, Key: fmt.Sprint(n), Source: "slack-http"})
		if err != nil {
			t.Fatalf("%s %s: %v", user, text, err)
		}
		return views.PlainText(msg)
	}
	logAs := func(user, text string) {
		n++
		if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: "/log", Text: text, Key: fmt.Sprint(n)}); err != nil {
			t.Fatal(err)
		}
	}
	store.MakeManager(ctx, "T1", roleManager)
	store.MakeManager(ctx, "T1", roleOtherMgr)
	join(t, h, "T1", roleManager, roleRep, "UB", "UC")
	join(t, h, "T1", roleOtherMgr, "UD")
	run("T1", roleManager, "team channel <#C1|ventes>")
	for _, day := range []string{"lundi", "mardi", "mercredi"} {
		logAs(roleRep, day+" 137 appels 29 leads 17 rdv 11 offres 1 signature")
		logAs("UB", day+" 40 appels 4 leads 2 rdv 2 offres")
		logAs("UC", day+" 50 appels 5 leads 3 rdv 1 offre")
	}
	run("T1", roleManager, "coach <@UREP>")
	var draft string
	for _, s := range out.Sent {
		if m := regexp.MustCompile(`/kpi coach post ([a-z2-9]{5})`).FindStringSubmatch(views.PlainText(s.Msg)); m != nil {
			draft = m[1]
		}
	}
	if draft == "" {
		t.Fatal("no coaching draft")
	}

	// allow lists who may, in T1; nobody may in T2, where none of them has
	// a role or a team. "self" commands are everyone's own.
	all := matrixRoles
	members := []string{roleRep, roleManager, roleOtherMgr}
	cells := []struct {
		cmd   string
		allow []string
		// sees lists who may see Léa's own figures in the answer; the
		// others must not, allowed or refused.
		sees []string
		// t2 lists who may in T2: their own data there, nothing of T1.
		t2 []string
	}{
		{"me", all, []string{roleRep}, all},
		{"me --manager-view", all, []string{}, all},
		{"me <@UREP>", []string{roleRep, roleManager}, []string{roleRep}, []string{roleRep}},
		{"me <@UREP> mois", []string{roleRep, roleManager}, []string{roleRep}, []string{roleRep}},
		{"team", members, nil, nil},
		{"plan 5 signatures", all, []string{roleRep}, all},
		{"goal list", all, []string{roleRep}, all},
		{"goal set rdv 10 semaine --for <@UREP>", []string{roleRep, roleManager, roleAdmin}, nil, []string{roleRep}},
		{"goal set signatures 20 mois --for team", []string{roleManager, roleOtherMgr}, nil, nil},
		{"goal rm CODE", []string{roleRep, roleManager, roleAdmin}, nil, nil},
		{"team manager <@UZED>", []string{roleAdmin}, nil, nil},
		{"team move <@UB> <@UMGR2>", []string{roleAdmin}, nil, nil},
		{"team add <@UZED>", []string{roleManager, roleOtherMgr}, nil, nil},
		{"team add <@UREP>", []string{roleManager}, nil, nil}, // the others are refused: she is in a team
		{"team channel <#C2|autre>", []string{roleManager, roleOtherMgr}, nil, nil},
		{"team min 4", []string{roleManager, roleOtherMgr}, nil, nil},
		{"team lang en", []string{roleManager, roleOtherMgr}, nil, nil},
		{"ritual list", members, nil, nil},
		{"ritual set review lun 10h <#C1|ventes>", []string{roleManager, roleOtherMgr}, nil, nil},
		{"ritual run digest", []string{roleManager, roleOtherMgr}, nil, nil},
		{"coach <@UREP>", []string{roleManager}, nil, nil},
		{"coach history <@UREP>", []string{roleRep, roleManager}, nil, []string{roleRep}},
		{"coach post " + draft, []string{roleManager}, nil, nil},
		{"settings currency USD", []string{roleAdmin}, nil, nil},
		{"words add visioconf rdv", []string{roleManager, roleOtherMgr, roleAdmin}, nil, nil},
		{"holiday add 2026-12-24", []string{roleAdmin}, nil, nil},
		{"export team", []string{roleManager, roleOtherMgr}, nil, nil},
		{"forget workspace", []string{roleAdmin}, nil, nil},
		{"share counts off", all, nil, all},
		{"shoutout off", all, nil, all},
		{"away 2026-12-21 2026-12-31", all, nil, all},
		{"remind 18:00", all, nil, all},
		{"export me", all, nil, all},
		{"practice je relance à J+2 avec un cas client", all, nil, all}, // one's own practice
		{"words list", all, nil, all},
		{"words rm visioconf", []string{roleManager, roleOtherMgr, roleAdmin}, nil, nil},
		{"ritual off rappel", []string{roleManager, roleOtherMgr}, nil, nil},
		{"coach cadence <@UREP> 2", []string{roleManager}, nil, nil},
		{"commit relancer les 3 offres ouvertes d'ici le 2026-12-04", []string{roleRep, roleManager}, nil, nil}, // the thread's two
		{"holiday list", all, nil, all},
		{"holiday work 2026-11-11", []string{roleAdmin}, nil, nil},
		{"settings", all, nil, all},
		{"forget me", all, nil, all},
		{"home", all, []string{roleRep}, all},
	}
	digits := regexp.MustCompile(`[0-9]`)
	for _, c := range cells {
		for _, ws := range []string{"T1", "T2"} {
			for _, role := range matrixRoles {
				cmd := c.cmd
				if strings.Contains(cmd, "CODE") {
					// Each role tries a fresh objective of Léa's.
					saved := run("T1", roleRep, "goal set appels 100 semaine")
					cmd = strings.Replace(cmd, "CODE", regexp.MustCompile(`Objectif ([a-z2-9]{5})`).FindStringSubmatch(saved)[1], 1)
				}
				got := run(ws, role, cmd)
				refused := strings.Contains(got, "🔒 C'est réservé") || strings.Contains(got, "Je n'ai pas pu demander à Slack") ||
					strings.Contains(got, "Tu ne gères pas encore d'équipe") || strings.Contains(got, "fait déjà partie d'une autre équipe") ||
					strings.Contains(got, "Aucun objectif") || strings.HasPrefix(got, "Tu n'es pas encore dans une équipe") ||
					strings.Contains(got, "Tu n'as pas de brouillon") || strings.Contains(got, "Un engagement appartient à un échange de coaching")
				allowed := contains(c.allow, role)
				if ws == "T2" {
					allowed = contains(c.t2, role)
				}
				if allowed == refused {
					t.Errorf("%s %s in %s: allowed=%v, but got:\n%s", role, cmd, ws, allowed, got)
				}
				// What the caller typed is taken out, longest first: "rm"
				// must not cut the objective code "4rmzf" in two.
				typed := strings.Fields(cmd)
				slices.SortFunc(typed, func(a, b string) int { return len(b) - len(a) })
				bare := got
				for _, tok := range typed {
					bare = strings.ReplaceAll(bare, tok, "")
				}
				if refused && digits.MatchString(bare) && !strings.Contains(got, "`/kpi") {
					t.Errorf("%s %s in %s: a refusal with a figure:\n%s", role, c.cmd, ws, got)
				}
				if !(ws == "T1" && contains(c.sees, role)) && leak.MatchString(got) {
					t.Errorf("%s %s in %s shows Léa's raw counts:\n%s", role, cmd, ws, got)
				}
				if !(ws == "T1" && (role == roleRep || role == roleManager)) && rate.MatchString(got) {
					t.Errorf("%s %s in %s shows Léa's rate:\n%s", role, cmd, ws, got)
				}
			}
		}
	}

	// The buttons act on the clicking user only, whatever their value.
	var leaEntry string
	for _, e := range allCheckIns(t, store, "T1", roleRep) {
		leaEntry = e.Code()
	}
	for _, role := range []string{roleManager, roleOtherMgr, roleAdmin, roleOutsider} {
		for _, b := range []struct{ action, value string }{
			{views.ActionEntryDelete, leaEntry}, {views.ActionEntryEdit, leaEntry},
			{views.ActionPendingSave, "zzzzz"}, {views.ActionTeamAccept, roleManager},
			{views.ActionForgetWorkspace, "confirm"}, {views.ActionCoachSkip, draft}, {views.ActionCoachPost, draft},
			{views.ActionCoachEdit, draft}, {views.ActionPendingCancel, "zzzzz"}, {views.ActionPendingEdit, "zzzzz"},
			{views.ActionEntriesOlder, "2"}, {views.ActionEntriesNewer, "1"}, {views.ActionReminderOff, ""},
			{views.ActionReminderSnooze, ""}, {views.ActionCheckInOpen, ""}, {views.ActionTeamDecline, roleManager},
		} {
			if role == roleManager && strings.HasPrefix(b.action, "coach_") || role == roleAdmin && b.action == views.ActionForgetWorkspace {
				continue // her manager's own draft; the admin's own workspace
			}
			hook := newResponseHook(t)
			cb := testkit.MustCallback(t, clickPayload(role, b.action, hook.URL()))
			cb.ActionCallback.BlockActions[0].Value = b.value
			_, _ = h.Interact(ctx, cb)
			for _, p := range hook.Posts() {
				if text, _ := p["text"].(string); leak.MatchString(text) {
					t.Errorf("%s clicking %s sees Léa's figures: %s", role, b.action, text)
				}
			}
		}
	}
	// /log is always one's own: its subcommands naming Léa's entry find
	// nothing of hers, for anyone else.
	for _, role := range []string{roleManager, roleOtherMgr, roleAdmin, roleOutsider} {
		for _, text := range []string{"rm " + leaEntry, "edit " + leaEntry + " 1 appel", "history", "edit", "undo"} {
			n++
			msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: role, Name: "/log", Text: text, Key: fmt.Sprint(n), Source: "slack-http"})
			if err != nil {
				t.Fatalf("%s /log %s: %v", role, text, err)
			}
			// 137 appels: one of Léa's entries, as she typed it.
			if got := views.PlainText(msg); leak.MatchString(got) || rate.MatchString(got) || strings.Contains(got, "137 appels") {
				t.Errorf("%s /log %s shows Léa's figures:\n%s", role, text, got)
			}
		}
	}
	entries := allCheckIns(t, store, "T1", roleRep)
	if len(entries) != 3 || entries[len(entries)-1].UndoneAt != nil {
		t.Errorf("another user's click changed Léa's entries: %+v", entries)
	}
	if _, err := store.TeamOf(ctx, "T1", roleRep); err != nil {
		t.Errorf("Léa lost her team to someone else's click: %v", err)
	}
	if w, _ := store.WorkspaceDocuments(ctx, "T1"); w["teams"] == 0 {
		t.Error("a non-admin's click erased the workspace")
	}
	thread, err := store.Thread(ctx, "T1", draft)
	// Her manager posted it (his row of the matrix); nobody else's Skip
	// changed that.
	if err != nil || thread.State != storage.ThreadPosted {
		t.Errorf("someone else decided the manager's draft: %s, %v", thread.State, err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
