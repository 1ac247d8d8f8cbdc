package bot_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/console"
	"github.com/kpibot/kpibot/bot/deliver"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
)

func TestRitualsRunFromTheConsole(t *testing.T) {
	var out strings.Builder
	store := memStore(t)
	dir := t.TempDir()
	box := console.NewOutbox(&out, dir)
	box.ShowIDs = true // a manual run has its own occurrence
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: newClock(monday0930).Now, TZ: paris, Lang: prompts.French, Outbox: box, Logger: quiet, DemoWorkspace: console.Workspace})
	lines := append([]string{"/kpi team manager @maud"}, consoleJoin("maud", "alice", "bob", "chloe")...)
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
		lines = append(lines, "/user chloe", fmt.Sprintf("/log %s 12 appels 1 lead 1 rdv", day.Format(time.DateOnly)))
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
	c := &console.Terminal{Handler: h, In: strings.NewReader(strings.Join(lines, "\n")), Out: &out, User: "admin", Lang: prompts.French,
		NewKey: func() string { n++; return fmt.Sprintf("k%d", n) }}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"La revue du lundi a besoin d'un canal",
		"┌─ → MP à @maud (console-demo/console:maud/digest/manual-",
		"Synthèse de la semaine — équipe @maud, semaine du lun. 23 nov.",
		"Qui pourrait profiter d'un échange de coaching",
		"• @alice — des offres sans relance",
		"Objectifs à risque",
		"équipe · signatures",
		"Synthèse pour le manager (MP) : 1 message envoyé.",
		"🖼  semaine du lun. 23 nov. → " + filepath.Join(dir, "entonnoir-2026-11-23.png"),
		"🖼  Taux de conversion, 12 dernières semaines → " + filepath.Join(dir, "tendance-2026-11-23.png"),
		"┌─ → #ventes (",
		"Revue du lundi — semaine du lun. 23 nov.",
		"Quelqu'un de l'équipe a amélioré son taux offres → signatures la semaine dernière.",
		"La question de la semaine",
		"┌─ → MP à @alice (",
		"🙏 Ton taux offres → signatures est passé de 0\u202f% à 30\u202f% la semaine dernière. L'équipe l'a vu dans la revue du lundi, sans ton nom.",
		"Tu n'as pas encore noté ta journée",
		"[📝 Noter ma journée] [⏰ Rappel dans 1 h] [🔕 Arrêter les rappels]",
		"Rappel de saisie (MP de chacun, à son heure) : 3 messages envoyés.",
		"🔒 C'est réservé à un manager.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("console lacks %q", want)
		}
	}
	for _, name := range []string{"entonnoir-2026-11-23.png", "tendance-2026-11-23.png"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width < 800 || cfg.Height != 480 {
			t.Errorf("%s: %+v, %v", name, cfg, err)
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
	out := testkit.NewRecordingOutbox(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.English, Outbox: out, Logger: quiet})
	ctx := context.Background()
	if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "ULOG", Name: "/log", Text: "3 calls", Key: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "UAWAY", Name: "/kpi", Text: "away 2026-11-23 2026-11-27", Key: "b"}); err != nil {
		t.Fatal(err)
	}
	// A day with nothing to log is logged all the same.
	if msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "UNONE", Name: "/log", Text: "nothing today", Key: "c"}); err != nil || !strings.Contains(views.PlainText(msg), "Logged for today (Mon 23 Nov): nothing to report") {
		t.Fatalf("/log nothing today: %v %s", err, views.PlainText(msg))
	}
	sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rituals.Reminder), paris)
	poster := bot.NewRitualPoster(h, out)
	for _, rep := range []string{"ULOG", "UAWAY", "UNONE", "UNEW"} {
		job := rituals.Job{Workspace: "T1", Team: "M", Target: rep, Ritual: rituals.Reminder, Schedule: sched}
		if _, err := poster.Post(ctx, job, job.OccurrenceID(clk.Now()), clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if len(out.Sent) != 1 || out.Sent[0].Channel != "UNEW" || !strings.Contains(out.Sent[0].Msg.Text, "haven't logged your day") {
		t.Fatalf("sent %+v, want one reminder to UNEW", out.Sent)
	}
	if out.Sent[0].ID != "T1/M/reminder/2026-11-23/UNEW" {
		t.Errorf("occurrence id %q", out.Sent[0].ID)
	}
}

// The digest through the real Slack delivery: one DM carrying its
// occurrence ID. Its funnel and trend are native charts
// and each rep's rates a native table, each with its text. When Slack
// refuses a native block (invalid_blocks), the digest is sent again once
// without any, the rates' text stays, and the PNGs follow in its thread.
func TestDigestOverSlack(t *testing.T) {
	for _, refused := range []string{"", "data_visualization", "data_table"} {
		t.Run("refused="+refused, func(t *testing.T) {
			fake := testkit.NewFakeWebAPI(t)
			if refused != "" {
				fake.RefuseBlocks(refused)
			}
			clk := newStepClock(monday0930)
			fake.SetClock(clk.Now)
			d := deliver.New(deliver.Config{API: fake.API(t), Clock: clk, Logger: quiet})
			store := memStore(t)
			h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: d, Logger: quiet})
			ctx := context.Background()
			store.MakeManager(ctx, "T1", "UMAUD")
			// Three reps logged: the team's figures may show.
			for _, rep := range []string{"UALICE", "UBOB", "UCHLOE"} {
				store.AddRep(ctx, "T1", "UMAUD", rep)
				for i := 1; i <= 10; i++ {
					day := monday0930.AddDate(0, 0, -i).Format(time.DateOnly)
					if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: rep, Name: "/log", Text: day + " 20 appels 3 leads 2 rdv 1 offre", Key: rep + day}); err != nil {
						t.Fatal(err)
					}
				}
			}
			sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rituals.Digest), paris)
			job := rituals.Job{Workspace: "T1", Team: "UMAUD", Ritual: rituals.Digest, Schedule: sched}
			poster := bot.NewRitualPoster(h, d)
			posts := fake.CallCount("chat.postMessage")
			ts, err := poster.Post(rituals.WithAttempt(ctx, 1), job, job.OccurrenceID(monday0930), monday0930)
			if err != nil || ts == "" {
				t.Fatalf("Post = %q, %v", ts, err)
			}
			// Refused, the digest is sent again once; else it goes once.
			want := 1
			if refused != "" {
				want = 2
			}
			if n := fake.CallCount("chat.postMessage") - posts; n != want {
				t.Errorf("%d chat.postMessage calls for the digest, want %d", n, want)
			}
			// A retry after a crash before the claim was marked finds the digest.
			again, err := poster.Post(rituals.WithAttempt(ctx, 2), job, job.OccurrenceID(monday0930), monday0930)
			if err != nil || again != ts {
				t.Fatalf("retry = %q, %v; want the first ts %q", again, err, ts)
			}
			var digests []testkit.Message
			for _, m := range fake.Posted() {
				if m.Occurrence() == "T1/UMAUD/digest/2026-11-30" {
					digests = append(digests, m)
				}
			}
			if len(digests) != 1 {
				t.Fatalf("%d digests posted, want 1", len(digests))
			}
			blocks := string(digests[0].Blocks)
			charts, texts := strings.Count(blocks, `"type":"data_visualization"`), strings.Count(blocks, `"block_id":"kpibot_funnel_text"`)+strings.Count(blocks, `"block_id":"kpibot_trend_text"`)
			tables := strings.Count(blocks, `"type":"data_table"`)
			// The rates' text is there either way: the table's text equivalent.
			if !strings.Contains(blocks, `\u003c@UALICE\u003e — appels → leads 15`) {
				t.Errorf("the digest has no text of Alice's rates:\n%s", blocks)
			}
			shares := fake.Shares()
			if refused == "" {
				if charts != 2 || texts != 2 || tables != 1 || len(shares) != 0 {
					t.Fatalf("%d native charts, %d text equivalents, %d tables, %d PNGs; want 2, 2, 1 and none", charts, texts, tables, len(shares))
				}
				return
			}
			if charts != 0 || texts != 0 || tables != 0 || len(shares) != 2 {
				t.Fatalf("after invalid_blocks: %d native charts, %d texts, %d tables, %d PNGs; want the PNGs only", charts, texts, tables, len(shares))
			}
			for _, sh := range shares {
				if sh.ThreadTS != ts || !strings.HasPrefix(sh.Channel, "D") {
					t.Errorf("chart %+v not in the digest's DM thread %s", sh, ts)
				}
				if _, err := png.DecodeConfig(bytes.NewReader(fake.Upload(sh.FileID))); err != nil {
					t.Errorf("chart %s is not a PNG: %v", sh.FileID, err)
				}
			}
		})
	}
}

// A team below its minimum of contributors gets no chart in its digest,
// native or PNG, over Slack or in the console: the funnel's counts would
// be one rep's own, whose counts their manager does not see. Each rep's
// rates stay, as /kpi team shows them.
func TestDigestOfTooFewRepsDrawsNoChart(t *testing.T) {
	for _, slackOut := range []bool{true, false} {
		t.Run(fmt.Sprintf("slack=%v", slackOut), func(t *testing.T) {
			fake := testkit.NewFakeWebAPI(t)
			clk := newStepClock(monday0930)
			fake.SetClock(clk.Now)
			rec := testkit.NewRecordingOutbox(t)
			var out bot.Outbox = rec
			if slackOut {
				out = deliver.New(deliver.Config{API: fake.API(t), Clock: clk, Logger: quiet})
			}
			store := memStore(t)
			h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.English, Outbox: out, Logger: quiet})
			ctx := context.Background()
			store.MakeManager(ctx, "T1", "UMAUD")
			store.AddRep(ctx, "T1", "UMAUD", "UALICE")
			for i := 1; i <= 10; i++ {
				day := monday0930.AddDate(0, 0, -i).Format(time.DateOnly)
				if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "UALICE", Name: "/log", Text: day + " 20 calls 3 leads 2 meetings 1 proposal", Key: day}); err != nil {
					t.Fatal(err)
				}
			}
			sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rituals.Digest), paris)
			job := rituals.Job{Workspace: "T1", Team: "UMAUD", Ritual: rituals.Digest, Schedule: sched}
			if _, err := bot.NewRitualPoster(h, out).Post(rituals.WithAttempt(ctx, 1), job, job.OccurrenceID(monday0930), monday0930); err != nil {
				t.Fatal(err)
			}
			var blocks string
			if slackOut {
				posted := fake.Posted()
				if len(posted) != 1 {
					t.Fatalf("%d messages posted, want the digest", len(posted))
				}
				blocks = string(posted[0].Blocks)
			} else {
				if len(rec.Sent) != 1 {
					t.Fatalf("%d messages sent, want the digest", len(rec.Sent))
				}
				blocks = testkit.MustJSON(rec.Sent[0].Msg.Blocks)
			}
			if n := strings.Count(blocks, `"type":"data_visualization"`); n != 0 || len(fake.Shares()) != 0 || len(rec.Uploads) != 0 {
				t.Errorf("%d native charts, %d PNGs shared, %d uploaded; want none", n, len(fake.Shares()), len(rec.Uploads))
			}
			if strings.Contains(blocks, "140") {
				t.Errorf("the digest shows the team's 140 calls, Alice's own:\n%s", blocks)
			}
			if !strings.Contains(blocks, `— calls → leads 15%`) {
				t.Errorf("no rates of Alice's:\n%s", blocks)
			}
		})
	}
}

// A week of shared practices and an opted-in rep: the review names her,
// lists what the team shared (authors named only if they opted in), and
// thanks nobody privately. Golden files pin the digest and the review.
func TestReviewAndDigestGolden(t *testing.T) {
	store := memStore(t)
	clk := newClock(time.Date(2026, 11, 25, 12, 0, 0, 0, paris))
	out := testkit.NewRecordingOutbox(t)
	profiles := bottest.Profiles{}
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Profiles: profiles, Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: out, Logger: quiet})
	ctx := context.Background()
	run := func(user, name, text string) string {
		msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: name, Text: text, Key: user + name + text + clk.Now().String(), Source: "slack-http"})
		if err != nil {
			t.Fatal(err)
		}
		// Alerts are checked in the background after each check-in; wait,
		// so which check-in crossed the threshold does not depend on timing.
		h.Wait()
		return views.PlainText(msg)
	}
	store.MakeManager(ctx, "T1", "UMAUD")
	join(t, h, "T1", "UMAUD", "UALICE", "UBOB", "UCHLOE")
	out.Sent = nil // the invitations and their answers
	run("UMAUD", "/kpi", "team channel <#C0RITUALS|rituels>")
	// The objective was set weeks ago: it is judged on the whole week.
	clk.Set(time.Date(2026, 11, 2, 9, 0, 0, 0, paris))
	saved := run("UMAUD", "/kpi", "goal set rdv 40 semaine --alert below 10 --action \"rappeler les leads chauds\" --for team")
	clk.Set(time.Date(2026, 11, 25, 12, 0, 0, 0, paris))
	code := regexp.MustCompile(`Objectif ([a-z2-9]{5}) fixé`).FindStringSubmatch(saved)
	if code == nil {
		t.Fatalf("no objective code in %q", saved)
	}
	for d := 1; d <= 30; d++ {
		day := time.Date(2026, 11, 29, 12, 0, 0, 0, paris).AddDate(0, 0, -d)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		sig := "0"
		if d <= 7 {
			sig = "1"
		}
		iso := day.Format(time.DateOnly)
		run("UALICE", "/log", iso+" 20 appels 3 leads 2 rdv 2 offres "+sig+" signature 1 relance")
		run("UBOB", "/log", iso+" 10 appels 1 lead 1 rdv 1 offre")
		run("UCHLOE", "/log", iso+" 15 appels 2 leads")
	}
	run("UALICE", "/kpi", "shoutout on")
	run("UALICE", "/kpi", "practice je relance à J+2 avec un cas client")
	run("UBOB", "/kpi", "practice une démo de 15 min, pas plus")
	if got := run("UBOB", "/kpi", "practice rm zzzzz"); !strings.Contains(got, "Tu n'as pas de pratique zzzzz") {
		t.Errorf("removing an unknown practice: %s", got)
	}
	// The team's alert fired once, to the manager, after a check-in.
	h.Wait()
	if len(out.Sent) != 1 || out.Sent[0].Channel != "UMAUD" || !strings.Contains(out.Sent[0].Msg.Text, "rappeler les leads chauds") {
		t.Fatalf("alerts sent %+v, want one to the manager", out.Sent)
	}
	out.Sent = nil

	clk.Set(time.Date(2026, 11, 30, 9, 30, 0, 0, paris))
	poster := bot.NewRitualPoster(h, out)
	for _, rt := range []rituals.Ritual{rituals.Digest, rituals.Review} {
		sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rt), paris)
		job := rituals.Job{Workspace: "T1", Team: "UMAUD", Ritual: rt, Schedule: sched}
		if _, err := poster.Post(ctx, job, job.OccurrenceID(clk.Now()), clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if len(out.Sent) != 2 {
		t.Fatalf("sent %d messages, want the digest and the review (no private thanks: she opted in)", len(out.Sent))
	}
	digest, review := out.Sent[0], out.Sent[1]
	if digest.Channel != "UMAUD" || review.Channel != "C0RITUALS" {
		t.Errorf("digest to %s, review to %s", digest.Channel, review.Channel)
	}
	golden(t, "ritual_digest_fr", digest.Msg)
	golden(t, "ritual_review_fr", review.Msg, [2]string{"`" + code[1] + "`", "`CODE`"})
	text := rawText(review.Msg)
	for _, want := range []string{"<@UALICE> a fait passer son taux offres → signatures", "je relance à J+2 avec un cas client — <@UALICE>", "une démo de 15 min, pas plus\n"} {
		if !strings.Contains(text+"\n", want) {
			t.Errorf("review lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "UBOB") {
		t.Errorf("the review names a rep who did not opt in:\n%s", text)
	}
	if !strings.Contains(rawText(digest.Msg), "rappeler les leads chauds") {
		t.Errorf("the digest lacks the at-risk objective's action:\n%s", rawText(digest.Msg))
	}

	// The same week for an English-speaking manager whose team reads
	// English: the digest in the manager's language, the review in the
	// team's.
	profiles["UMAUD"] = bot.Profile{Loc: paris, Lang: prompts.English}
	run("UMAUD", "/kpi", "team lang en")
	out.Sent = nil
	for _, rt := range []rituals.Ritual{rituals.Digest, rituals.Review} {
		sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rt), paris)
		job := rituals.Job{Workspace: "T1", Team: "UMAUD", Ritual: rt, Schedule: sched}
		if _, err := poster.Post(ctx, job, job.OccurrenceID(clk.Now())+"/en", clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if len(out.Sent) != 2 {
		t.Fatalf("sent %d messages in English, want the digest and the review", len(out.Sent))
	}
	golden(t, "ritual_digest_en", out.Sent[0].Msg)
	golden(t, "ritual_review_en", out.Sent[1].Msg, [2]string{"`" + code[1] + "`", "`CODE`"})
}

// A rep who logged once last week is not "behind 0 / 6": the digest
// lists her objective under a neutral heading, and only reps with
// enough days logged appear under the objectives at risk.
func TestDigestDoesNotJudgeARepWhoLoggedOnce(t *testing.T) {
	store := memStore(t)
	clk := newClock(time.Date(2026, 11, 16, 9, 0, 0, 0, paris))
	out := testkit.NewRecordingOutbox(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.English, Outbox: out, Logger: quiet})
	ctx := context.Background()
	do := func(user, name, text string) {
		if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: name, Text: text, Key: user + name + text}); err != nil {
			t.Fatal(err)
		}
	}
	store.MakeManager(ctx, "T1", "UMAUD")
	store.AddRep(ctx, "T1", "UMAUD", "ULEA")
	store.AddRep(ctx, "T1", "UMAUD", "UBOB")
	do("ULEA", "/kpi", "goal set signatures 6 week")
	do("UBOB", "/kpi", "goal set signatures 6 week")
	clk.Set(time.Date(2026, 11, 27, 18, 0, 0, 0, paris))
	do("ULEA", "/log", "monday 3 calls")
	for _, day := range []string{"monday", "tuesday", "wednesday", "thursday", "friday"} {
		do("UBOB", "/log", day+" 10 calls 1 meeting")
	}
	clk.Set(time.Date(2026, 11, 30, 8, 0, 0, 0, paris))
	sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rituals.Digest), paris)
	job := rituals.Job{Workspace: "T1", Team: "UMAUD", Ritual: rituals.Digest, Schedule: sched}
	if _, err := bot.NewRitualPoster(h, out).Post(ctx, job, job.OccurrenceID(clk.Now()), clk.Now()); err != nil {
		t.Fatal(err)
	}
	text := rawText(out.Sent[0].Msg)
	risk, unjudged, ok := strings.Cut(text, "*Not enough logged to judge*")
	if !ok {
		t.Fatalf("no neutral heading:\n%s", text)
	}
	if strings.Contains(risk, "ULEA") || !strings.Contains(risk, "<@UBOB> · signatures 0 / 6") {
		t.Errorf("objectives at risk should list Bob only:\n%s", risk)
	}
	unjudged, _, _ = strings.Cut(unjudged, "*Who could use")
	if !strings.Contains(unjudged, "<@ULEA> · signatures (week): logged 1 of 5 days") || strings.Contains(unjudged, "UBOB") {
		t.Errorf("the neutral heading should list Léa only:\n%s", unjudged)
	}
}

// A review to a channel the bot is not in: the manager is asked, in their
// language, to invite the bot, once, and the scheduler is told the
// failure is permanent. A first attempt posts without reading back.
func TestReviewNotInChannelAsksTheManager(t *testing.T) {
	fake := testkit.NewFakeWebAPI(t)
	clk := newStepClock(monday0930)
	fake.SetClock(clk.Now)
	d := deliver.New(deliver.Config{API: fake.API(t), Clock: clk, Logger: quiet})
	store := memStore(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: d, Logger: quiet,
		Profiles: bottest.Profiles{"UMAUD": {Loc: paris, Lang: prompts.English}}})
	ctx := context.Background()
	store.MakeManager(ctx, "T1", "UMAUD")
	store.AddRep(ctx, "T1", "UMAUD", "UALICE")
	store.SetTeamChannel(ctx, "T1", "UMAUD", "C0SALES")
	fake.SetChannelError("C0SALES", "not_in_channel")

	sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rituals.Review), paris)
	job := rituals.Job{Workspace: "T1", Team: "UMAUD", Ritual: rituals.Review, Schedule: sched}
	poster := bot.NewRitualPoster(h, d)
	for attempt := 1; attempt <= 2; attempt++ {
		_, err := poster.Post(rituals.WithAttempt(ctx, attempt), job, job.OccurrenceID(monday0930), monday0930)
		var pe *rituals.PermanentError
		if !errors.As(err, &pe) || pe.Reason != "not_in_channel" || pe.Workspace {
			t.Fatalf("attempt %d: %v, want a permanent not_in_channel", attempt, err)
		}
	}
	var asks []testkit.Message
	for _, m := range fake.Posted() {
		if m.Channel == testkit.DM("UMAUD") {
			asks = append(asks, m)
		}
	}
	if len(asks) != 1 || !strings.Contains(asks[0].Text, "Invite me") || !strings.Contains(asks[0].Text, "<#C0SALES>") {
		t.Fatalf("asked the manager %+v, want once, in English", asks)
	}
	// The first attempt read nothing back; the retry looked for the review
	// and the ask, in the DM its post had answered with: no DM opened.
	if n := fake.CallCount("conversations.open"); n != 0 {
		t.Errorf("%d conversations.open, want none", n)
	}
	if n := fake.CallCount("conversations.history"); n != 2 {
		t.Errorf("%d history reads, want the retry's two", n)
	}
}
