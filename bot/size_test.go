package bot_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
)

// sizedTeam is a team of n reps who logged every working day of two weeks
// below their two objectives each (an alert on meetings, a monthly
// signature goal), and shared a practice each, and the messages the
// rituals and /kpi compose for it.
type sizedTeam struct {
	digest, review, goals, team slack.Msg
	// native is the digest as it goes to Slack: with its native charts
	// and its table of each rep's rates.
	native slack.Msg
}

func composeForTeam(t *testing.T, lang prompts.Lang, n int) sizedTeam {
	t.Helper()
	store := memStore(t)
	clk := newClock(time.Date(2026, 11, 16, 9, 0, 0, 0, paris))
	out := testkit.NewRecordingOutbox(t)
	// The team's history is logged without an outbox, so no alert is
	// evaluated after each check-in; the rituals go through out.
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: lang, Logger: quiet})
	ctx := context.Background()
	do := func(user, name, text string) slack.Msg {
		t.Helper()
		msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: name, Text: text, Key: user + name + text + clk.Now().String()})
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	// What the reps type is in the team's language.
	action, practice := "call back the warm leads", "I follow up two days later with a customer story that matches theirs"
	if lang == prompts.French {
		action, practice = "rappeler les leads chauds", "je relance deux jours après avec un cas client proche du leur"
	}
	store.MakeManager(ctx, "T1", "UMAUD")
	reps := make([]string, n)
	for i := range reps {
		reps[i] = fmt.Sprintf("UREP%03d", i)
		store.AddRep(ctx, "T1", "UMAUD", reps[i])
		do(reps[i], "/kpi", "goal set rdv 40 week --alert below 10 --action \""+action+"\"")
		do(reps[i], "/kpi", "goal set signatures 12 month")
	}
	for d := 0; d < 12; d++ {
		day := time.Date(2026, 11, 16, 18, 0, 0, 0, paris).AddDate(0, 0, d)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		clk.Set(day)
		for i, rep := range reps {
			// A drop in the last week, so that every rep has a signal.
			rdv := 4
			if d >= 7 {
				rdv = 1 + i%2
			}
			do(rep, "/log", fmt.Sprintf("20 appels 6 leads %d rdv 1 offre", rdv))
		}
	}
	for _, rep := range reps {
		do(rep, "/kpi", "practice "+practice)
	}
	clk.Set(time.Date(2026, 11, 30, 9, 30, 0, 0, paris))
	h = bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: lang, Outbox: out, Logger: quiet})
	poster := bot.NewRitualPoster(h, out)
	do("UMAUD", "/kpi", "team channel <#C0SALES|sales>")
	for _, rt := range []rituals.Ritual{rituals.Digest, rituals.Review} {
		sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rt), paris)
		job := rituals.Job{Workspace: "T1", Team: "UMAUD", Ritual: rt, Schedule: sched}
		if _, err := poster.Post(ctx, job, job.OccurrenceID(clk.Now()), clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	out.Native = true
	sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rituals.Digest), paris)
	job := rituals.Job{Workspace: "T1", Team: "UMAUD", Ritual: rituals.Digest, Schedule: sched}
	if _, err := poster.Post(ctx, job, "native", clk.Now()); err != nil {
		t.Fatal(err)
	}
	var s sizedTeam
	for _, m := range out.Sent {
		switch {
		case m.ID == "T1/UMAUD/digest/2026-11-30":
			s.digest = m.Msg
		case m.ID == "T1/UMAUD/review/2026-11-30":
			s.review = m.Msg
		case m.ID == "native":
			s.native = m.Msg
		}
	}
	s.goals = do("UMAUD", "/kpi", "goal list")
	s.team = do("UMAUD", "/kpi", "team")
	return s
}

// moreRE finds the count of a list's closing "…and N more" line, in
// either language ("…et 26 autres", "…et un autre").
var moreRE = regexp.MustCompile(`…(?:and|et) (\d+|un autre|une autre)`)

// counted is how many items msg names (mentions of reps) plus how many its
// "and N more" lines count.
func counted(msg slack.Msg, item *regexp.Regexp) (shown, more int) {
	text := rawText(msg)
	shown = len(item.FindAllString(text, -1))
	for _, m := range moreRE.FindAllStringSubmatch(text, -1) {
		if n, err := strconv.Atoi(m[1]); err == nil {
			more += n
		} else {
			more++
		}
	}
	return shown, more
}

// TestMessagesFitWhateverTheTeamSize renders the digest, the review,
// /kpi goal list and /kpi team for teams of 1 to 200 reps, in both
// languages: each fits Slack's Block Kit limits, and every objective,
// rep and practice is shown or counted in an "and N more".
func TestMessagesFitWhateverTheTeamSize(t *testing.T) {
	if testing.Short() {
		t.Skip("composes for 286 reps")
	}
	objective := regexp.MustCompile("`[a-z2-9]{5}`")
	for _, n := range []int{1, 5, 20, 60, 200} {
		for _, lang := range []prompts.Lang{prompts.English, prompts.French} {
			if lang == prompts.French && n != 60 {
				continue // the layout does not depend on the language; 60 checks the French texts
			}
			t.Run(fmt.Sprintf("%s/%d", lang, n), func(t *testing.T) {
				s := composeForTeam(t, lang, n)
				for name, msg := range map[string]slack.Msg{"digest": s.digest, "native digest": s.native, "review": s.review, "goal list": s.goals, "team": s.team} {
					if len(msg.Blocks.BlockSet) == 0 {
						t.Fatalf("%s: not composed", name)
					}
					testkit.CheckBlockKitLimits(t, msg)
				}
				// Every objective is in /kpi goal list, or counted.
				if shown, more := counted(s.goals, objective); shown+more != 2*n {
					t.Errorf("goal list: %d shown + %d counted, want %d objectives", shown, more, 2*n)
				}
				// Every rep is in /kpi team's rates, or counted.
				if shown, more := counted(s.team, regexp.MustCompile(`<@UREP\d{3}>`)); shown+more != n {
					t.Errorf("team: %d reps shown + %d counted, want %d", shown, more, n)
				}
				// Every practice is in the review, or counted.
				if shown, more := counted(s.review, regexp.MustCompile(`customer story|cas client`)); shown+more != n {
					t.Errorf("review: %d practices shown + %d counted, want %d", shown, more, n)
				}
				// The digest: every objective at risk, and every rep who could
				// use a conversation, is listed or counted.
				text := rawText(s.digest)
				risk := len(regexp.MustCompile(`(?m)^(?:🟠|🔴) <@UREP`).FindAllString(text, -1))
				if more := digestMore(text, "/kpi goal list"); risk+more != 2*n {
					t.Errorf("digest: %d objectives at risk listed + %d counted, want %d:\n%s", risk, more, 2*n, text)
				}
				coach := strings.Count(text, "• <@UREP")
				if more := digestMore(text, "/kpi me @"); coach+more != n {
					t.Errorf("digest: %d reps to coach listed + %d counted, want %d:\n%s", coach, more, n, text)
				}
				// Each rep's rates: in the digest's text, or counted; over
				// Slack, the table holds exactly the reps the text shows.
				for name, msg := range map[string]slack.Msg{"digest": s.digest, "native digest": s.native} {
					shown, more := repRatesShown(msg)
					if shown+more != n {
						t.Errorf("%s: %d reps' rates shown + %d counted, want %d", name, shown, more, n)
					}
					tables := 0
					for _, b := range msg.Blocks.BlockSet {
						if table, ok := b.(*slack.DataTableBlock); ok {
							tables++
							if rows := len(table.Rows) - 1; rows != shown {
								t.Errorf("%s: the table has %d reps, the text %d", name, rows, shown)
							}
						}
					}
					if want := map[string]int{"digest": 0, "native digest": 1}[name]; tables != want {
						t.Errorf("%s: %d tables, want %d", name, tables, want)
					}
				}
			})
		}
	}
}

// repRatesShown is how many reps' rate lines msg shows, and how many its
// closing context counts ("…and 100 more reps").
func repRatesShown(msg slack.Msg) (shown, more int) {
	shown = len(regexp.MustCompile(`(?m)^<@UREP\d{3}> — `).FindAllString(rawText(msg), -1))
	for _, b := range msg.Blocks.BlockSet {
		c, ok := b.(*slack.ContextBlock)
		if !ok || len(c.ContextElements.Elements) != 1 {
			continue
		}
		text, ok := c.ContextElements.Elements[0].(*slack.TextBlockObject)
		if !ok {
			continue
		}
		if m := moreRE.FindStringSubmatch(text.Text); m != nil && strings.Contains(text.Text, "/kpi me @") {
			if n, err := strconv.Atoi(m[1]); err == nil {
				more += n
			} else {
				more++
			}
		}
	}
	return shown, more
}

// digestMore sums the counts of the "and N more" lines that point to cmd.
func digestMore(text, cmd string) int {
	sum := 0
	for _, line := range strings.Split(text, "\n") {
		if !strings.Contains(line, cmd) {
			continue
		}
		if m := moreRE.FindStringSubmatch(line); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil {
				sum += n
			} else {
				sum++
			}
		}
	}
	return sum
}

// The digest of a 60-rep team, as Slack receives it, in both languages.
func TestDigestOf60RepsGolden(t *testing.T) {
	for _, lang := range []prompts.Lang{prompts.English, prompts.French} {
		s := composeForTeam(t, lang, 60)
		golden(t, "ritual_digest_60_"+string(lang), s.digest)
		golden(t, "ritual_digest_60_native_"+string(lang), s.native)
	}
}
