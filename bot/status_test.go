package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
)

// A Slack status that says out suppresses that day's reminder, as /kpi
// away does, until it changes or expires; the list of such statuses is
// the workspace's to set, and the workspace's holiday calendar is France's
// or none.
func TestSlackStatusAbsencesAndHolidayCalendar(t *testing.T) {
	store := memStore(t)
	clk := newClock(time.Date(2026, 11, 23, 17, 0, 0, 0, paris))
	out := testkit.NewRecordingOutbox(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: out, Logger: quiet})
	ctx := context.Background()
	store.EnsureWorkspace(ctx, "T1", "UADMIN", clk.Now())
	store.SetInstaller(ctx, "T1", "UADMIN", clk.Now())
	sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rituals.Reminder), paris)
	poster := bot.NewRitualPoster(h, out)
	remind := func(day time.Time) bool {
		t.Helper()
		n := len(out.Sent)
		job := rituals.Job{Workspace: "T1", Team: "UM", Target: "UALICE", Ritual: rituals.Reminder, Schedule: sched}
		if _, err := poster.Post(ctx, job, job.OccurrenceID(day), day); err != nil {
			t.Fatal(err)
		}
		return len(out.Sent) > n
	}
	status := func(id, text, emoji string, expires time.Time) {
		t.Helper()
		if err := h.HandleEvent(ctx, bot.Event{ID: id, Workspace: "T1", Type: bot.EventUserChange, User: "UALICE", Profile: &bot.ProfileChange{TZ: "Europe/Paris", StatusText: text, StatusEmoji: emoji, StatusExpires: expires}}); err != nil {
			t.Fatal(err)
		}
	}
	monday := time.Date(2026, 11, 23, 17, 30, 0, 0, paris)
	tuesday, wednesday := monday.AddDate(0, 0, 1), monday.AddDate(0, 0, 2)

	status("Ev1", "En congés", ":palm_tree:", time.Date(2026, 11, 24, 23, 0, 0, 0, paris))
	if remind(monday) || remind(tuesday) {
		t.Fatal("a reminder went to a rep whose status says out")
	}
	if !remind(wednesday) {
		t.Error("no reminder once the status expired")
	}
	// Back at work: a status that says nothing of an absence.
	clk.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, paris))
	status("Ev2", "En réunion", ":calendar:", time.Time{})
	if !remind(time.Date(2026, 11, 30, 17, 30, 0, 0, paris)) {
		t.Error("no reminder for a rep whose status says nothing of an absence")
	}

	// The workspace's own list replaces the default; only an admin sets it.
	do := func(user, text string) string {
		msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: "/kpi", Text: text, Key: user + text})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}
	if got := do("UALICE", "settings status :skier:"); !strings.Contains(got, "admin") {
		t.Errorf("a rep set the list: %s", got)
	}
	if got := do("UADMIN", "settings status :skier:, RTT"); !strings.Contains(got, ":skier:") || strings.Contains(got, "(par défaut)") {
		t.Errorf("the admin's list: %s", got)
	}
	status("Ev3", "RTT", "", time.Time{})
	if remind(time.Date(2026, 12, 1, 17, 30, 0, 0, paris)) {
		t.Error("the workspace's own status word did not suppress the reminder")
	}
	status("Ev4", "", ":palm_tree:", time.Time{})
	if !remind(time.Date(2026, 12, 2, 17, 30, 0, 0, paris)) {
		t.Error("a default emoji still counts after the workspace chose its own list")
	}

	// Holiday calendar: France's by default, none on demand.
	christmas := kpi.DateOf(time.Date(2026, 12, 25, 12, 0, 0, 0, paris))
	holidaysIn := func() bool {
		store.MakeManager(ctx, "T1", "UM")
		jobs, err := h.RitualJobs(ctx, store, clk.Now())
		if err != nil || len(jobs) == 0 {
			t.Fatalf("jobs %d, %v", len(jobs), err)
		}
		return jobs[0].Holidays.Is(christmas)
	}
	if !holidaysIn() {
		t.Fatal("Christmas is not a holiday by default")
	}
	if got := do("UADMIN", "holiday calendar none"); !strings.Contains(got, "aucun jour férié") {
		t.Errorf("calendar none: %s", got)
	}
	if holidaysIn() {
		t.Error("Christmas is still a holiday with the calendar none")
	}
	if got := do("UALICE", "holiday calendar fr"); strings.Contains(got, "remet") || !strings.Contains(got, "admin") {
		t.Errorf("a rep changed the calendar: %s", got)
	}
}
