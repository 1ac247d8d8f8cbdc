package views

import (
	"errors"
	"math"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// KPIHelp is /kpi help: every subcommand with an example.
func KPIHelp(lang prompts.Lang) slack.Msg { return Reply(lang, "kpi.help", nil) }

// Usage refuses a command with the reason and an example to copy.
func Usage(lang prompts.Lang, key prompts.Key, data any, example string) slack.Msg {
	reason := "⚠️ " + prompts.Text(lang, key, data)
	return Ephemeral(reason, Section(reason), Context(prompts.Text(lang, "kpi.error.example", map[string]string{"Example": example})))
}

// BadUsage refuses text that does not fit the subcommand.
func BadUsage(lang prompts.Lang, text, example string) slack.Msg {
	return Usage(lang, "kpi.error.usage", map[string]string{"Text": Escape(text)}, example)
}

// Denied refuses without saying anything about the data asked for: who
// names the catalog's kpi.who.<who>, the people who may.
func Denied(lang prompts.Lang, who string) slack.Msg {
	text := "🔒 " + prompts.Text(lang, "kpi.error.denied", map[string]string{"Who": prompts.Text(lang, prompts.Key("kpi.who."+who), nil)})
	return Say(text)
}

// PeriodOrMention refuses a stray argument: a word is taken for a period
// that was mistyped, anything else for a mention that Slack did not link.
func PeriodOrMention(lang prompts.Lang, tok, example string) slack.Msg {
	if strings.HasPrefix(tok, "@") || strings.HasPrefix(tok, "<") {
		return Usage(lang, "kpi.error.mention", nil, example)
	}
	return Usage(lang, "kpi.error.period", map[string]string{"Token": Escape(tok)}, example)
}

// UnknownTarget refuses a KPI name, suggesting the nearest known one.
func UnknownTarget(lang prompts.Lang, tok, suggestion, example string) slack.Msg {
	if suggestion != "" {
		return Usage(lang, "kpi.error.target_suggest", map[string]string{"Token": Escape(tok), "Suggestion": Escape(suggestion)}, example)
	}
	return Usage(lang, "kpi.error.target_unknown", map[string]string{"Token": Escape(tok)}, example)
}

// Commitment is one thing a rep committed to in a coaching thread.
type Commitment struct {
	Code string
	Text string
	Due  string // YYYY-MM-DD, or empty
	// Done is whether the rep marked it done.
	Done bool
}

// commitmentLine shows a commitment in a list.
func commitmentLine(lang prompts.Lang, c Commitment) string {
	due := ""
	if c.Due != "" {
		due = prompts.Text(lang, "coach.due", map[string]string{"Due": dueDate(lang, c.Due)})
	}
	key := prompts.Key("coach.followup.line")
	if c.Done {
		key = "coach.followup.done"
	}
	return prompts.Text(lang, key, map[string]string{"Text": Escape(c.Text), "Due": due})
}

// Figures are one person's or one team's numbers over a period: totals
// so far, the trailing weeks they are compared with, and the objectives'
// progress.
type Figures struct {
	Period   kpi.Period
	Cur      kpi.Totals
	Trail    kpi.Totals
	Progress []kpi.Progress
	// Currency is the workspace currency amounts are in.
	Currency string
	// HideCounts keeps one rep's raw activity counts (calls, e-mails,
	// meetings…) out: their manager sees rates and outcomes unless the
	// rep shares their counts.
	HideCounts bool
	// Hidden are the team objectives, by code, whose figures add up
	// fewer reps than the team's minimum over the days they are judged
	// on: their progress would be those reps' own counts.
	Hidden map[string]Anonymity
}

// MeView is who a /kpi me is shown to.
type MeView int

// The three views of a rep's figures.
const (
	// MeSelf: the rep, who sees everything about themselves.
	MeSelf MeView = iota
	// MeManager: the rep's manager.
	MeManager
	// MePreview: the rep, shown exactly what their manager sees.
	MePreview
)

// MeData is /kpi me: a rep's figures, to the rep, to their manager or as
// their manager sees them, with their commitments and the top coaching
// signal as a question.
type MeData struct {
	Figures
	Rep  string
	View MeView
	// InTeam: the rep has a manager; the rep's own view then says how to
	// see what the manager sees.
	InTeam bool
	// LoggedDays of WorkingDays so far: a manager reads a rate as the
	// rep's, not as noise.
	LoggedDays, WorkingDays int
	Commitments             []Commitment
	Signals                 []kpi.Signal
}

// Me renders /kpi me.
func Me(lang prompts.Lang, m MeData) slack.Msg {
	// A manager reading a rep's figures is spoken to as their manager:
	// "Ses engagements", a question to ask the rep. The rep's preview of
	// that view has the same content, spoken to the rep.
	data := map[string]string{"User": Mention(m.Rep), "Period": periodLabel(lang, m.Period)}
	title := prompts.Text(lang, "kpi.me.title", data)
	reader, commitments, question := theRep, prompts.Text(lang, "kpi.me.commitments", nil), prompts.Text(lang, "kpi.signal.title", nil)
	switch m.View {
	case MeManager:
		title = prompts.Text(lang, "kpi.me.other.title", data)
		reader, commitments, question = theirManager, prompts.Text(lang, "kpi.me.other.commitments", data), prompts.Text(lang, "kpi.signal.other.title", data)
	case MePreview:
		title = prompts.Text(lang, "kpi.me.preview.title", data)
		reader = theirManager
	}
	blocks := []slack.Block{Section(title), Section(totalsText(lang, m.Currency, m.Cur, m.HideCounts))}
	if m.View != MeSelf {
		key := prompts.Key("kpi.me.logged")
		if m.View == MePreview {
			key = "kpi.me.logged.preview"
		}
		notes := []string{prompts.Text(lang, key, map[string]int{"Logged": m.LoggedDays, "Days": m.WorkingDays})}
		if m.HideCounts {
			key = "kpi.me.counts.private"
			if m.View == MePreview {
				key = "kpi.me.counts.private.preview"
			}
			notes = append(notes, prompts.Text(lang, key, nil))
		}
		blocks = append(blocks, Context(notes...))
	}
	blocks = append(blocks, Section(funnelText(lang, m.Cur, &m.Trail, m.HideCounts)))
	blocks = append(blocks, Context(healthText(lang, m.Currency, m.Cur)))
	blocks = append(blocks, Section(objectivesText(lang, m.Currency, m.Progress, reader, m.HideCounts, m.Hidden)))
	if len(m.Commitments) > 0 {
		lines := []string{commitments}
		for _, c := range m.Commitments[max(0, len(m.Commitments)-5):] {
			lines = append(lines, commitmentLine(lang, c))
		}
		blocks = append(blocks, Section(strings.Join(lines, "\n")))
	}
	if len(m.Signals) > 0 {
		blocks = append(blocks, Section(question+"\n"+privateSignalText(lang, m.Currency, "kpi.signal.", m.Signals[0], m.HideCounts)))
	}
	if m.View == MeSelf && m.InTeam {
		blocks = append(blocks, Context(prompts.Text(lang, "kpi.me.preview.hint", nil)))
	}
	return Ephemeral(title, blocks...)
}

// TeamData is /kpi team: the team's figures and, for its manager
// (RepRates), each rep's rates from ByRep.
type TeamData struct {
	Figures
	Manager  string
	Reps     []string
	RepRates bool
	ByRep    map[string]kpi.Totals
	// Anonymity, when set, replaces the team's figures: too few reps
	// logged for them not to be one person's.
	Anonymity *Anonymity
	// Unjudged are, for the manager, the objectives whose owner logged on
	// too few days to be judged, as the digest lists them; App Home's
	// team section shows them.
	Unjudged []kpi.Progress
}

// Anonymity says that too few reps logged in a period to show a team's
// figures: Contributors did, Min are needed.
type Anonymity struct {
	Contributors, Min int
}

// tooFew says that too few people logged to show team figures, naming
// nobody.
func tooFew(lang prompts.Lang, a Anonymity) string {
	return prompts.Text(lang, "kpi.team.toofew", map[string]int{"N": a.Contributors, "Min": a.Min})
}

// Team renders /kpi team.
func Team(lang prompts.Lang, t TeamData) slack.Msg {
	title := prompts.Text(lang, "kpi.team.title", map[string]any{"Team": Mention(t.Manager), "Period": periodLabel(lang, t.Period), "Reps": len(t.Reps)})
	blocks := []slack.Block{
		Section(title),
		Section(totalsText(lang, t.Currency, t.Cur, false)),
		Section(funnelText(lang, t.Cur, &t.Trail, false)),
		Context(healthText(lang, t.Currency, t.Cur)),
		Section(objectivesText(lang, t.Currency, t.Progress, theTeam, false, t.Hidden)),
	}
	if t.Anonymity != nil {
		blocks = []slack.Block{Section(title), Section(tooFew(lang, *t.Anonymity))}
	}
	if t.RepRates {
		blocks = append(blocks, RepRateBlocks(lang, t.ByRep, t.Reps, MaxBlocks-len(blocks))...)
	}
	return Ephemeral(title, blocks...)
}

// MaxBlocks keeps a message under Slack's 50-block limit with room to spare.
const MaxBlocks = 48

// RepRateBlocks lists each rep's conversion rates, alphabetically, in at
// most room blocks: rates say how someone sells, counts would only rank
// who typed most.
func RepRateBlocks(lang prompts.Lang, byUser map[string]kpi.Totals, reps []string, room int) []slack.Block {
	blocks, _ := repRateBlocks(lang, repRates(byUser, reps), room, len(reps))
	return blocks
}

// RepRate is one line of a manager's per-rep rates: each stage's rate,
// said only on enough events (kpi.DefaultMinEvents), and the days the rep
// logged. Nothing else of a rep's is in it: no count.
type RepRate struct {
	Rep    string
	Rates  []kpi.Rate
	Logged int
}

// repRates is the line of each rep, in the order the manager reads them.
func repRates(byUser map[string]kpi.Totals, reps []string) []RepRate {
	reps = slices.Clone(reps)
	slices.SortFunc(reps, func(a, b string) int { return strings.Compare(Mention(a), Mention(b)) })
	out := make([]RepRate, len(reps))
	for i, rep := range reps {
		out[i] = RepRate{Rep: rep, Rates: kpi.Funnel(byUser[rep], kpi.DefaultMinEvents)[:len(kpi.Stages)], Logged: byUser[rep].ActiveDays}
	}
	return out
}

// repRateBlocks shows at most max of rows in at most room blocks, and
// counts the others; shown is how many it shows, the first of rows.
func repRateBlocks(lang prompts.Lang, rows []RepRate, room, max int) (blocks []slack.Block, shown int) {
	blocks = []slack.Block{Section(prompts.Text(lang, "kpi.team.reps.title", nil))}
	var chunk strings.Builder
	for _, r := range rows[:min(max, len(rows))] {
		var rates []string
		for _, rate := range r.Rates {
			rates = append(rates, shortRate(lang, rate))
		}
		line := prompts.Text(lang, "kpi.team.rep.line", map[string]string{"User": Mention(r.Rep), "Rates": strings.Join(rates, " · ")}) +
			prompts.Text(lang, "kpi.team.rep.logged", map[string]int{"Logged": r.Logged}) + "\n"
		if chunk.Len()+len(line) > 2900 {
			if len(blocks)+2 >= room {
				break
			}
			blocks = append(blocks, Section(strings.TrimSuffix(chunk.String(), "\n")))
			chunk.Reset()
		}
		chunk.WriteString(line)
		shown++
	}
	if chunk.Len() > 0 {
		blocks = append(blocks, Section(strings.TrimSuffix(chunk.String(), "\n")))
	}
	if n := len(rows) - shown; n > 0 {
		blocks = append(blocks, Context(prompts.Text(lang, "kpi.team.reps.more", map[string]int{"N": n})))
	}
	return blocks, shown
}

// Plan is /kpi plan: the reverse funnel to n of metric over p, and
// how many working days it takes at the recent pace (today to p's end).
func Plan(lang prompts.Lang, n float64, metric kpi.Metric, p kpi.Period, today kpi.Date, plan kpi.Plan) slack.Msg {
	var b strings.Builder
	b.WriteString(prompts.Text(lang, "kpi.plan.title", map[string]string{
		"Value": number(lang, n), "Label": prompts.MetricLabel(lang, metric, int(math.Ceil(n))), "Period": periodLabel(lang, p),
	}) + "\n")
	for i, st := range plan.Steps {
		rate := ""
		if i < len(plan.Steps)-1 {
			rate = "\n" + prompts.Text(lang, "kpi.plan.rate", map[string]string{
				"Rate": pct(lang, st.Rate.Value), "Source": prompts.Text(lang, prompts.Key("kpi.source."+string(st.Source)), nil),
			})
		}
		need := kpi.Approx(st.Need)
		b.WriteString(prompts.Text(lang, "kpi.plan.step", map[string]string{
			"Need": "*" + number(lang, need) + "*", "Label": prompts.MetricLabel(lang, st.Metric, int(math.Ceil(need))), "Rate": rate,
		}) + "\n")
	}
	days2 := prompts.Text(lang, "kpi.plan.nodays", nil)
	if plan.WorkingDays > 0 {
		days2 = prompts.Text(lang, "kpi.plan.days", map[string]any{
			"Daily": number(lang, kpi.Approx(plan.DailyCalls)), "Days": number(lang, kpi.Approx(plan.WorkingDays)),
			"Left": kpi.WorkingDays(today, p.End),
		})
	}
	text := b.String()
	return Ephemeral(text, Section(text), Context(days2))
}

// PlanError refuses a plan kpi.ReversePlan could not make.
func PlanError(lang prompts.Lang, metric kpi.Metric, err error, example string) slack.Msg {
	var pe *kpi.PlanError
	if errors.As(err, &pe) && pe.Stage != "" {
		st, _ := kpi.StageByKey(pe.Stage)
		return Usage(lang, "kpi.error.plan_stuck", map[string]string{"Stage": stageLabel(lang, st)}, example)
	}
	if errors.As(err, &pe) && pe.Reason == kpi.PlanBadValue {
		return Usage(lang, "kpi.error.absurd", map[string]any{"Limit": pe.Limit}, example)
	}
	return Usage(lang, "kpi.error.plan_target", map[string]string{"Label": prompts.MetricLabel(lang, metric, 2)}, example)
}
