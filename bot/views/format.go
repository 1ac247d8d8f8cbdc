package views

import (
	"math"
	"strconv"
	"strings"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// The pieces every figure view is made of: periods, totals, the funnel
// against its benchmarks and trend, health, objectives and signals.

func periodLabel(lang prompts.Lang, p kpi.Period) string {
	switch p.Kind {
	case kpi.Month:
		return prompts.Text(lang, "kpi.period.month", map[string]string{"Month": prompts.MonthName(lang, p.Start)})
	case kpi.Day:
		return prompts.Text(lang, "kpi.period.day", map[string]string{"From": prompts.Date(lang, p.Start)})
	}
	return prompts.Text(lang, "kpi.period.week", map[string]string{"From": prompts.Date(lang, p.Start)})
}

// totalsText lists the totals; hide leaves out a rep's raw activity
// counts, which their manager does not see unless they share them.
func totalsText(lang prompts.Lang, cur string, t kpi.Totals, hide bool) string {
	counts := map[kpi.Metric]int{}
	hidden := false
	for m, n := range t.Counts {
		switch {
		case n == 0:
		case hide && m.Activity():
			hidden = true
		default:
			counts[m] = n
		}
	}
	amounts := prompts.Amounts{RevenueCents: t.RevenueCents, HasRevenue: t.RevenueCents != 0, PipelineCents: t.PipelineCents, HasPipeline: t.PipelineCents != 0, Currency: cur}
	if line := prompts.Items(lang, counts, amounts); line != "" {
		return line
	}
	if hidden {
		// The rep logged, only activity: "nothing logged" would be
		// untrue, and an invitation to log a reproach.
		return prompts.Text(lang, "kpi.totals.outcomes.none", nil)
	}
	return prompts.Text(lang, "kpi.totals.empty", nil)
}

// stageLabel names a stage by its two metrics: "offres → signatures".
func stageLabel(lang prompts.Lang, s kpi.Stage) string { return prompts.StageLabel(lang, s) }

// funnelText shows each stage's rate, the source 003 benchmark and the
// rep's own trend; a rate on too few events says so instead of a number.
// hide says "not enough data" without the count, which is a rep's raw
// activity.
func funnelText(lang prompts.Lang, cur kpi.Totals, trail *kpi.Totals, hide bool) string {
	lines := []string{prompts.Text(lang, "kpi.funnel.title", nil)}
	var before []kpi.Rate
	if trail != nil {
		before = kpi.Funnel(*trail, kpi.DefaultMinEvents)
	}
	for i, r := range kpi.Funnel(cur, kpi.DefaultMinEvents) {
		value := prompts.Text(lang, "kpi.funnel.nodata", map[string]any{"Den": r.Den, "Label": prompts.MetricLabel(lang, r.Stage.From, r.Den)})
		if hide {
			value = prompts.Text(lang, "kpi.funnel.nodata.private", nil)
		}
		if r.Enough {
			value = pct(lang, r.Value)
		}
		bench := ""
		if r.Stage.Benchmark > 0 {
			bench = prompts.Text(lang, "kpi.funnel.bench", map[string]string{"Rate": pct(lang, r.Stage.Benchmark)})
		}
		trend := ""
		if before != nil && before[i].Enough && r.Enough {
			trend = prompts.Text(lang, "kpi.funnel.trend", map[string]string{"Rate": pct(lang, before[i].Value), "Arrow": arrow(r.Value, before[i].Value)})
		}
		lines = append(lines, prompts.Text(lang, "kpi.funnel.line", map[string]string{
			"Stage": stageLabel(lang, r.Stage), "Rate": value, "Bench": bench, "Trend": trend,
		}))
	}
	return strings.Join(lines, "\n")
}

func arrow(now, before float64) string {
	switch {
	case now > before+0.005:
		return "↗"
	case now < before-0.005:
		return "↘"
	}
	return "→"
}

// shortRate is a rate in a per-rep line: the number, or n/a.
func shortRate(lang prompts.Lang, r kpi.Rate) string {
	v := prompts.Text(lang, "kpi.nodata", nil)
	if r.Enough {
		v = pct(lang, r.Value)
	}
	return stageLabel(lang, r.Stage) + " " + v
}

func healthText(lang prompts.Lang, cur string, t kpi.Totals) string {
	h := kpi.HealthOf(t, kpi.DefaultMinEvents)
	na := prompts.Text(lang, "kpi.nodata", nil)
	avg, offer, fu, win := na, na, na, na
	// Reps who do not log amounts would show an average deal of 0 €.
	if h.AvgDealOK && t.RevenueCents > 0 {
		avg = averageMoney(lang, cur, float64(h.AvgDealCents))
	}
	if h.AvgProposalOK && t.PipelineCents > 0 {
		offer = averageMoney(lang, cur, float64(h.AvgProposalCents))
	}
	if h.FollowupsOK {
		fu = number(lang, math.Round(h.FollowupsPerProposal*10)/10)
	}
	if h.WinRateOK {
		win = pct(lang, h.WinRate)
	}
	return prompts.Text(lang, "kpi.health.line", map[string]string{"AvgDeal": avg, "AvgProposal": offer, "Followups": fu, "WinRate": win})
}

var statusEmoji = map[kpi.Status]string{
	kpi.Met: "✅", kpi.OnTrack: "🟢", kpi.AtRisk: "🟠", kpi.OffTrack: "🔴", kpi.NotEnoughData: "⚪",
}

// reader is who reads a view of objectives: the rep they belong to, the
// rep's manager, or a whole team.
type reader int

const (
	theRep reader = iota
	theirManager
	theTeam
)

// private says whether pr's figures are a rep's raw activity, which hide
// keeps from their manager: an objective on calls or meetings shows its
// target and status, not the count.
func private(pr kpi.Progress, hide bool) bool {
	return hide && pr.Objective.Owner != kpi.TeamOwner && kpi.Metric(pr.Objective.Target).Activity()
}

// objectivesText shows each objective with its progress and forecast, and
// the answers to source 002's four questions; hide keeps a rep's raw
// activity counts out (see private), and a hidden team objective shows
// its goal and why its progress is not shown.
func objectivesText(lang prompts.Lang, cur string, progress []kpi.Progress, to reader, hide bool, hidden map[string]Anonymity) string {
	lines := []string{prompts.Text(lang, "kpi.objectives.title", nil)}
	if len(progress) == 0 {
		lines = append(lines, prompts.Text(lang, "kpi.objectives.none", nil))
	}
	for _, pr := range progress {
		o := pr.Objective
		forecast := ""
		if pr.Status == kpi.OnTrack || pr.Status == kpi.AtRisk || pr.Status == kpi.OffTrack {
			forecast = prompts.Text(lang, "kpi.objective.forecast", map[string]string{"Forecast": targetAmount(lang, cur, o.Target, pr.Forecast)})
		}
		owner := ""
		if to == theTeam {
			owner = prompts.Text(lang, "kpi.owner.team", nil)
		}
		goal := targetAmount(lang, cur, o.Target, pr.Goal)
		if pr.Partial && pr.Goal != o.Value {
			goal += prompts.Text(lang, "kpi.objective.partial", map[string]string{
				"Since": prompts.Date(lang, o.Since), "Full": targetAmount(lang, cur, o.Target, o.Value),
			})
		}
		if a, ok := hidden[o.ID]; ok {
			lines = append(lines, prompts.Text(lang, "kpi.objective.line.toofew", map[string]any{
				"Code": o.ID, "Owner": owner, "Target": targetLabel(lang, o.Target), "Goal": goal,
				"Period": prompts.Text(lang, prompts.Key("kpi.periodname."+string(o.Period)), nil), "N": a.Contributors, "Min": a.Min,
			}))
			continue
		}
		if private(pr, hide) {
			lines = append(lines, prompts.Text(lang, "kpi.objective.line.private", map[string]string{
				"Emoji": statusEmoji[pr.Status], "Code": o.ID, "Owner": owner, "Target": targetLabel(lang, o.Target), "Goal": goal,
				"Period": prompts.Text(lang, prompts.Key("kpi.periodname."+string(o.Period)), nil), "Status": statusText(lang, pr),
			}))
			if pr.Alert {
				lines = append(lines, prompts.Text(lang, "kpi.objective.alert.private", map[string]string{"Action": Escape(o.Action)}))
			}
			continue
		}
		lines = append(lines, prompts.Text(lang, "kpi.objective.line", map[string]string{
			"Emoji": statusEmoji[pr.Status], "Code": o.ID, "Owner": owner, "Target": targetLabel(lang, o.Target),
			"Value": targetAmount(lang, cur, o.Target, pr.Value), "Goal": goal,
			"Period": prompts.Text(lang, prompts.Key("kpi.periodname."+string(o.Period)), nil),
			"Status": statusText(lang, pr), "Forecast": forecast,
		}))
		if pr.Status != kpi.Met && pr.Status != kpi.NotEnoughData {
			plan := ""
			if pr.Answers.AdjustPlan && pr.NeededPerDay > 0 {
				plan = prompts.Text(lang, "kpi.answers.plan", map[string]string{"PerDay": pace(lang, cur, o.Target, pr.NeededPerDay)})
			}
			// The resources answer speaks to one rep about their own pace;
			// a team view leaves it to the manager's conversations.
			resources := ""
			if to == theRep {
				resources = prompts.Text(lang, prompts.Key("kpi.resources."+string(pr.Answers.Resources)), nil)
			}
			lines = append(lines, prompts.Text(lang, "kpi.objective.answers", map[string]string{
				"Advice":    prompts.Text(lang, prompts.Key("kpi.advice."+string(pr.Answers.Advice)), nil),
				"Plan":      plan,
				"Resources": resources,
			}))
		}
		if pr.Alert {
			key := prompts.Key("kpi.objective.alert")
			if pr.AlertOnForecast {
				key = "kpi.objective.alert.forecast"
			}
			lines = append(lines, prompts.Text(lang, key, map[string]string{
				"Value": targetAmount(lang, cur, o.Target, pr.AlertValue), "Direction": prompts.Text(lang, prompts.Key("kpi.direction."+string(o.Direction)), nil),
				"Threshold": targetAmount(lang, cur, o.Target, o.Threshold), "Action": Escape(o.Action),
			}))
		}
	}
	return strings.Join(lines, "\n")
}

// statusText says where an objective stands; too few days logged says
// so, with the count, instead of "behind".
func statusText(lang prompts.Lang, pr kpi.Progress) string {
	if pr.FewLogged {
		return prompts.Text(lang, "kpi.status.few_logged", loggedData(pr))
	}
	return prompts.Text(lang, prompts.Key("kpi.status."+string(pr.Status)), nil)
}

// loggedData says how many days of how many the owner logged.
func loggedData(pr kpi.Progress) map[string]any {
	return map[string]any{"Logged": pr.LoggedDays, "Days": pr.ElapsedWorkingDays}
}

// signalText words a coaching signal with the catalog entry prefix+kind:
// "kpi.signal." asks the rep a question, "ritual.reason." tells the
// manager why in a few words.
func signalText(lang prompts.Lang, cur, prefix string, s kpi.Signal) string {
	data := map[string]string{"Count": strconv.Itoa(s.Count), "Objective": s.Objective}
	switch s.Kind {
	case kpi.SignalStageDrop:
		st, _ := kpi.StageByKey(s.Stage)
		data["Stage"], data["Value"], data["Reference"] = stageLabel(lang, st), pct(lang, s.Value), pct(lang, s.Reference)
	case kpi.SignalDealValueDrop:
		data["Value"], data["Reference"] = averageMoney(lang, cur, s.Value), averageMoney(lang, cur, s.Reference)
	}
	return prompts.Text(lang, prompts.Key(prefix+string(s.Kind)), data)
}

// privateSignalText is signalText for a reader who does not see the
// rep's raw activity counts: proposals without follow-up are said
// without their number.
func privateSignalText(lang prompts.Lang, cur, prefix string, s kpi.Signal, hide bool) string {
	if hide && s.Kind == kpi.SignalNoFollowup {
		return prompts.Text(lang, prompts.Key(prefix+string(s.Kind)+".private"), nil)
	}
	return signalText(lang, cur, prefix, s)
}

// targetLabel names what an objective measures.
func targetLabel(lang prompts.Lang, target string) string {
	if st, ok := kpi.StageByKey(target); ok {
		return stageLabel(lang, st)
	}
	if target == kpi.Overall.Key {
		return stageLabel(lang, kpi.Overall)
	}
	return prompts.MetricLabel(lang, kpi.Metric(target), 2)
}

// targetAmount shows a value in the objective's unit.
func targetAmount(lang prompts.Lang, cur, target string, v float64) string {
	switch {
	case target == string(kpi.Revenue):
		return prompts.Money(lang, int64(math.Round(v)), cur)
	case !kpi.Metric(target).Valid():
		return pct(lang, v)
	}
	return number(lang, math.Round(v*10)/10)
}

// averageMoney shows an average amount in cents in whole units: an
// average deal of "13 945 €", not "13 944,50 €".
func averageMoney(lang prompts.Lang, cur string, cents float64) string {
	return prompts.Money(lang, int64(math.Round(cents/100))*100, cur)
}

// pace shows what an objective needs a working day, with its unit and
// rounded as people say it: "2,7 rdv", "2.7 meetings", and money in whole
// units, to the ten above a thousand ("2 270 €", not "2 272,73 €").
func pace(lang prompts.Lang, cur, target string, v float64) string {
	switch m := kpi.Metric(target); {
	case m == kpi.Revenue:
		units := math.Ceil(v / 100)
		if units >= 1000 {
			units = math.Ceil(units/10) * 10
		}
		return prompts.Money(lang, int64(units)*100, cur)
	case m.Valid():
		r := math.Round(v*10) / 10
		n := int(r)
		if r != math.Trunc(r) && lang == prompts.English {
			n = 2 // "1.5 meetings"
		}
		return number(lang, r) + " " + prompts.MetricLabel(lang, m, n)
	}
	return targetAmount(lang, cur, target, v)
}

func ownerLabel(lang prompts.Lang, owner, self string) string {
	switch owner {
	case kpi.TeamOwner:
		return prompts.Text(lang, "kpi.owner.team", nil)
	case self:
		return ""
	}
	return prompts.Text(lang, "kpi.owner.user", map[string]string{"User": Mention(owner)})
}

func pct(lang prompts.Lang, v float64) string { return prompts.Percent(lang, v) }

func number(lang prompts.Lang, v float64) string { return prompts.Number(lang, v) }
