package views

import (
	"math"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// Actions of App Home.
const (
	// ActionCommitmentDone marks the rep's commitment, its code the
	// button's value, done.
	ActionCommitmentDone = "commitment_done"
	// HomeCallback names kpibot's Home tab view.
	HomeCallback = "home"
)

// MaxHomeBlocks is Slack's limit of blocks in a Home tab.
const MaxHomeBlocks = 100

// HomeEntries is how many of the rep's last check-ins App Home shows.
const HomeEntries = 5

// HomeData is one person's App Home: their own figures, this week's
// against their trend, this month's so far, their objectives; their last
// check-ins and open commitments; and, for a manager, the team section
// /kpi team shows them.
type HomeData struct {
	Week, Month Figures
	Signals     []kpi.Signal
	Entries     []StoredEntry // the last HomeEntries, newest first
	Commitments []Commitment  // open ones, and those done in the last week
	Today       kpi.Date
	// Team is the team section of a manager, nil for anyone else.
	Team *TeamData
}

// Home renders the Home tab, within MaxHomeBlocks whatever the data: the
// team section gives way first, then nothing else has to.
func Home(lang prompts.Lang, d HomeData) slack.HomeTabViewRequest {
	text := func(key prompts.Key) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, prompts.Text(lang, key, nil), true, false)
	}
	log := slack.NewButtonBlockElement(ActionCheckInOpen, "home", text("home.log")).WithStyle(slack.StylePrimary)
	settings := slack.NewButtonBlockElement(ActionSettingsOpen, "home", text("home.settings"))
	plan := slack.NewButtonBlockElement(ActionPlanOpen, "home", text("home.plan"))
	blocks := []slack.Block{
		slack.NewHeaderBlock(text("home.title")),
		slack.NewActionBlock("home_actions", log, plan, settings),
		Section(prompts.Text(lang, "home.week", map[string]string{"From": prompts.Date(lang, d.Week.Period.Start)}) + "\n" + totalsText(lang, d.Week.Currency, d.Week.Cur, false)),
		Section(prompts.Text(lang, "home.month", map[string]string{"Period": periodLabel(lang, d.Month.Period)}) + "\n" + totalsText(lang, d.Month.Currency, d.Month.Cur, false)),
	}
	// The rates as a native chart, with the funnel's text as its text
	// equivalent right after it.
	blocks = append(blocks, homeFunnelNative(lang, d.Week.Cur, d.Week.Trail)...)
	blocks = append(blocks,
		Section(funnelText(lang, d.Week.Cur, &d.Week.Trail, false)),
		Context(healthText(lang, d.Week.Currency, d.Week.Cur)),
		Section(objectivesText(lang, d.Week.Currency, d.Week.Progress, theRep, false, d.Week.Hidden)),
	)
	if len(d.Signals) > 0 {
		blocks = append(blocks, Section(prompts.Text(lang, "kpi.signal.title", nil)+"\n"+signalText(lang, d.Week.Currency, "kpi.signal.", d.Signals[0])))
	}

	blocks = append(blocks, slack.NewDividerBlock(), Section(prompts.Text(lang, "home.entries", nil)))
	if len(d.Entries) == 0 {
		blocks = append(blocks, Context(prompts.Text(lang, "home.entries.none", nil)))
	}
	for _, e := range d.Entries[:min(len(d.Entries), HomeEntries)] {
		blocks = append(blocks, Section(entryLine(lang, e, d.Today)+"\n"+prompts.Text(lang, "log.entries.raw", map[string]string{"Raw": Escape(shorten(e.Raw, 300))})), entryButtons(lang, e))
	}

	if len(d.Commitments) > 0 {
		blocks = append(blocks, slack.NewDividerBlock(), Section(prompts.Text(lang, "kpi.me.commitments", nil)))
		for _, c := range d.Commitments[max(0, len(d.Commitments)-10):] {
			line := Section(commitmentLine(lang, c))
			if !c.Done && c.Code != "" {
				line.Accessory = slack.NewAccessory(slack.NewButtonBlockElement(ActionCommitmentDone, c.Code, text("home.commitment.done")))
			}
			blocks = append(blocks, line)
		}
	}

	if d.Team != nil {
		team := Team(lang, *d.Team).Blocks.BlockSet
		unjudged := homeUnjudged(lang, d.Team.Unjudged)
		room := MaxHomeBlocks - len(blocks) - 2 - len(unjudged) // the divider, and a last word if cut
		if len(team) > room {
			team = append(team[:max(0, room)], Context(prompts.Text(lang, "home.team.more", nil)))
		}
		blocks = append(blocks, slack.NewDividerBlock())
		blocks = append(blocks, team...)
		blocks = append(blocks, unjudged...)
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: HomeCallback, Blocks: slack.Blocks{BlockSet: blocks}}
}

// homeMaxUnjudged is how many objectives too little logged to judge a
// manager's App Home lists; the rest are counted, pointing to /kpi goal
// list. Ten lines fit one section.
const homeMaxUnjudged = 10

// homeUnjudged is the team section's list of objectives whose owner logged
// on too few days to be judged, as the digest words them, under a neutral
// heading that says why: none when there are none.
func homeUnjudged(lang prompts.Lang, unjudged []kpi.Progress) []slack.Block {
	if len(unjudged) == 0 {
		return nil
	}
	blocks := list(prompts.Text(lang, "home.team.unjudged.title", nil), unjudgedLines(lang, unjudged), homeMaxUnjudged, moreText(lang, "home.team.unjudged.more"))
	return append(blocks, Context(prompts.Text(lang, "home.team.unjudged.why", nil)))
}

// HomeMsg is the Home tab as a message, for the console and `/kpi home`:
// a message holds fewer blocks than a tab, so the tail gives way.
func HomeMsg(lang prompts.Lang, v slack.HomeTabViewRequest) slack.Msg {
	blocks := v.Blocks.BlockSet
	if len(blocks) > MaxBlocks {
		blocks = append(blocks[:MaxBlocks-1:MaxBlocks-1], Context(prompts.Text(lang, "home.team.more", nil)))
	}
	return Ephemeral(prompts.Text(lang, "home.title", nil), blocks...)
}

// nativeHomeBlockID names App Home's funnel chart.
const nativeHomeBlockID = "kpibot_home_funnel"

// homeFunnelNative is the rep's conversion rates as a native bar chart:
// this week's, the 4 weeks before's and the benchmark's, stage by stage,
// for the stages with enough data this week; the funnel's text after it
// is its text equivalent. None when no stage has enough data.
func homeFunnelNative(lang prompts.Lang, cur, trail kpi.Totals) []slack.Block {
	now, before := kpi.Funnel(cur, kpi.DefaultMinEvents), kpi.Funnel(trail, kpi.DefaultMinEvents)
	var categories []string
	var week, prev, bench []slack.DataVisualizationDataPoint
	withPrev, withBench := true, true
	for i, r := range now[:len(kpi.Stages)] {
		if !r.Enough {
			continue
		}
		c := cut(stageLabel(lang, r.Stage), MaxNativeLabel)
		categories = append(categories, c)
		week = append(week, slack.NewDataVisualizationDataPoint(c, math.Round(r.Value*1000)/10))
		withPrev = withPrev && before[i].Enough
		prev = append(prev, slack.NewDataVisualizationDataPoint(c, math.Round(before[i].Value*1000)/10))
		withBench = withBench && r.Stage.Benchmark > 0
		bench = append(bench, slack.NewDataVisualizationDataPoint(c, math.Round(r.Stage.Benchmark*1000)/10))
	}
	if len(categories) == 0 {
		return nil
	}
	series := []slack.DataVisualizationDataSeries{slack.NewDataVisualizationDataSeries(cut(prompts.Text(lang, "home.chart.week", nil), MaxNativeLabel), week...)}
	if withPrev {
		series = append(series, slack.NewDataVisualizationDataSeries(cut(prompts.Text(lang, "home.chart.trend", nil), MaxNativeLabel), prev...))
	}
	if withBench {
		series = append(series, slack.NewDataVisualizationDataSeries(cut(prompts.Text(lang, "home.chart.bench", nil), MaxNativeLabel), bench...))
	}
	chart := slack.NewDataVisualizationBarChart(slack.NewDataVisualizationAxisConfig(categories...), series...)
	return []slack.Block{slack.NewDataVisualizationBlock(cut(prompts.Text(lang, "home.chart.title", nil), MaxNativeTitle), chart, slack.DataVisualizationBlockOptionBlockID(nativeHomeBlockID))}
}

// HomeWithoutNativeCharts is v without its native chart, for a Slack that
// refuses it: the funnel's text stays.
func HomeWithoutNativeCharts(v slack.HomeTabViewRequest) (slack.HomeTabViewRequest, bool) {
	msg, dropped := WithoutNativeCharts(slack.Msg{Blocks: v.Blocks})
	v.Blocks = msg.Blocks
	return v, dropped
}
