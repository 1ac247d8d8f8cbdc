package bot_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/deliver"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// weeksOf is 12 weeks of team totals ending on the week of last: calls,
// leads, meetings, proposals and signatures growing a little each week;
// gap leaves the leads of one week below what a rate needs.
func weeksOf(t *testing.T, last kpi.Date, gap int) []views.ChartWeek {
	t.Helper()
	var out []views.ChartWeek
	for i := range 12 {
		start := last.AddDays(-7 * (11 - i))
		counts := map[kpi.Metric]int{"calls": 200 + 10*i, "leads": 60 + 2*i, "meetings": 20 + i, "proposals": 10 + i/2, "signatures": 3 + i/4}
		if i == gap {
			counts = map[kpi.Metric]int{"calls": 4}
		}
		out = append(out, views.ChartWeek{Start: start, Totals: kpi.Totals{Counts: counts}})
	}
	return out
}

// checkNative holds the native chart blocks to Slack's reference limits:
// at most 2 charts, each valid (title 50, 20 categories, 6 series, labels
// of 20), each followed by a non-empty text equivalent.
func checkNative(t *testing.T, blocks []slack.Block) {
	t.Helper()
	charts := 0
	for i, b := range blocks {
		v, ok := b.(*slack.DataVisualizationBlock)
		if !ok {
			continue
		}
		charts++
		if err := v.Validate(); err != nil {
			t.Errorf("chart %q: %v", v.Title, err)
		}
		if utf8.RuneCountInString(v.Title) > views.MaxNativeTitle {
			t.Errorf("title %q longer than %d", v.Title, views.MaxNativeTitle)
		}
		alt, ok := blocks[i+1].(*slack.ContextBlock)
		if !ok || len(alt.ContextElements.Elements) != 1 || alt.ContextElements.Elements[0].(*slack.TextBlockObject).Text == "" {
			t.Errorf("chart %q has no text equivalent after it", v.Title)
		}
	}
	if charts > views.MaxNativeCharts {
		t.Errorf("%d charts, Slack allows %d", charts, views.MaxNativeCharts)
	}
	msg := slack.Msg{Text: "digest", Blocks: slack.Blocks{BlockSet: blocks}}
	if err := deliver.CheckBlockKitLimits(msg); err != nil {
		t.Error(err)
	}
}

func TestDigestNativeChartsGolden(t *testing.T) {
	last := kpi.Date{Year: 2026, Month: 11, Day: 23}
	for _, lang := range []prompts.Lang{prompts.English, prompts.French} {
		weeks := weeksOf(t, last, -1)
		blocks, trend := views.DigestNativeCharts(lang, weeks[11].Totals, weeks, views.PeriodLabel(lang, kpi.PeriodOf(kpi.Week, last)), views.DigestTrendTitle(lang))
		if !trend || len(blocks) != 4 {
			t.Fatalf("%s: %d blocks, trend %v; want the funnel and the trend with their texts", lang, len(blocks), trend)
		}
		checkNative(t, blocks)
		golden(t, "digest_native_charts_"+string(lang), slack.Msg{Text: views.DigestTrendTitle(lang), Blocks: slack.Blocks{BlockSet: blocks}})
	}
}

func TestDigestNativeTrendLeavesGapsOut(t *testing.T) {
	last := kpi.Date{Year: 2026, Month: 11, Day: 23}
	// A gap three weeks back: the native trend covers the two weeks since.
	weeks := weeksOf(t, last, 9)
	long := strings.Repeat("Tendance des douze dernières semaines ", 3)
	blocks, trend := views.DigestNativeCharts(prompts.French, weeks[11].Totals, weeks, long, long)
	if !trend {
		t.Fatal("no native trend over the two known weeks")
	}
	checkNative(t, blocks)
	line := blocks[2].(*slack.DataVisualizationBlock).Chart.(*slack.DataVisualizationLineChart)
	if n := len(line.AxisConfig.Categories); n != 2 {
		t.Errorf("%d weeks drawn, want the 2 after the gap", n)
	}
	// The last week alone known: no native trend, the PNG stands in.
	weeks = weeksOf(t, last, 10)
	if _, trend := views.DigestNativeCharts(prompts.English, weeks[11].Totals, weeks, "Funnel", "Trend"); trend {
		t.Error("a native trend of a single week")
	}
}
