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
	"github.com/kpibot/kpibot/rituals"
)

// Rituals speak their readers' language in a French workspace: the
// digest is the manager's (English, from their profile), the review is
// the team's (the workspace's until the manager sets /kpi team lang), and
// a reminder is each rep's.
func TestRitualsSpeakTheirReadersLanguage(t *testing.T) {
	store := memStore(t)
	clk := newClock(time.Date(2026, 11, 25, 12, 0, 0, 0, paris))
	out := testkit.NewRecordingOutbox(t)
	profiles := bottest.Profiles{
		"UMARK":  {Loc: paris, Lang: prompts.English},
		"UALICE": {Loc: paris, Lang: prompts.English},
		"UJULIE": {Loc: paris, Lang: prompts.French},
	}
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Profiles: profiles, Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: out, Logger: quiet})
	ctx := context.Background()
	run := func(user, text string) string {
		msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: "/kpi", Text: text, Key: user + text + clk.Now().String(), Source: "slack-http"})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}
	store.MakeManager(ctx, "T1", "UMARK")
	join(t, h, "T1", "UMARK", "UALICE", "UJULIE")
	run("UMARK", "team channel <#C0SALES|sales>")
	clk.Set(time.Date(2026, 11, 30, 9, 30, 0, 0, paris))
	poster := bot.NewRitualPoster(h, out)
	post := func(rt rituals.Ritual, target string) string {
		t.Helper()
		out.Sent = nil
		sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rt), paris)
		job := rituals.Job{Workspace: "T1", Team: "UMARK", Ritual: rt, Schedule: sched, Target: target}
		if _, err := poster.Post(ctx, job, job.OccurrenceID(clk.Now())+"/"+target, clk.Now()); err != nil {
			t.Fatal(err)
		}
		if len(out.Sent) == 0 {
			t.Fatalf("%s sent nothing", rt)
		}
		return views.PlainText(out.Sent[0].Msg)
	}

	if got := post(rituals.Digest, ""); !strings.Contains(got, "Weekly digest — team <@UMARK>") {
		t.Errorf("the digest is not in the manager's English:\n%s", got)
	}
	if got := post(rituals.Review, ""); !strings.Contains(got, "Revue du lundi") {
		t.Errorf("the review is not in the workspace's French:\n%s", got)
	}
	if got := run("UMARK", "team lang de"); !strings.Contains(got, "I don't speak de") {
		t.Errorf("an unknown language: %s", got)
	}
	if got := run("UALICE", "team lang en"); !strings.Contains(got, "🔒") && !strings.Contains(got, "manage") {
		t.Errorf("a rep set the team's language: %s", got)
	}
	if got := run("UMARK", "team lang en"); got != "🇬🇧 The team's Monday review will now be in English." {
		t.Errorf("/kpi team lang en: %q", got)
	}
	clk.Set(time.Date(2026, 12, 7, 9, 30, 0, 0, paris))
	if got := post(rituals.Review, ""); !strings.Contains(got, "Monday review") {
		t.Errorf("the review is not in the team's English:\n%s", got)
	}
	if got := run("UMARK", "team langue fr"); !strings.Contains(got, "en français") {
		t.Errorf("/kpi team langue fr: %q", got)
	}
	clk.Set(time.Date(2026, 12, 7, 17, 30, 0, 0, paris))
	if got := post(rituals.Reminder, "UALICE"); !strings.Contains(got, "You haven't logged your day yet") {
		t.Errorf("Alice's reminder is not in her English:\n%s", got)
	}
	if got := post(rituals.Reminder, "UJULIE"); !strings.Contains(got, "Tu n'as pas encore noté ta journée") {
		t.Errorf("Julie's reminder is not in her French:\n%s", got)
	}
}
