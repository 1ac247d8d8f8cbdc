package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
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
