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
	"github.com/kpibot/kpibot/rituals"
)

// remind runs /kpi remind <text> as user.
func remind(t *testing.T, h *bot.Handler, user, text string) slack.Msg {
	t.Helper()
	cmd := bot.Command{Workspace: "T1", User: user, Name: "/kpi", Text: strings.TrimSpace("remind " + text), Key: "k-" + text}
	msg, err := h.Handle(context.Background(), cmd)
	if err != nil {
		t.Fatalf("/kpi %s: %v", cmd.Text, err)
	}
	checkBlockKitLimits(t, msg)
	return msg
}

func TestKPIRemindTimeFollowsTheRepsZone(t *testing.T) {
	store := memStore(t)
	ny := mustLoad("America/New_York")
	h := bottest.NewHandler(t, store, newClock(friday).Now, bottest.Profiles{"UBOB": {Loc: ny, Lang: prompts.English}, "UALICE": {Loc: paris, Lang: prompts.English}})
	ctx := context.Background()
	store.MakeManager(ctx, "T1", "UMAUD")
	store.AddRep(ctx, "T1", "UMAUD", "UALICE")
	store.AddRep(ctx, "T1", "UMAUD", "UBOB")

	msg := remind(t, h, "UBOB", "08:45")
	// Friday 18:00 in Paris is noon in New York: the next 08:45 is Monday's.
	if want := "Reminders on weekdays at 08:45 (America/New_York).\nNext one: Mon 30 Nov 08:45"; !strings.Contains(views.PlainText(msg), want) {
		t.Errorf("reply lacks %q:\n%s", want, views.PlainText(msg))
	}
	jobs, err := h.RitualJobs(ctx, store, friday)
	if err != nil {
		t.Fatal(err)
	}
	next := map[string]time.Time{}
	for _, j := range jobs {
		if j.Ritual == rituals.Reminder {
			next[j.Target] = j.Schedule.Next(friday)
		}
	}
	want := map[string]time.Time{
		"UBOB":   time.Date(2026, 11, 30, 8, 45, 0, 0, ny),
		"UALICE": time.Date(2026, 11, 30, 17, 30, 0, 0, paris), // the team's time
	}
	for rep, w := range want {
		if got, ok := next[rep]; !ok || !got.Equal(w) {
			t.Errorf("%s next reminder %v, want %v", rep, got, w)
		}
	}

	// Off, on again (keeping the time), back to the team's time.
	if got := views.PlainText(remind(t, h, "UBOB", "off")); !strings.Contains(got, "Reminders off. /kpi remind on to turn them back on.") {
		t.Errorf("off: %s", got)
	}
	if jobs, _ := h.RitualJobs(ctx, store, friday); hasReminder(jobs, "UBOB") {
		t.Error("a rep who turned reminders off still has a reminder job")
	}
	if got := views.PlainText(remind(t, h, "UBOB", "on")); !strings.Contains(got, "weekdays at 08:45") {
		t.Errorf("on keeps the rep's time: %s", got)
	}
	if got := views.PlainText(remind(t, h, "UBOB", "default")); !strings.Contains(got, "at your team's time: weekdays 17:30 (America/New_York)") {
		t.Errorf("default: %s", got)
	}
	if got := views.PlainText(remind(t, h, "UBOB", "")); !strings.Contains(got, "Next one: Fri 27 Nov 17:30") {
		t.Errorf("status: %s", got)
	}
	pref, err := store.ReminderPref(ctx, "T1", "UBOB")
	if err != nil || pref.Off || pref.Time != "" {
		t.Errorf("pref %+v, %v", pref, err)
	}
}

func hasReminder(jobs []rituals.Job, rep string) bool {
	for _, j := range jobs {
		if j.Ritual == rituals.Reminder && j.Target == rep {
			return true
		}
	}
	return false
}

func TestKPIRemindRefusesABadTime(t *testing.T) {
	store := memStore(t)
	h := bottest.NewHandler(t, store, newClock(friday).Now, nil)
	for _, text := range []string{"25:00", "soon", "17:30 18:00"} {
		got := views.PlainText(remind(t, h, "UALICE", text))
		if !strings.HasPrefix(got, "⚠️") || !strings.Contains(got, "/kpi remind 17:30") {
			t.Errorf("/kpi remind %s: %s", text, got)
		}
	}
	if got := views.PlainText(remind(t, h, "UALICE", "25:00")); !strings.Contains(got, "25:00 n'est pas une heure") {
		t.Errorf("refusal: %s", got)
	}
	if prefs, _ := store.ReminderPrefs(context.Background(), "T1"); len(prefs) != 0 {
		t.Errorf("a refused time was stored: %+v", prefs)
	}
}

func TestKPIRemindSaysWhenNoReminderGoesOut(t *testing.T) {
	store := memStore(t)
	h := bottest.NewHandler(t, store, newClock(friday).Now, nil)
	ctx := context.Background()
	if got := views.PlainText(remind(t, h, "ULONE", "9h")); !strings.Contains(got, "en semaine à 09:00") || !strings.Contains(got, "pas encore dans une équipe") {
		t.Errorf("no team: %s", got)
	}
	store.MakeManager(ctx, "T1", "UMAUD")
	store.AddRep(ctx, "T1", "UMAUD", "UALICE")
	if msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "UMAUD", Name: "/kpi", Text: "ritual off reminder", Key: "off"}); err != nil {
		t.Fatalf("%v: %s", err, views.PlainText(msg))
	}
	if got := views.PlainText(remind(t, h, "UALICE", "")); !strings.Contains(got, "a désactivé les rappels") || strings.Contains(got, "Prochain") {
		t.Errorf("team off: %s", got)
	}
}
