package bot_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
	"github.com/kpibot/kpibot/storage"
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

// When a rep's reminder is due and no status of theirs was read that day,
// the reminder reads it with users.profile.get at send time: a status that
// says out suppresses it, and is stored so the same day asks no more. A
// status a user_change brought today is trusted without a call. When
// Slack fails, the reminder goes (fail open), and the failure is logged
// once, not once per rep.
func TestReminderReadsTheSlackStatusWhenNoneWasReadToday(t *testing.T) {
	type rig struct {
		h      *bot.Handler
		store  *storage.Store
		web    *testkit.FakeWebAPI
		out    *testkit.RecordingOutbox
		logs   *testkit.SyncBuffer
		remind func(user string, at time.Time) bool
	}
	monday := time.Date(2026, 11, 23, 17, 30, 0, 0, paris)
	newRig := func(t *testing.T) *rig {
		store := memStore(t)
		clk := newClock(monday)
		r := &rig{store: store, web: testkit.NewFakeWebAPI(t), out: testkit.NewRecordingOutbox(t), logs: &testkit.SyncBuffer{}}
		r.web.SetClock(clk.Now)
		r.h = bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: r.out, Logger: slog.New(slog.NewTextHandler(r.logs, nil))})
		r.h.SetSlackUI(r.web.API(t))
		sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rituals.Reminder), paris)
		poster := bot.NewRitualPoster(r.h, r.out)
		r.remind = func(user string, at time.Time) bool {
			t.Helper()
			clk.Set(at)
			n := len(r.out.Sent)
			job := rituals.Job{Workspace: "T1", Team: "UM", Target: user, Ritual: rituals.Reminder, Schedule: sched}
			if _, err := poster.Post(context.Background(), job, job.OccurrenceID(at), at); err != nil {
				t.Fatal(err)
			}
			return len(r.out.Sent) > n
		}
		return r
	}
	event := func(t *testing.T, h *bot.Handler, id, user, text, emoji string) {
		t.Helper()
		if err := h.HandleEvent(context.Background(), bot.Event{ID: id, Workspace: "T1", Type: bot.EventUserChange, User: user, Profile: &bot.ProfileChange{TZ: "Europe/Paris", StatusText: text, StatusEmoji: emoji}}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("a status that says out, read at send time, suppresses the reminder", func(t *testing.T) {
		r := newRig(t)
		r.web.SetStatus("UALICE", testkit.Status{Text: "Vacances", Emoji: ":palm_tree:", Expires: monday.AddDate(0, 0, 1).Add(6 * time.Hour)})
		if r.remind("UALICE", monday) {
			t.Error("a reminder went to a rep whose Slack status says out")
		}
		if n := r.web.CallCount("users.profile.get"); n != 1 {
			t.Fatalf("users.profile.get called %d times, want 1", n)
		}
		// The scheduler's tick builds the jobs without asking Slack.
		r.store.MakeManager(context.Background(), "T1", "UM")
		r.store.AddRep(context.Background(), "T1", "UM", "UBRUNO")
		if jobs, err := r.h.RitualJobs(context.Background(), r.store, monday.AddDate(0, 0, 1)); err != nil || len(jobs) == 0 {
			t.Fatalf("jobs %d, %v", len(jobs), err)
		}
		if n := r.web.CallCount("users.profile.get"); n != 1 {
			t.Fatalf("the tick called users.profile.get: %d calls", n)
		}
		// Read today: a second run the same day asks Slack no more.
		if r.remind("UALICE", monday.Add(time.Hour)) {
			t.Error("the second run of the day sent a reminder")
		}
		// Tuesday: nothing read yet that day, so Slack is asked again; the
		// status, still set until Wednesday morning, says out.
		if r.remind("UALICE", monday.AddDate(0, 0, 1)) || r.web.CallCount("users.profile.get") != 2 {
			t.Errorf("Tuesday: %d calls", r.web.CallCount("users.profile.get"))
		}
		// Back: Slack's status says nothing of an absence.
		r.web.SetStatus("UALICE", testkit.Status{Text: "En réunion", Emoji: ":calendar:"})
		if !r.remind("UALICE", monday.AddDate(0, 0, 2)) {
			t.Error("no reminder once the status no longer says out")
		}
		if r.web.CallCount("users.profile.get") != 3 {
			t.Errorf("%d calls, want 3", r.web.CallCount("users.profile.get"))
		}
	})

	t.Run("a status a user_change brought today means no call", func(t *testing.T) {
		r := newRig(t)
		r.web.SetStatus("UALICE", testkit.Status{Emoji: ":palm_tree:"}) // what Slack would say, if asked
		event(t, r.h, "Ev1", "UALICE", "En réunion", ":calendar:")
		if !r.remind("UALICE", monday) {
			t.Error("no reminder for a rep whose fresh status says nothing of an absence")
		}
		event(t, r.h, "Ev2", "UBRUNO", "OOO", "")
		if r.remind("UBRUNO", monday) {
			t.Error("a reminder went to a rep whose fresh status says out")
		}
		if n := r.web.CallCount("users.profile.get"); n != 0 {
			t.Errorf("users.profile.get called %d times after today's user_change, want 0", n)
		}
		// A rep who already logged, or is away, costs no call either.
		if _, err := r.h.Handle(context.Background(), bot.Command{Workspace: "T1", User: "UCHLOE", Name: "/log", Text: "2 rdv", Key: "c1"}); err != nil {
			t.Fatal(err)
		}
		if r.remind("UCHLOE", monday) || r.web.CallCount("users.profile.get") != 0 {
			t.Errorf("a rep who logged: %d calls", r.web.CallCount("users.profile.get"))
		}
	})

	t.Run("an error sends the reminder and is logged once", func(t *testing.T) {
		r := newRig(t)
		r.web.SetStatus("UALICE", testkit.Status{Emoji: ":palm_tree:"})
		r.web.SetFaults(func(c testkit.Call) testkit.Fault {
			if c.Method == "users.profile.get" {
				return testkit.Fault{Status: http.StatusInternalServerError}
			}
			return testkit.Fault{}
		})
		if !r.remind("UALICE", monday) || !r.remind("UBRUNO", monday) {
			t.Error("a reminder was held back while Slack failed to say the status")
		}
		if n := strings.Count(r.logs.String(), "users.profile.get failed"); n != 1 {
			t.Errorf("the failure logged %d times, want once:\n%s", n, r.logs.String())
		}
		r.web.SetFaults(nil)
		if r.remind("UALICE", monday.AddDate(0, 0, 1)) {
			t.Error("Slack answers again: the status that says out should suppress the reminder")
		}
		if !strings.Contains(r.logs.String(), "users.profile.get works again") {
			t.Errorf("the recovery is not logged:\n%s", r.logs.String())
		}
	})

	t.Run("without the scope, the reminder goes", func(t *testing.T) {
		r := newRig(t)
		r.web.SetStatus("UALICE", testkit.Status{Emoji: ":palm_tree:"})
		r.web.Grant([]string{"commands", "chat:write", "users:read"})
		if !r.remind("UALICE", monday) {
			t.Error("a refused users.profile.get held the reminder back")
		}
	})
}
