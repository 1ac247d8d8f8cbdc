package demo_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/demo"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// auditToday is the audit's day: a Tuesday, so this week holds the
// reps' Monday and one rep's Tuesday, and December holds only that
// Tuesday: a period with one contributor inside a week with seven.
var auditToday = time.Date(2026, 12, 1, 11, 0, 0, 0, testkit.Paris)

// outsider is in the workspace and in no team.
const outsider = views.ConsolePrefix + "zoe"

// publicChannel stands for everyone who reads the team's channel.
const publicChannel = "#public"

// seen is one output and who reads it.
type seen struct {
	what    string
	readers []string // user IDs, or publicChannel
	text    string
}

// The demo team audited as an outsider would: every /kpi and /log
// command run by the manager, each rep and someone outside the team, the
// rituals run, a coaching conversation opened and the exports read. Each
// rep's raw activity counts (calls, e-mails, leads, meetings, demos,
// proposals, follow-ups) over every period the bot speaks of are
// markers: none may reach anyone but that rep, a team total below the
// team's minimum of contributors included. The review never names a rep
// who did not opt in, a rep never sees another rep's figures, an outsider
// sees nobody's, the manager's lists of reps are alphabetical, and the
// team export has no activity column and no rate finer than the chat's.
func TestDemoPrivacyAudit(t *testing.T) {
	for _, lang := range []prompts.Lang{prompts.French, prompts.English} {
		t.Run(string(lang), func(t *testing.T) { auditDemo(t, lang) })
	}
}

func auditDemo(t *testing.T, lang prompts.Lang) {
	ctx := context.Background()
	store := testkit.MemStore(t)
	out := testkit.NewRecordingOutbox(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: testkit.NewClock(auditToday).Now, TZ: testkit.Paris, Lang: lang, Outbox: out, Logger: testkit.Quiet})
	if _, err := demo.Seed(ctx, store, h, auditToday, testkit.Paris, 2026, lang); err != nil {
		t.Fatal(err)
	}
	reps := demo.Reps()
	bruno := reps[1]
	var outputs []seen
	sent, uploaded := 0, 0
	do := func(user, name, text string) string {
		t.Helper()
		msg, err := h.Handle(ctx, bot.Command{Workspace: demo.Workspace, User: user, Name: name, Text: text, Key: fmt.Sprint(user, name, text, len(outputs)), Source: "console"})
		if err != nil {
			t.Fatalf("%s %s %s: %v", user, name, text, err)
		}
		got := views.PlainText(msg)
		outputs = append(outputs, seen{user + "> " + name + " " + text, []string{user}, got})
		// What the command sent: DMs, the coaching conversation, the
		// team's channel, and the files.
		for _, m := range out.Sent[sent:] {
			readers := []string{m.Channel}
			switch {
			case strings.HasPrefix(m.Channel, "G-"):
				readers = strings.Split(strings.TrimPrefix(m.Channel, "G-"), "-")
			case m.Channel == demo.Channel(lang):
				readers = []string{publicChannel}
			}
			outputs = append(outputs, seen{user + "> " + name + " " + text + " → " + m.Channel, readers, views.PlainText(m.Msg)})
		}
		for _, f := range out.Uploads[uploaded:] {
			if strings.HasSuffix(f.Name, ".csv") {
				outputs = append(outputs, seen{user + "> " + name + " " + text + " → " + f.Name, []string{f.Channel}, string(f.PNG)})
			}
		}
		sent, uploaded = len(out.Sent), len(out.Uploads)
		return got
	}

	// The manager sets two team objectives on activity today: their
	// progress is the sum of whoever logged since, here one rep.
	for _, goal := range []string{"goal set rdv 30 semaine --pour équipe", "goal set appels 500 mois --pour équipe"} {
		if got := do(demo.Manager, "/kpi", goal); !strings.Contains(got, "30") && !strings.Contains(got, "500") {
			t.Fatalf("%s: %s", goal, got)
		}
	}
	// Bruno logs today, alone: December's figures are his.
	const today = "23 appels 6 leads 4 rdv"
	do(bruno, "/log", today)

	everyone := append([]string{demo.Manager, outsider}, reps...)
	for _, user := range everyone {
		for _, text := range []string{"help", "me", "me week", "me month", "me --vue-manager", "team", "team month", "home", "goal list", "ritual list", "export me", "export team", "team min 3", "settings", "words list"} {
			do(user, "/kpi", text)
		}
		for _, rep := range reps {
			do(user, "/kpi", "me @"+strings.TrimPrefix(rep, views.ConsolePrefix))
			do(user, "/kpi", "me @"+strings.TrimPrefix(rep, views.ConsolePrefix)+" month")
			do(user, "/kpi", "coach history @"+strings.TrimPrefix(rep, views.ConsolePrefix))
		}
		for _, text := range []string{"help", "edit", "history"} {
			do(user, "/log", text)
		}
		for _, ritual := range []string{"digest", "review", "reminder", "alert", "coaching"} {
			do(user, "/kpi", "ritual run "+ritual)
		}
	}
	do(demo.Manager, "/kpi", "coach @bruno")

	markers := auditMarkers(t, lang, reps, bruno, today)
	for _, o := range outputs {
		for _, rep := range reps {
			if slices.Contains(o.readers, rep) && len(o.readers) == 1 {
				continue // a rep's own figures, to the rep alone
			}
			for _, m := range markers.own[rep] {
				if shows(o.text, m) && !markers.allowed(o.readers, m) {
					t.Errorf("%s's raw count %q reaches %v in %s:\n%s", rep, m, o.readers, o.what, o.text)
				}
			}
		}
		// Names: the channel names nobody (nobody opted in), a rep
		// sees no other rep, an outsider nobody.
		for _, rep := range reps {
			name := "@" + strings.TrimPrefix(rep, views.ConsolePrefix)
			for _, reader := range o.readers {
				if reader != demo.Manager && reader != rep && strings.Contains(o.text, name+" ") && !strings.Contains(o.what, name) {
					t.Errorf("%s names %s to %s:\n%s", o.what, name, reader, o.text)
				}
			}
		}
		if slices.Contains(o.readers, demo.Manager) {
			checkAlphabetical(t, o)
		}
		if strings.HasSuffix(o.what, ".csv") && strings.Contains(o.what, "team") {
			checkTeamCSV(t, o)
		}
	}
	// The team objectives only Bruno's log adds up to say so, and how
	// many more reps must log.
	hidden := prompts.Text(lang, "kpi.objective.line.toofew", map[string]any{"Code": "x", "Owner": "", "Target": "", "Goal": "", "Period": "", "N": 1, "Min": 3})
	hidden = hidden[strings.LastIndex(hidden, "—"):]
	if !slices.ContainsFunc(outputs, func(o seen) bool {
		return strings.HasSuffix(o.what, "> /kpi team") && strings.Count(o.text, hidden) == 2
	}) {
		t.Errorf("no /kpi team says %q of both team objectives", hidden)
	}
	if !slices.ContainsFunc(outputs, func(o seen) bool { return strings.Contains(o.what, "→ G-") }) {
		t.Error("the coaching conversation was not opened: the audit did not see its fact base")
	}

	// The markers do find counts: once Chloé shares hers, her manager
	// sees them in /kpi me @chloe and in their coaching conversation.
	chloe := reps[2]
	do(chloe, "/kpi", "share counts on")
	outputs = outputs[:0]
	do(demo.Manager, "/kpi", "me @chloe")
	do(demo.Manager, "/kpi", "coach @chloe")
	for _, o := range outputs {
		if !strings.HasSuffix(o.what, "me @chloe") && !strings.Contains(o.what, "→ G-") {
			continue // the reply to /kpi coach, and the draft
		}
		if !slices.ContainsFunc(markers.own[chloe], func(m string) bool { return shows(o.text, m) }) {
			t.Errorf("Chloé shares her counts, and %s shows none of them:\n%s", o.what, o.text)
		}
	}

	// A team of one: Zoé manages Alice alone. Its figures are Alice's,
	// and Zoé sees no count of hers, in words or in a chart.
	alice := reps[0]
	do(demo.Manager, "/kpi", "team manager @zoe")
	do(demo.Manager, "/kpi", "team move @alice @zoe")
	outputs, pngs := outputs[:0], len(out.Uploads)
	for _, text := range []string{"team", "team month", "home", "me @alice", "me @alice month", "export team", "ritual run digest", "ritual run alert", "coach @alice", "goal set appels 100 semaine --pour équipe", "team", "home"} {
		do(outsider, "/kpi", text)
	}
	for _, o := range outputs {
		if !slices.Contains(o.readers, outsider) {
			continue
		}
		for _, m := range markers.own[alice] {
			if shows(o.text, m) && !markers.team[m] {
				t.Errorf("Alice's raw count %q reaches her manager of a team of one in %s:\n%s", m, o.what, o.text)
			}
		}
	}
	if !slices.ContainsFunc(outputs, func(o seen) bool { return strings.HasSuffix(o.what, "digest → "+outsider) }) {
		t.Error("Zoé's team of one got no digest: the audit did not read it")
	}
	for _, f := range out.Uploads[pngs:] {
		if strings.HasSuffix(f.Name, ".png") {
			t.Errorf("a chart of a team of one, %s, reaches %s", f.Name, f.Channel)
		}
	}
}

// shows says whether text holds phrase as a count: not preceded by a
// letter or digit ("5 leads" is not in "25 leads", nor "4 rdv" in an
// objective code "k8p94 rdv"), and an objective's "rdv 4 /" followed by
// its goal, not by its period ("rdv 7 / semaine" is a target).
func shows(text, phrase string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], phrase)
		if j < 0 {
			return false
		}
		at, end := i+j, i+j+len(phrase)
		before, _ := utf8.DecodeLastRuneInString(text[:at])
		after := strings.TrimLeft(text[end:], " ")
		if (at == 0 || !unicode.IsLetter(before) && !unicode.IsDigit(before) && before != '.' && before != ',') &&
			(!strings.HasSuffix(phrase, "/") || after != "" && after[0] >= '0' && after[0] <= '9') {
			return true
		}
		i = at + 1
	}
}

// markers are each rep's raw activity counts as the bot writes them, and
// the team totals that may be shown.
type markers struct {
	own  map[string][]string
	team map[string]bool // team totals of periods with enough contributors
}

// allowed says whether readers may see phrase m: a team total of enough
// contributors, or the same count of the one reader's own.
func (mk markers) allowed(readers []string, m string) bool {
	return mk.team[m] || len(readers) == 1 && slices.Contains(mk.own[readers[0]], m)
}

// auditMarkers are the phrases of each rep's activity counts (from 4 up,
// below which examples and help texts say the same) over each day, this
// week, last week, the last two weeks, this month, last month, the four
// weeks before this one and the twelve: "23 appels", "(23 appels)" and
// an objective's "appels 23 /".
func auditMarkers(t *testing.T, lang prompts.Lang, reps []string, bruno, typed string) markers {
	day := kpi.DateOf(auditToday)
	checkIns := demo.CheckIns(rand.New(rand.NewPCG(2026, 2026^0x9e3779b97f4a7c15)), day, testkit.Paris, lang)
	facts := make([]kpi.Fact, 0, len(checkIns)+1)
	for _, c := range checkIns {
		facts = append(facts, factOf(c.User, c.Day, c.Counts))
	}
	facts = append(facts, factOf(bruno, day.String(), map[string]int{"calls": 23, "leads": 6, "meetings": 4}))
	monday, _ := kpi.WeekOf(day)
	periods := []kpi.Period{
		{Start: monday, End: day},
		{Start: monday.AddDays(-7), End: monday.AddDays(-1)},
		{Start: day.AddDays(-13), End: day},
		kpi.PeriodOf(kpi.Month, day),
		kpi.PeriodOf(kpi.Month, monday.AddDays(-1)),
		kpi.Trailing(kpi.PeriodOf(kpi.Week, day), 4),
		{Start: monday.AddDays(-7 * demo.Weeks), End: day},
	}
	phrases := func(t kpi.Totals) []string {
		var out []string
		for m, n := range t.Counts {
			if m.Activity() && n >= 4 {
				out = append(out, fmt.Sprintf("%d %s", n, prompts.MetricLabel(lang, m, n)), fmt.Sprintf("%s %d /", prompts.MetricLabel(lang, m, 2), n))
			}
		}
		return out
	}
	mk := markers{own: map[string][]string{}, team: map[string]bool{}}
	for _, p := range periods {
		if kpi.Contributors(facts, p) >= kpi.MinContributors {
			for _, s := range phrases(kpi.Sum(facts, p)) {
				mk.team[s] = true
			}
		}
	}
	for d := monday.AddDays(-7 * demo.Weeks); !day.Before(d); d = d.AddDays(1) {
		periods = append(periods, kpi.Period{Start: d, End: d})
	}
	for _, rep := range reps {
		seen := map[string]bool{}
		for _, p := range periods {
			for _, s := range phrases(kpi.SumByUser(facts, p)[rep]) {
				if !seen[s] {
					seen[s] = true
					mk.own[rep] = append(mk.own[rep], s)
				}
			}
		}
	}
	if !slices.Contains(mk.own[bruno], "23 "+prompts.MetricLabel(lang, kpi.Calls, 23)) {
		t.Fatalf("Bruno's %q is not among his markers", typed)
	}
	return mk
}

func factOf(user, day string, counts map[string]int) kpi.Fact {
	d, _ := kpi.ParseDate(day)
	f := kpi.Fact{User: user, Day: d, Counts: map[kpi.Metric]int{}}
	for m, n := range counts {
		f.Counts[kpi.Metric(m)] = n
	}
	return f
}

// rateLine is a line of a manager's table of each rep's rates, and
// unjudgedLine one of the objectives too little logged to judge.
var (
	rateLine     = regexp.MustCompile(`^@([a-z]+) — `)
	unjudgedLine = regexp.MustCompile(`^• @([a-z]+) · `)
)

// checkAlphabetical holds that the lists of reps the manager reads, each
// rep's rates and the objectives too little logged to judge, follow the
// alphabet, never a figure: nothing is a leaderboard. The digest's
// coaching suggestions, ordered by how much each rep's own rate moved
// under their own heading, are not such a list.
func checkAlphabetical(t *testing.T, o seen) {
	t.Helper()
	for _, re := range []*regexp.Regexp{rateLine, unjudgedLine} {
		var run []string
		for _, line := range append(strings.Split(o.text, "\n"), "") {
			if m := re.FindStringSubmatch(line); m != nil {
				run = append(run, m[1])
				continue
			}
			if !slices.IsSorted(run) {
				t.Errorf("%s lists reps out of alphabetical order %v:\n%s", o.what, run, o.text)
			}
			run = nil
		}
	}
}

// checkTeamCSV holds that the team export carries no activity count of a
// rep who does not share them (none of the demo's do), and no rate finer
// than the chat shows it: signatures ÷ calls → signatures to four
// decimals gives back the calls to the unit, and from them every stage.
func checkTeamCSV(t *testing.T, o seen) {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix([]byte(o.text), []byte("\ufeff")))).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("%s: %d rows, %v", o.what, len(rows), err)
	}
	head := rows[0]
	for _, row := range rows[1:] {
		for i, v := range row {
			col := head[i]
			if kpi.Metric(col).Activity() && v != "" {
				t.Errorf("%s: %s's %s %s of week %s, unshared", o.what, row[1], col, v, row[0])
			}
			if _, ok := kpi.StageByKey(col); (ok || col == kpi.Overall.Key) && v != "" {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					t.Fatalf("%s: %s %q", o.what, col, v)
				}
				if chat := chatRate(f); math.Abs(f-chat) > 1e-9 {
					t.Errorf("%s: %s's %s is %s, finer than the chat's %g", o.what, row[1], col, v, chat)
				}
			}
		}
	}
}

// chatRate is a rate as precise as the chat writes it: whole percents,
// tenths below 10 %.
func chatRate(v float64) float64 {
	p := v * 100
	if p < 10 {
		return math.Round(p*10) / 1000
	}
	return math.Round(p) / 100
}
