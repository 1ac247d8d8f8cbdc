package views

import (
	"math"
	"strconv"
	"strings"

	gacharts "github.com/go-analyze/charts"
	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// Slack's limits on its native chart blocks (data_visualization): at most
// two a message, a title of 50 characters, 20 categories, 6 series, and
// 20 characters for a category, a series name or a label.
const (
	MaxNativeCharts      = 2
	MaxNativeTitle       = 50
	MaxNativeCategories  = 20
	MaxNativeSeries      = 6
	MaxNativeLabel       = 20
	nativeFunnelBlockID  = "kpibot_funnel"
	nativeTrendBlockID   = "kpibot_trend"
	nativeAltBlockSuffix = "_text"
)

// DigestNativeCharts is the digest's funnel (a bar per stage count) and
// its trend (a line per rate, one point a week) as Slack's own chart
// blocks, each followed by its text equivalent in a context block, for
// notifications and screen readers. Slack draws a line through every
// category, so the native trend covers the latest weeks in which some rate
// is known every week (at least two), leaving out, and saying so, the
// rates with a gap there; trend is false when no such weeks exist, and the
// PNG trend must stand in. Everything is cut to Slack's limits.
func DigestNativeCharts(lang prompts.Lang, t kpi.Totals, weeks []ChartWeek, funnelTitle, trendTitle string) (blocks []slack.Block, trend bool) {
	blocks = funnelNative(lang, t, funnelTitle)
	tr := trendNative(lang, weeks, trendTitle)
	return append(blocks, tr...), len(tr) > 0
}

// knownRun is how many of the latest points of values are all known.
func knownRun(values []float64) int {
	n := 0
	for i := len(values) - 1; i >= 0 && !isNull(values[i]); i-- {
		n++
	}
	return n
}

func funnelNative(lang prompts.Lang, t kpi.Totals, title string) []slack.Block {
	metrics := funnelMetrics()
	categories := make([]string, len(metrics))
	points := make([]slack.DataVisualizationDataPoint, len(metrics))
	alt := make([]string, len(metrics))
	for i, m := range metrics {
		n := t.Counts[m]
		categories[i] = cut(capitalize(prompts.MetricLabel(lang, m, 2)), MaxNativeLabel)
		points[i] = slack.NewDataVisualizationDataPoint(categories[i], float64(n))
		alt[i] = prompts.MetricLabel(lang, m, n) + " " + strconv.Itoa(n)
	}
	series := slack.NewDataVisualizationDataSeries(cut(phrase(lang, "native.count"), MaxNativeLabel), points...)
	chart := slack.NewDataVisualizationBarChart(slack.NewDataVisualizationAxisConfig(categories...), series)
	return []slack.Block{
		slack.NewDataVisualizationBlock(cut(title, MaxNativeTitle), chart, slack.DataVisualizationBlockOptionBlockID(nativeFunnelBlockID)),
		nativeAlt(nativeFunnelBlockID, prompts.Text(lang, "chart.native.funnel.alt", map[string]string{"Counts": strings.Join(alt, " · ")})),
	}
}

func trendNative(lang prompts.Lang, weeks []ChartWeek, title string) []slack.Block {
	d := trendData(lang, lastWeeks(weeks))
	// The weeks drawn: the longest run of latest weeks a rate is known in.
	run := 0
	for _, v := range d.values {
		run = max(run, knownRun(v))
	}
	run = min(run, MaxNativeCategories)
	if run < 2 {
		return nil
	}
	first := len(d.labels) - run
	categories := make([]string, 0, run)
	for _, l := range d.labels[first:] {
		categories = append(categories, cut(l, MaxNativeLabel))
	}
	var series []slack.DataVisualizationDataSeries
	var alt, left []string
	for s, name := range d.names {
		values := d.values[s][first:]
		complete := true
		for _, v := range values {
			if isNull(v) {
				complete = false
			}
		}
		if !complete {
			left = append(left, name)
			continue
		}
		if len(series) == MaxNativeSeries {
			break
		}
		points := make([]slack.DataVisualizationDataPoint, len(values))
		for i, v := range values {
			points[i] = slack.NewDataVisualizationDataPoint(categories[i], math.Round(v*10)/10)
		}
		series = append(series, slack.NewDataVisualizationDataSeries(cut(name, MaxNativeLabel), points...))
		alt = append(alt, prompts.Text(lang, "chart.native.trend.line", map[string]any{
			"Stage": name, "From": pct(lang, values[0]/100), "To": pct(lang, values[len(values)-1]/100), "Weeks": len(values),
		}))
	}
	if len(series) == 0 {
		return nil
	}
	if len(left) > 0 {
		alt = append(alt, prompts.Text(lang, "chart.native.trend.left", map[string]string{"Stages": strings.Join(left, ", ")}))
	}
	chart := slack.NewDataVisualizationLineChart(slack.NewDataVisualizationAxisConfig(categories...), series...)
	return []slack.Block{
		slack.NewDataVisualizationBlock(cut(title, MaxNativeTitle), chart, slack.DataVisualizationBlockOptionBlockID(nativeTrendBlockID)),
		nativeAlt(nativeTrendBlockID, strings.Join(alt, "\n")),
	}
}

// nativeAlt is a chart's text equivalent, a context block that names the
// chart's block in its own ID so the fallback can drop both together.
func nativeAlt(chartID, text string) slack.Block {
	b := Context(text)
	b.BlockID = chartID + nativeAltBlockSuffix
	return b
}

// WithoutNativeCharts returns msg without its native chart blocks and
// their text equivalents: what is sent again when Slack refuses them.
func WithoutNativeCharts(msg slack.Msg) (slack.Msg, bool) {
	var kept []slack.Block
	dropped := false
	for _, b := range msg.Blocks.BlockSet {
		id := b.ID()
		if b.BlockType() == slack.MBTDataVisualization || b.BlockType() == slack.MBTDataTable || strings.HasSuffix(id, nativeAltBlockSuffix) && strings.HasPrefix(id, "kpibot_") {
			dropped = true
			continue
		}
		kept = append(kept, b)
	}
	msg.Blocks = slack.Blocks{BlockSet: kept}
	return msg, dropped
}

// isNull reports the chart library's null value, a rate lacking data.
func isNull(v float64) bool { return v == gacharts.GetNullValue() }
