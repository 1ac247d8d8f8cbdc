package bot_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/console"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// A rep joins a team only by accepting: the invitation says who invites
// them and what that manager will see; declining, leaving and an admin's
// move each tell the people concerned.
func TestConsentToJoinATeam(t *testing.T) {
	store := memStore(t)
	out := testkit.NewRecordingOutbox(t)
	profiles := bottest.Profiles{"UADMIN": {Admin: true}, "UMAUD": {}, "UMARC": {}, "UALICE": {Lang: prompts.English}, "UBOB": {}}
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Profiles: profiles, Now: newClock(friday).Now, TZ: paris, Lang: prompts.French, Outbox: out, Logger: quiet})
	ctx := context.Background()
	n := 0
	kpiAs := func(user, text string) string {
		t.Helper()
		n++
		msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: "/kpi", Text: text, Key: user + text + string(rune('a'+n)), Source: "slack-http"})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}
	teamOf := func(user string) string {
		t.Helper()
		team, err := store.TeamOf(ctx, "T1", user)
		if errors.Is(err, storage.ErrNotFound) {
			return ""
		}
		if err != nil {
			t.Fatal(err)
		}
		return team.Manager
	}
	dmsTo := func(user string) []string {
		var texts []string
		for _, s := range out.Sent {
			if s.Channel == user {
				texts = append(texts, views.PlainText(s.Msg))
			}
		}
		return texts
	}
	kpiAs("UADMIN", "team manager <@UMAUD>")
	kpiAs("UADMIN", "team manager <@UMARC>")
	if got := kpiAs("UMAUD", "team manager <@UBOB>"); !strings.Contains(got, "🔒") {
		t.Errorf("a manager promoted a rep: %s", got)
	}
	if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "UALICE", Name: "/log", Text: "3 rdv 1 offre", Key: "l1"}); err != nil {
		t.Fatal(err)
	}

	// The invitation: nothing is shared until Alice accepts.
	if got := kpiAs("UMAUD", "team add <@UALICE>"); !strings.Contains(got, "J'ai invité <@UALICE>") {
		t.Errorf("invite answered %q", got)
	}
	if teamOf("UALICE") != "" {
		t.Fatal("the rep joined without accepting")
	}
	if got := kpiAs("UMAUD", "me <@UALICE>"); !strings.Contains(got, "🔒") || strings.Contains(got, "rdv") {
		t.Errorf("the manager reads an invited rep:\n%s", got)
	}
	invites := dmsTo("UALICE")
	if len(invites) != 1 {
		t.Fatalf("%d DMs to the rep, want the invitation", len(invites))
	}
	for _, want := range []string{"<@UMAUD> invites you to join their team", "your conversion rates", "your outcomes: signatures, revenue, renewals, lost deals, pipeline value", "how many days you logged", "will not see your raw activity counts", "[Accept]", "[Decline]", "/kpi team leave"} {
		if !strings.Contains(invites[0], want) {
			t.Errorf("the invitation lacks %q:\n%s", want, invites[0])
		}
	}

	// Declined: the manager is told, nothing changes.
	if got := kpiAs("UALICE", "team decline"); !strings.Contains(got, "You declined <@UMAUD>'s invitation") {
		t.Errorf("decline answered %q", got)
	}
	if teamOf("UALICE") != "" {
		t.Fatal("a declined invitation added the rep")
	}
	if told := dmsTo("UMAUD"); len(told) != 1 || !strings.Contains(told[0], "<@UALICE> a refusé ton invitation") {
		t.Errorf("the manager was told %q", told)
	}
	if got := kpiAs("UALICE", "team accept"); !strings.Contains(got, "no invitation waiting") {
		t.Errorf("accepting a declined invitation: %q", got)
	}

	// Invited again, she accepts with the button; a forged value changes
	// nothing: only her own waiting invitation is answered.
	kpiAs("UMAUD", "team add <@UALICE>")
	hook := newResponseHook(t)
	cb := testkit.MustCallback(t, clickPayload("UALICE", views.ActionTeamAccept, hook.URL()))
	cb.ActionCallback.BlockActions[0].Value = "UMARC"
	if _, err := h.Interact(ctx, cb); err != nil {
		t.Fatal(err)
	}
	if teamOf("UALICE") != "UMAUD" {
		t.Fatalf("after Accept, Alice is in %q's team", teamOf("UALICE"))
	}
	if posts := hook.Posts(); len(posts) != 1 || !strings.Contains(posts[0]["text"].(string), "You joined <@UMAUD>'s team") {
		t.Errorf("the invitation was replaced with %v", posts)
	}
	if told := dmsTo("UMAUD"); len(told) != 2 || !strings.Contains(told[1], "<@UALICE> a accepté ton invitation") {
		t.Errorf("the manager was told %q", told)
	}
	if got := kpiAs("UMAUD", "me <@UALICE>"); strings.Contains(got, "🔒") {
		t.Errorf("the manager cannot read a rep who accepted:\n%s", got)
	}

	// Another manager cannot take her; the rep may leave at any time.
	if got := kpiAs("UMARC", "team add <@UALICE>"); !strings.Contains(got, "fait déjà partie d'une autre équipe") {
		t.Errorf("another manager invited a rep of a team: %q", got)
	}
	if got := kpiAs("UMARC", "team add <@UMAUD>"); !strings.Contains(got, "est manager") {
		t.Errorf("a manager invited a manager as a rep: %q", got)
	}
	if got := kpiAs("UALICE", "team leave"); !strings.Contains(got, "You left <@UMAUD>'s team") {
		t.Errorf("leave answered %q", got)
	}
	if teamOf("UALICE") != "" {
		t.Fatal("the rep did not leave")
	}
	if told := dmsTo("UMAUD"); len(told) != 3 || !strings.Contains(told[2], "<@UALICE> a quitté ton équipe") {
		t.Errorf("the manager was told %q", told)
	}
	if got := kpiAs("UALICE", "team leave"); !strings.Contains(got, "not a rep of any team") {
		t.Errorf("leaving twice: %q", got)
	}

	// An admin moves a rep, and the rep and both managers are told.
	kpiAs("UMAUD", "team add <@UBOB>")
	kpiAs("UBOB", "team accept")
	before := len(out.Sent)
	if got := kpiAs("UADMIN", "team move <@UBOB> <@UMARC>"); !strings.Contains(got, "passe de l'équipe de <@UMAUD> à celle de <@UMARC>") {
		t.Errorf("admin move answered %q", got)
	}
	if teamOf("UBOB") != "UMARC" {
		t.Fatal("the admin's move did not move the rep")
	}
	told := map[string]bool{}
	for _, s := range out.Sent[before:] {
		told[s.Channel] = true
	}
	if !told["UBOB"] || !told["UMAUD"] || !told["UMARC"] {
		t.Errorf("the move told %v, want the rep and both managers", told)
	}
}

// Admins are Slack's admins and owners and the installer: being first is
// nothing, and when Slack cannot be asked nobody gains the role, and the
// refusal says why. The console's demo workspace keeps its first user.
func TestRolesComeFromSlack(t *testing.T) {
	store := memStore(t)
	profiles := bottest.Profiles{"UFIRST": {}, "UOWNER": {Admin: true}}
	h := bottest.NewHandler(t, store, newClock(friday).Now, profiles)
	ctx := context.Background()
	kpiAs := func(ws, user, text string) string {
		t.Helper()
		msg, err := h.Handle(ctx, bot.Command{Workspace: ws, User: user, Name: "/kpi", Text: text, Key: ws + user + text, Source: "slack-http"})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}
	if got := kpiAs("T1", "UFIRST", "team manager <@UFIRST>"); !strings.Contains(got, "🔒 C'est réservé à un admin.") {
		t.Errorf("the first user became admin: %q", got)
	}
	if got := kpiAs("T1", "UOWNER", "team manager <@UMGR>"); !strings.Contains(got, "<@UMGR> est maintenant manager") {
		t.Errorf("a Slack owner is not admin: %q", got)
	}
	// Slack could not be asked about UNOBODY: no role, and the reason.
	if got := kpiAs("T1", "UNOBODY", "settings currency USD"); !strings.Contains(got, "Je n'ai pas pu demander à Slack") {
		t.Errorf("unknown roles answered %q", got)
	}
	// The installer is admin without Slack's word.
	if err := store.SetInstaller(ctx, "T1", "UINSTALL", friday); err != nil {
		t.Fatal(err)
	}
	if got := kpiAs("T1", "UINSTALL", "team manager <@UMGR2>"); !strings.Contains(got, "<@UMGR2> est maintenant manager") {
		t.Errorf("the installer is not admin: %q", got)
	}
	if got := kpiAs("T2", "UINSTALL", "team manager <@UMGR2>"); !strings.Contains(got, "🔒") && !strings.Contains(got, "Je n'ai pas pu") {
		t.Errorf("the installer of T1 is admin of T2: %q", got)
	}
	// The console's demo workspace: its first user is the admin.
	consoleAs := func(user, text string) string {
		msg, err := h.Handle(ctx, bot.Command{Workspace: console.Workspace, User: views.ConsolePrefix + user, Name: "/kpi", Text: text, Key: user + text, Source: "console"})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}
	consoleAs("demo", "help")
	consoleAs("demo", "me")
	if got := consoleAs("demo", "team manager @maud"); !strings.Contains(got, "@maud est maintenant manager") {
		t.Errorf("the demo's first user is not admin: %q", got)
	}
	if got := consoleAs("maud", "team manager @zoe"); !strings.Contains(got, "🔒") {
		t.Errorf("the demo's second user is admin: %q", got)
	}
}

// An objective belongs to its owner: when their manager or an admin sets
// or removes one of theirs, they are told in a DM.
func TestTheOwnerIsToldWhenSomeoneElseChangesTheirObjective(t *testing.T) {
	store := memStore(t)
	out := testkit.NewRecordingOutbox(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Profiles: bottest.Profiles{"UREP": {Lang: prompts.English}, "UMGR": {}},
		Now: newClock(friday).Now, TZ: paris, Lang: prompts.French, Outbox: out, Logger: quiet})
	ctx := context.Background()
	store.MakeManager(ctx, "T1", "UMGR")
	join(t, h, "T1", "UMGR", "UREP")
	out.Sent = nil
	kpiAs := func(user, text string) string {
		msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: "/kpi", Text: text, Key: user + text})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}
	own := kpiAs("UREP", "goal set signatures 5 month")
	if len(out.Sent) != 0 {
		t.Fatalf("the owner was told of their own objective: %+v", out.Sent)
	}
	set := kpiAs("UMGR", "goal set rdv 10 semaine --for <@UREP>")
	code := regexp.MustCompile(`(?:Objective|Objectif) ([a-z2-9]{5})`).FindStringSubmatch(set)
	if code == nil {
		t.Fatalf("no code in %q", set)
	}
	if len(out.Sent) != 1 || out.Sent[0].Channel != "UREP" || !strings.Contains(out.Sent[0].Msg.Text, "<@UMGR> set an objective for you: meetings 10 per week") {
		t.Fatalf("set for the rep told %+v", out.Sent)
	}
	ownCode := regexp.MustCompile(`(?:Objective|Objectif) ([a-z2-9]{5})`).FindStringSubmatch(own)[1]
	if got := kpiAs("UMGR", "goal rm "+ownCode); !strings.Contains(got, "supprimé") {
		t.Fatalf("remove: %s", got)
	}
	if len(out.Sent) != 2 || out.Sent[1].Channel != "UREP" || !strings.Contains(out.Sent[1].Msg.Text, "<@UMGR> removed your objective `"+ownCode+"` (signatures)") {
		t.Errorf("remove told %+v", out.Sent[1:])
	}
	kpiAs("UREP", "goal rm "+code[1])
	if len(out.Sent) != 2 {
		t.Errorf("the owner removing their own objective told someone: %+v", out.Sent[2:])
	}
}
