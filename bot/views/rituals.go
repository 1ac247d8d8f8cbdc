package views

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// DigestData is the manager's weekly digest: the team funnel against
// benchmarks and its own trend, the objectives at risk, and who could use
// a coaching conversation.
type DigestData struct {
	Manager string
	// Currency is the workspace currency amounts are in.
	Currency string
	Week     kpi.Period
	Cur      kpi.Totals
	Trail    kpi.Totals
	// AtRisk are the objectives at risk, off track or past their alert,
	// of owners who logged enough to be judged.
	AtRisk []kpi.Progress
	// Unjudged are the objectives whose owner logged on too few days to
	// say anything: listed under a neutral heading, never as behind.
	Unjudged []kpi.Progress
	// Coach is who could use a conversation, most telling signal first.
	Coach []Candidate
	// Private are the reps whose raw activity counts the manager does not
	// see: their objectives on calls or meetings show no count.
	Private map[string]bool
	// Anonymity, when set, replaces the team's totals: too few reps
	// logged last week for them not to be one person's figures.
	Anonymity *Anonymity
	// Reps are the team's reps and ByRep their totals of the week: the
	// digest shows each one's rates as /kpi team does to the manager
	// (RepRateBlocks), whatever Anonymity says, and never a count.
	Reps  []string
	ByRep map[string]kpi.Totals
	// NativeTable puts the per-rep rates in a Slack table too, before
	// their text: where Slack draws the message (not the console).
	NativeTable bool
}

// Candidate is a rep and the signal that says why a conversation helps.
type Candidate struct {
	Rep    string
	Signal kpi.Signal
}

// How many lines each of the digest's lists shows; the rest are counted,
// pointing to the command that lists them all. Together with its fixed
// blocks the digest stays far below Slack's 50 blocks, whatever the
// team's size.
const (
	digestMaxRisk     = 15
	digestMaxUnjudged = 10
	digestMaxCoach    = 10
	// digestMaxRates is how many reps' rates the digest shows: as many
	// as Slack's table holds, in its text as in the table.
	digestMaxRates = MaxTableRows
	// digestNativeBlocks is the room the native charts and their texts
	// take when they follow the digest (DigestNativeCharts).
	digestNativeBlocks = 2 * MaxNativeCharts
)

// Digest renders the weekly digest: every list fits Slack's limits, and
// what a list does not show it counts ("…and 26 more: /kpi goal list").
func Digest(lang prompts.Lang, d DigestData) slack.Msg {
	title := prompts.Text(lang, "ritual.digest.title", map[string]string{"Team": Mention(d.Manager), "Period": periodLabel(lang, d.Week)})
	blocks := []slack.Block{Section(title), Section(totalsText(lang, d.Currency, d.Cur, false)), Section(funnelText(lang, d.Cur, &d.Trail, false)), Context(healthText(lang, d.Currency, d.Cur))}
	if d.Anonymity != nil {
		blocks = []slack.Block{Section(title), Section(tooFew(lang, *d.Anonymity))}
	}

	cur := d.Currency
	var risk []string
	for _, pr := range d.AtRisk {
		o := pr.Objective
		action := ""
		if o.Action != "" {
			action = prompts.Text(lang, "ritual.digest.risk.action", map[string]string{"Action": Escape(o.Action)})
		}
		if private(pr, d.Private[o.Owner]) {
			risk = append(risk, prompts.Text(lang, "ritual.digest.risk.line.private", map[string]string{
				"Emoji": statusEmoji[pr.Status], "Owner": ownerLabel(lang, o.Owner, ""), "Target": targetLabel(lang, o.Target),
				"Goal": targetAmount(lang, cur, o.Target, pr.Goal), "Status": statusText(lang, pr), "Action": action,
			}))
			continue
		}
		risk = append(risk, prompts.Text(lang, "ritual.digest.risk.line", map[string]string{
			"Emoji": statusEmoji[pr.Status], "Owner": ownerLabel(lang, o.Owner, ""), "Target": targetLabel(lang, o.Target),
			"Value": targetAmount(lang, cur, o.Target, pr.Value), "Goal": targetAmount(lang, cur, o.Target, o.Value),
			"Status": statusText(lang, pr), "Action": action,
		}))
	}
	if len(risk) == 0 {
		risk = []string{prompts.Text(lang, "ritual.digest.risk.none", nil)}
	}
	blocks = append(blocks, list(prompts.Text(lang, "ritual.digest.risk.title", nil), risk, digestMaxRisk, moreText(lang, "ritual.digest.more.objectives"))...)
	if len(d.Unjudged) > 0 {
		blocks = append(blocks, list(prompts.Text(lang, "ritual.digest.unjudged.title", nil), unjudgedLines(lang, d.Unjudged), digestMaxUnjudged, moreText(lang, "ritual.digest.more.objectives"))...)
	}

	var coach []string
	if len(d.Coach) == 0 {
		coach = append(coach, prompts.Text(lang, "ritual.digest.coach.none", nil))
	}
	for _, c := range d.Coach {
		coach = append(coach, prompts.Text(lang, "ritual.digest.coach.line", map[string]string{"User": Mention(c.Rep), "Reason": privateSignalText(lang, cur, "ritual.reason.", c.Signal, d.Private[c.Rep])}))
	}
	blocks = append(blocks, list(prompts.Text(lang, "ritual.digest.coach.title", nil), coach, digestMaxCoach, moreText(lang, "ritual.digest.more.reps"))...)
	if len(d.Reps) > 0 {
		blocks = append(blocks, digestRates(lang, d, MaxBlocks-len(blocks)-digestNativeBlocks)...)
	}
	return slack.Msg{Text: title, Blocks: slack.Blocks{BlockSet: blocks}}
}

// digestRates is each rep's rates in at most room blocks: their text and,
// with d.NativeTable, Slack's table of the same reps right after the
// title, which WithoutNativeCharts drops if Slack refuses it.
func digestRates(lang prompts.Lang, d DigestData, room int) []slack.Block {
	rows := repRates(d.ByRep, d.Reps)
	max := digestMaxRates
	var table *slack.DataTableBlock
	if d.NativeTable {
		room--
		table, max = repRatesTable(lang, rows, prompts.Text(lang, "chart.native.rates.caption", map[string]string{"Period": periodLabel(lang, d.Week)}))
	}
	blocks, shown := repRateBlocks(lang, rows, room, max)
	if table == nil || shown == 0 {
		return blocks
	}
	// The table holds the reps the text shows, no others.
	table.Rows = table.Rows[:shown+1]
	return append(blocks[:1], append([]slack.Block{table}, blocks[1:]...)...)
}

// unjudgedLines are the lines of the objectives whose owner logged on too
// few days to be judged, in the digest and a manager's App Home: whose,
// on what, over which period, and on how many of its working days they
// logged; never a count of what they did.
func unjudgedLines(lang prompts.Lang, unjudged []kpi.Progress) []string {
	lines := make([]string, 0, len(unjudged))
	for _, pr := range unjudged {
		o := pr.Objective
		data := loggedData(pr)
		data["Owner"], data["Target"], data["Period"] = ownerLabel(lang, o.Owner, ""), targetLabel(lang, o.Target), periodName(lang, string(o.Period))
		lines = append(lines, prompts.Text(lang, "ritual.digest.unjudged.line", data))
	}
	return lines
}

// DigestTrendTitle is the title of the digest's 12-week trend chart.
func DigestTrendTitle(lang prompts.Lang) string {
	return prompts.Text(lang, "ritual.digest.trend", nil)
}

// PeriodLabel names a period: "semaine du lun. 23 nov.", "novembre 2026".
func PeriodLabel(lang prompts.Lang, p kpi.Period) string { return periodLabel(lang, p) }

// Gain is one rep's largest rise in a conversion rate over a week.
type Gain struct {
	Rep      string
	Stage    kpi.Stage
	From, To float64
}

func (g Gain) data(lang prompts.Lang) map[string]string {
	return map[string]string{"User": Mention(g.Rep), "Stage": stageLabel(lang, g.Stage), "Reference": pct(lang, g.From), "Value": pct(lang, g.To)}
}

// Practice is a practice a rep shared; By is empty unless they opted in
// to be named.
type Practice struct {
	Text, By string
}

// ReviewData is the Monday review for the team channel: team figures
// only, the week's best conversion gain, the practices shared, and a
// question for the thread.
type ReviewData struct {
	Figures
	// Gain is the week's best conversion gain, if any; Named says whether
	// its rep opted in to be named.
	Gain *Gain
	// Anonymity, when set, replaces the team's figures and the gain: too
	// few reps logged for them not to be one person's.
	Anonymity *Anonymity
	Named     bool
	Practice  []Practice
}

// Review renders the Monday review.
func Review(lang prompts.Lang, r ReviewData) slack.Msg {
	practice := prompts.Text(lang, "ritual.review.practice.none", nil)
	if r.Gain != nil {
		key := prompts.Key("ritual.review.practice.anonymous")
		if r.Named {
			key = "ritual.review.practice.named"
		}
		practice = prompts.Text(lang, key, r.Gain.data(lang))
	}
	title := prompts.Text(lang, "ritual.review.title", map[string]string{"Period": periodLabel(lang, r.Period)})
	blocks := []slack.Block{
		Section(title),
		Section(totalsText(lang, r.Currency, r.Cur, false)),
		Section(funnelText(lang, r.Cur, &r.Trail, false)),
		Section(objectivesText(lang, r.Currency, r.Progress, theTeam, false, r.Hidden)),
		Section(prompts.Text(lang, "ritual.review.practice.title", nil) + "\n" + practice),
	}
	if r.Anonymity != nil {
		blocks = []slack.Block{Section(title), Section(tooFew(lang, *r.Anonymity))}
	}
	blocks = append(blocks, sharedPractices(lang, r.Practice)...)
	blocks = append(blocks, Section(prompts.Text(lang, "ritual.review.question", nil)))
	return slack.Msg{Text: title, Blocks: slack.Blocks{BlockSet: blocks}}
}

// reviewMaxShared is how many shared practices the review quotes; the
// others are counted.
const reviewMaxShared = 20

// sharedPractices lists what the team's reps shared, the first
// reviewMaxShared of them and the count of the others; nothing when there
// is none.
func sharedPractices(lang prompts.Lang, all []Practice) []slack.Block {
	if len(all) == 0 {
		return nil
	}
	var lines []string
	for _, p := range all {
		by := ""
		if p.By != "" {
			by = prompts.Text(lang, "ritual.review.shared.by", map[string]string{"User": Mention(p.By)})
		}
		lines = append(lines, prompts.Text(lang, "ritual.review.shared.line", map[string]string{"Text": Escape(p.Text), "By": by}))
	}
	return list(prompts.Text(lang, "ritual.review.shared.title", nil), lines, reviewMaxShared, moreText(lang, "ritual.review.more.practices"))
}

// moreText is the closing line of a list, counting what it leaves out in
// the catalogue text key.
func moreText(lang prompts.Lang, key prompts.Key) func(int) string {
	return func(n int) string { return prompts.Text(lang, key, map[string]int{"N": n}) }
}

// Thanks thanks the rep behind the review's highlight privately: they
// did not opt in to be named.
func Thanks(lang prompts.Lang, g Gain) slack.Msg {
	return Message(prompts.Text(lang, "ritual.thanks", g.data(lang)))
}

// RitualSchedule is how one of a team's rituals is set.
type RitualSchedule struct {
	Ritual  string // its name in the catalog: digest, review, reminder…
	Spec    string
	Default bool // Spec is the ritual's default
	TZ      string
	// PerRep: the ritual runs in each rep's own zone, TZ is the fallback.
	PerRep bool
	Off    bool
	// Channel is where it posts, when that is a channel (the review).
	Channel string
}

// ritualName names a ritual: "digest manager (MP)".
func ritualName(lang prompts.Lang, ritual string) string {
	return prompts.Text(lang, prompts.Key("kpi.ritual.name."+ritual), nil)
}

// where says where a ritual posts, if in a channel.
func where(lang prompts.Lang, channel string) string {
	if channel == "" {
		return ""
	}
	return prompts.Text(lang, "kpi.ritual.where", map[string]string{"Channel": ChannelMention(channel)})
}

// RitualList is /kpi ritual list: the rituals of manager's team.
func RitualList(lang prompts.Lang, manager string, schedules []RitualSchedule) slack.Msg {
	lines := []string{prompts.Text(lang, "kpi.ritual.list.title", map[string]string{"Team": Mention(manager)})}
	for _, s := range schedules {
		tz, state := s.TZ, ""
		if s.Default {
			state = prompts.Text(lang, "kpi.ritual.default", nil)
		}
		if s.PerRep {
			tz = "→ " + tz
		}
		if s.Off {
			state = prompts.Text(lang, "kpi.ritual.off", nil)
		}
		lines = append(lines, prompts.Text(lang, "kpi.ritual.line", map[string]string{
			"Name": ritualName(lang, s.Ritual), "Spec": s.Spec, "TZ": tz, "Where": where(lang, s.Channel), "State": state,
		}))
	}
	return Say(strings.Join(lines, "\n"))
}

// RitualSet confirms /kpi ritual set, with the next run (in the zone).
func RitualSet(lang prompts.Lang, s RitualSchedule, next time.Time) slack.Msg {
	return Reply(lang, "kpi.ritual.set.done", map[string]string{
		"Name": ritualName(lang, s.Ritual), "Spec": s.Spec, "TZ": s.TZ, "Where": where(lang, s.Channel), "Next": dayAndTime(lang, next),
	})
}

// RitualOff confirms /kpi ritual off, with how to turn it back on.
func RitualOff(lang prompts.Lang, ritual, spec string) slack.Msg {
	return Reply(lang, "kpi.ritual.off.done", map[string]string{"Name": ritualName(lang, ritual), "Ritual": ritual, "Spec": spec})
}

// RunTally is what a manual ritual run did.
type RunTally struct {
	Sent, Already, NotSent, Unsure int
	// Cause is the first failure, if any.
	Cause error
}

// RunReport answers /kpi ritual run: what was sent, what had been
// already, and, truthfully, what failed and whether it may have landed.
func RunReport(lang prompts.Lang, ritual string, r RunTally) slack.Msg {
	data := map[string]any{"Name": ritualName(lang, ritual), "N": r.Sent, "Already": r.Already, "Failed": r.NotSent + r.Unsure, "Cause": slackCause(lang, r.Cause)}
	var lines []string
	if r.Sent > 0 || (r.Already == 0 && r.Cause == nil) {
		lines = append(lines, prompts.Text(lang, "kpi.ritual.run.done", data))
	}
	if r.Already > 0 {
		lines = append(lines, prompts.Text(lang, "kpi.ritual.run.already", data))
	}
	switch {
	case r.Unsure > 0:
		lines = append(lines, "⚠️ "+prompts.Text(lang, "kpi.ritual.run.unsure", data))
	case r.NotSent > 0:
		lines = append(lines, "⚠️ "+prompts.Text(lang, "kpi.ritual.run.notsent", data))
	}
	return Say(strings.Join(lines, "\n"))
}

// slackCause says in words what failed when Slack did: its error code
// when it gave one, or that it did not answer.
func slackCause(lang prompts.Lang, err error) string {
	if err == nil {
		return ""
	}
	var refused slack.SlackErrorResponse
	if errors.As(err, &refused) {
		return prompts.Text(lang, "kpi.ritual.cause.refused", map[string]string{"Code": refused.Err})
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return prompts.Text(lang, "kpi.ritual.cause.ratelimited", nil)
	}
	return prompts.Text(lang, "kpi.ritual.cause.noanswer", nil)
}

// Warning is a one-sentence refusal.
func Warning(lang prompts.Lang, key prompts.Key, data any) slack.Msg {
	return Say("⚠️ " + prompts.Text(lang, key, data))
}

// Away confirms /kpi away from to to.
func Away(lang prompts.Lang, from, to kpi.Date) slack.Msg {
	return Reply(lang, "kpi.away.done", map[string]string{"From": prompts.ProseDate(lang, from), "To": prompts.ProseDate(lang, to)})
}

// Holiday is a day off of a workspace; Name is empty for its own days.
type Holiday struct {
	Day  kpi.Date
	Name string
}

// Holidays is /kpi holiday list, in order.
func Holidays(lang prompts.Lang, days []Holiday) slack.Msg {
	lines := []string{prompts.Text(lang, "kpi.holiday.list.title", nil)}
	for _, h := range days {
		name := h.Name
		if name == "" {
			name = prompts.Text(lang, "kpi.holiday.custom", nil)
		}
		lines = append(lines, prompts.Text(lang, "kpi.holiday.line", map[string]string{"Day": longDate(lang, h.Day), "Name": Escape(name)}))
	}
	return Say(strings.Join(lines, "\n"))
}

// HolidaySet confirms /kpi holiday add (a day off) or work (worked).
func HolidaySet(lang prompts.Lang, d kpi.Date, worked bool) slack.Msg {
	key := prompts.Key("kpi.holiday.added")
	if worked {
		key = "kpi.holiday.worked"
	}
	return Reply(lang, key, map[string]string{"Day": longDate(lang, d)})
}

// LongDate is a date with its year: "jeu. 24 déc. 2026".
func LongDate(lang prompts.Lang, d kpi.Date) string { return longDate(lang, d) }

// longDate is a date with its year: "jeu. 24 déc. 2026".
func longDate(lang prompts.Lang, d kpi.Date) string {
	return prompts.Date(lang, d) + " " + strconv.Itoa(d.Year)
}

// Schedule words a schedule of days and a time the way lang writes it:
// "lun. 08:00", "jours ouvrés 17:30", "Mon, Thu 09:30", "weekdays 17:30".
// Every form it writes is one /kpi ritual set reads back.
func Schedule(lang prompts.Lang, days []time.Weekday, hour, minute int) string {
	clock := fmt.Sprintf("%02d:%02d", hour, minute)
	switch {
	case len(days) == 7:
		return prompts.Text(lang, "kpi.schedule.daily", map[string]string{"Time": clock})
	case slices.Equal(days, []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}):
		return prompts.Text(lang, "kpi.schedule.weekdays", map[string]string{"Time": clock})
	}
	names := make([]string, len(days))
	for i, d := range days {
		names[i] = prompts.WeekdayShort(lang, d)
	}
	return strings.Join(names, ", ") + " " + clock
}
