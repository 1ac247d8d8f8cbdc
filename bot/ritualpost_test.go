package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
)

// recordingOutbox keeps what rituals send, checked against Slack's limits.
type recordingOutbox struct {
	t    *testing.T
	sent []sentMsg
}

type sentMsg struct {
	channel, id string
	msg         slack.Msg
}

func (o *recordingOutbox) Post(_ context.Context, channel string, msg slack.Msg, id string) (string, error) {
	o.t.Helper()
	checkBlockKitLimits(o.t, msg)
	o.sent = append(o.sent, sentMsg{channel, id, msg})
	return fmt.Sprintf("1700000000.%06d", len(o.sent)), nil
}

// monday0930 is Monday 30 November 2026, the review's time in Paris.
var monday0930 = time.Date(2026, 11, 30, 9, 30, 0, 0, paris)

func TestRitualsRunFromTheConsole(t *testing.T) {
	var out strings.Builder
	store := memStore(t)
	h := NewHandler(HandlerConfig{Store: store, Now: newClock(monday0930).Now, TZ: paris, Lang: prompts.French, Outbox: NewConsoleOutbox(&out), Logger: quiet})
	lines := []string{"/kpi team manager @maud", "/user maud", "/kpi team add @alice", "/kpi team add @bob"}
	// Two weeks backdated: alice improves her proposal→signature rate.
	for d := 1; d <= 12; d++ {
		day := monday0930.AddDate(0, 0, -d)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		sig := 0
		if d <= 5 {
			sig = 1
		}
		lines = append(lines, "/user alice", fmt.Sprintf("/log %s 20 appels 2 leads 2 rdv 2 offres %d signature", day.Format(time.DateOnly), sig))
		lines = append(lines, "/user bob", fmt.Sprintf("/log %s 10 appels 1 lead", day.Format(time.DateOnly)))
	}
	lines = append(lines, "/user maud",
		"/kpi ritual run review", // no channel yet
		"/kpi team channel #ventes",
		"/kpi goal set signatures 20 mois --for team",
		"/kpi ritual run digest",
		"/kpi ritual run review",
		"/kpi ritual run reminder",
		"/user alice",
		"/kpi ritual run digest")
	n := 0
	c := &Console{Handler: h, In: strings.NewReader(strings.Join(lines, "\n")), Out: &out, User: "admin", Lang: prompts.French,
		NewKey: func() string { n++; return fmt.Sprintf("k%d", n) }}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"La revue du lundi a besoin d'un canal",
		"┌─ → DM @maud (console-demo/console:maud/digest/manual-",
		"Digest de la semaine — équipe @maud, semaine du lun. 23 nov.",
		"Qui pourrait profiter d'un échange de coaching",
		"• @alice — 16 offres sans relance",
		"Objectifs à risque",
		"équipe · signatures",
		"digest manager (MP) : 1 message(s) envoyé(s).",
		"┌─ → #ventes (",
		"Revue du lundi — semaine du lun. 23 nov.",
		"Quelqu'un de l'équipe a fait passer son taux offres → signatures de 0\u202f% à 30\u202f%",
		"La question de la semaine",
		"┌─ → DM @alice (",
		"Tu n'as pas encore noté ta journée",
		"rappel de saisie (MP de chacun, à son heure) : 2 message(s) envoyé(s).",
		"🔒 Seul(e) un manager peut faire cela.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("console lacks %q", want)
		}
	}
	// The review names nobody: public recognition is opt-in.
	review := got[strings.Index(got, "Revue du lundi"):]
	review = review[:strings.Index(review, "└─")]
	if strings.Contains(review, "@alice") || strings.Contains(review, "@bob") {
		t.Errorf("the review names a rep:\n%s", review)
	}
	if t.Failed() {
		t.Log(got)
	}
}

func TestReminderSkipsRepsWhoLoggedOrAreAway(t *testing.T) {
	store := memStore(t)
	clk := newClock(time.Date(2026, 11, 23, 17, 30, 0, 0, paris))
	out := &recordingOutbox{t: t}
	h := NewHandler(HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.English, Outbox: out, Logger: quiet})
	ctx := context.Background()
	if _, err := h.Handle(ctx, Command{Workspace: "T1", User: "ULOG", Name: "/log", Text: "3 calls", Key: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Handle(ctx, Command{Workspace: "T1", User: "UAWAY", Name: "/kpi", Text: "away 2026-11-23 2026-11-27", Key: "b"}); err != nil {
		t.Fatal(err)
	}
	sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rituals.Reminder), paris)
	poster := NewRitualPoster(h, out)
	for _, rep := range []string{"ULOG", "UAWAY", "UNEW"} {
		job := rituals.Job{Workspace: "T1", Team: "M", Target: rep, Ritual: rituals.Reminder, Schedule: sched}
		if _, err := poster.Post(ctx, job, job.OccurrenceID(clk.Now()), clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if len(out.sent) != 1 || out.sent[0].channel != "UNEW" || !strings.Contains(out.sent[0].msg.Text, "haven't logged your day") {
		t.Fatalf("sent %+v, want one reminder to UNEW", out.sent)
	}
	if out.sent[0].id != "T1/M/reminder/2026-11-23/UNEW" {
		t.Errorf("occurrence id %q", out.sent[0].id)
	}
}
