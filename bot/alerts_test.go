package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
	"github.com/kpibot/kpibot/storage"
)

func TestAlertAfterCheckInOncePerPeriod(t *testing.T) {
	store := memStore(t)
	clk := newClock(monday10)
	out := testkit.NewRecordingOutbox(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: out, Logger: quiet})
	ctx := context.Background()
	do := func(name, text, key string) {
		if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "U1", Name: name, Text: text, Key: key}); err != nil {
			t.Fatal(err)
		}
		h.Wait()
	}
	store.MakeManager(ctx, "T1", "M")
	store.AddRep(ctx, "T1", "M", "U1")
	do("/kpi", `goal set perdu 10 mois --alert above 2 --action "revoir la qualification des leads"`, "g")
	do("/log", "2 deals perdus", "a")
	if len(out.Sent) != 0 {
		t.Fatalf("alert at the threshold: %+v", out.Sent)
	}
	do("/log", "1 deal perdu", "b")
	do("/log", "1 deal perdu", "c")
	if len(out.Sent) != 1 {
		t.Fatalf("sent %d alerts, want 1", len(out.Sent))
	}
	a := out.Sent[0]
	if a.Channel != "U1" || !strings.Contains(a.Msg.Text, "deals perdus* (mois) : 3 est au-dessus le seuil de 2.") || !strings.Contains(a.Msg.Text, "revoir la qualification des leads") {
		t.Errorf("alert %q to %s", a.Msg.Text, a.Channel)
	}
	// The daily check does not send it again this month…
	sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rituals.Alert), paris)
	job := rituals.Job{Workspace: "T1", Team: "M", Ritual: rituals.Alert, Schedule: sched}
	if _, err := bot.NewRitualPoster(h, out).Post(ctx, job, job.OccurrenceID(clk.Now()), clk.Now()); err != nil {
		t.Fatal(err)
	}
	if len(out.Sent) != 1 {
		t.Fatalf("the daily check sent it again: %d alerts", len(out.Sent))
	}
	// …but next month is a new period.
	clk.Set(time.Date(2026, 12, 1, 10, 0, 0, 0, paris))
	do("/log", "3 deals perdus", "d")
	if len(out.Sent) != 2 {
		t.Fatalf("December's alert: %d alerts in all, want 2", len(out.Sent))
	}
}

// /kpi me and the alert ritual read an alert through the same function:
// what one shows, the other sends, with the same value, and "projection"
// said when it is one. A manual run reports the DMs it sent.
func TestAlertsAgreeWithKPIMeAndTheRunCountsWhatItSent(t *testing.T) {
	store := memStore(t)
	clk := newClock(time.Date(2026, 11, 16, 9, 0, 0, 0, paris))
	quietH := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.French, Logger: quiet})
	out := testkit.NewRecordingOutbox(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: out, Logger: quiet})
	ctx := context.Background()
	do := func(hh *bot.Handler, user, name, text string) string {
		msg, err := hh.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: name, Text: text, Key: user + name + text})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}
	store.MakeManager(ctx, "T1", "M")
	store.AddRep(ctx, "T1", "M", "U1")
	store.AddRep(ctx, "T1", "M", "U2")
	do(quietH, "U1", "/kpi", `goal set rdv 10 semaine --alert below 8 --action "bloquer deux matinées de prospection"`)
	do(quietH, "U2", "/kpi", `goal set perdu 5 mois --alert above 1 --action "débriefer chaque deal perdu"`)
	clk.Set(time.Date(2026, 11, 26, 18, 0, 0, 0, paris))
	for _, day := range []string{"lundi", "mardi", "mercredi", "jeudi"} {
		do(quietH, "U1", "/log", day+" 1 rdv")
	}
	do(quietH, "U2", "/log", "2 deals perdus")

	me := do(quietH, "U1", "/kpi", "me")
	if !strings.Contains(me, "🚨 La projection de 5 est sous le seuil de 8") {
		t.Fatalf("/kpi me does not show the forecast alert:\n%s", me)
	}
	report := do(h, "M", "/kpi", "ritual run alert")
	if len(out.Sent) != 2 {
		t.Fatalf("sent %d alerts, want 2: %+v", len(out.Sent), out.Sent)
	}
	if !strings.Contains(report, "2 messages envoyés") {
		t.Errorf("the run reports %q after sending 2 DMs", report)
	}
	for _, s := range out.Sent {
		switch s.Channel {
		case "U1":
			if !strings.Contains(s.Msg.Text, "la projection de 5 est sous le seuil de 8") {
				t.Errorf("U1's alert does not say it is a forecast, or disagrees with /kpi me: %q", s.Msg.Text)
			}
		case "U2":
			if !strings.Contains(s.Msg.Text, ": 2 est au-dessus le seuil de 1") || strings.Contains(s.Msg.Text, "projection") {
				t.Errorf("U2's alert: %q", s.Msg.Text)
			}
		default:
			t.Errorf("alert to %s", s.Channel)
		}
	}
	// Run again: nothing new, and it says so.
	out.Sent = nil
	if report := do(h, "M", "/kpi", "ritual run alert"); len(out.Sent) != 0 || strings.Contains(report, "2 messages envoyés") {
		t.Errorf("second run sent %d and reported %q", len(out.Sent), report)
	}
}

// objectiveReads is a store that keeps the objectives each read returns.
type objectiveReads struct {
	*storage.Store
	mu   sync.Mutex
	read []storage.Objective
}

func (s *objectiveReads) Objectives(ctx context.Context, ws string) ([]storage.Objective, error) {
	out, err := s.Store.Objectives(ctx, ws)
	s.keep(out)
	return out, err
}

func (s *objectiveReads) ObjectivesFor(ctx context.Context, ws, owner, manager string) ([]storage.Objective, error) {
	out, err := s.Store.ObjectivesFor(ctx, ws, owner, manager)
	s.keep(out)
	return out, err
}

func (s *objectiveReads) keep(list []storage.Objective) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.read = append(s.read, list...)
}

func (s *objectiveReads) take() []storage.Objective {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.read
	s.read = nil
	return out
}

// fillObjectives gives n reps of manager's team in ws an alert objective
// each, copied from model: a workspace of many objectives that a check-in
// must not read.
func fillObjectives(t testing.TB, store *storage.Store, ws, manager string, n int, model storage.Objective) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		rep := fmt.Sprintf("U%sREP%03d", manager, i)
		if _, err := store.AddRep(ctx, ws, manager, rep); err != nil {
			t.Fatal(err)
		}
		o := model
		o.Owner, o.CreatedAt = rep, model.CreatedAt.Add(time.Duration(i)*time.Second)
		if _, err := store.SaveObjective(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
}

// After a check-in, the alerts read the rep's own objectives and their
// team's, none of the workspace's 400 others, and still fire: the rep's
// own alert to them, the team's to its manager.
func TestAlertsAfterCheckInReadTheRepsObjectivesOnly(t *testing.T) {
	store := memStore(t)
	reads := &objectiveReads{Store: store}
	clk := newClock(monday10)
	out := testkit.NewRecordingOutbox(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: reads, Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: out, Logger: quiet})
	ctx := context.Background()
	do := func(user, name, text string) {
		t.Helper()
		if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: name, Text: text, Key: user + name + text}); err != nil {
			t.Fatal(err)
		}
		h.Wait()
	}
	store.MakeManager(ctx, "T1", "M")
	store.MakeManager(ctx, "T1", "M2")
	for _, rep := range []string{"U1", "U2", "U3"} {
		store.AddRep(ctx, "T1", "M", rep)
	}
	do("U1", "/kpi", "goal set perdu 10 mois --alert above 1 --action \"revoir la qualification\"")
	do("M", "/kpi", "goal set perdu 10 mois --for team --alert above 3 --action \"revoir la qualification\"")
	own, err := store.ObjectivesFor(ctx, "T1", "U1", "")
	if err != nil || len(own) != 1 {
		t.Fatalf("U1's objectives %+v, %v", own, err)
	}
	// 398 more in the workspace: teammates' and another team's.
	fillObjectives(t, store, "T1", "M", 199, own[0])
	fillObjectives(t, store, "T1", "M2", 199, storage.Objective{Workspace: "T1", Team: "M2", Target: own[0].Target, Value: 10, Period: own[0].Period, Kind: own[0].Kind, Threshold: 0, Direction: own[0].Direction, CreatedBy: "M2", CreatedAt: monday10})
	reads.take()

	do("U1", "/log", "2 deals perdus")
	do("U2", "/log", "1 deal perdu")
	do("U3", "/log", "1 deal perdu")
	read := reads.take()
	if len(read) > 3+3 {
		t.Errorf("three check-ins read %d objectives, want at most U1's and the team's, then the team's for U2 and U3", len(read))
	}
	for _, o := range read {
		if o.Owner != "U1" && !(o.Owner == "team" && o.Team == "M") {
			t.Errorf("a check-in read %s's objective of team %s", o.Owner, o.Team)
		}
	}
	var to []string
	for _, m := range out.Sent {
		to = append(to, m.Channel)
	}
	slices.Sort(to)
	if !slices.Equal(to, []string{"M", "U1"}) {
		t.Errorf("alerts sent to %v, want U1's own and the team's to M", to)
	}
}

// One check-in and its alerts in a workspace of 400 objectives.
func BenchmarkCheckInAlerts400(b *testing.B) {
	store := memStore(b)
	clk := newClock(monday10)
	out := testkit.NewRecordingOutbox(b)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: out, Logger: quiet})
	ctx := context.Background()
	store.MakeManager(ctx, "T1", "M")
	store.AddRep(ctx, "T1", "M", "U1")
	if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "U1", Name: "/kpi", Text: "goal set perdu 1000 mois --alert above 999 --action \"revoir la qualification\"", Key: "goal"}); err != nil {
		b.Fatal(err)
	}
	own, err := store.Objectives(ctx, "T1")
	if err != nil || len(own) != 1 {
		b.Fatalf("objectives %+v, %v", own, err)
	}
	fillObjectives(b, store, "T1", "M", 399, own[0])
	b.ResetTimer()
	for i := range b.N {
		if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "U1", Name: "/log", Text: "1 deal perdu", Key: fmt.Sprint("log", i)}); err != nil {
			b.Fatal(err)
		}
		h.Wait()
	}
}
