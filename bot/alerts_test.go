package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
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
