// Digest charts.
//
// The digest's images render with github.com/go-analyze/charts, which is pure Go (freetype
// and x/image, no cgo) and embeds its fonts: Roboto by default, with Noto
// Sans as the fallback for the characters Roboto lacks, such as "→". Charts
// render the same in a CGO_ENABLED=0 binary, offline, with no font
// installed.
//
// Rates follow the rest of the bot: a rate whose denominator has fewer than
// kpi.DefaultMinEvents events is "not enough data", never 0%. The funnel
// labels such a stage "n/d" ("n/a"); the trend leaves a gap in that line
// (see TrendChart).

package views

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	gacharts "github.com/go-analyze/charts"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// Image sizes, in pixels.
const (
	FunnelWidth  = 800
	FunnelHeight = 480
	TrendWidth   = 900
	TrendHeight  = 480
)

// MaxChartWeeks is how many weeks Trend draws at most.
const MaxChartWeeks = 12

// ChartWeek is one point of the trend: the week's Monday and its totals.
type ChartWeek struct {
	Start  kpi.Date
	Totals kpi.Totals
}

// trendStages are the rates Trend draws, in legend order.
var trendStages = []kpi.Stage{
	mustStage("calls_leads"), mustStage("leads_meetings"), mustStage("proposals_signatures"),
}

// mustStage looks a stage up by key; a missing key is a programming error
// that any test of this package catches at start-up.
func mustStage(key string) kpi.Stage {
	s, ok := kpi.StageByKey(key)
	if !ok {
		panic("charts: unknown stage " + key)
	}
	return s
}

// FunnelChart draws the team funnel for a period: one bar per stage count
// (calls, leads, meetings, proposals, signatures), each bar after the first
// labelled with its count and the conversion rate from the stage before,
// plus the source 003 benchmark where there is one. The subtitle gives the
// overall calls→signatures rate. Labels are in lang. All-zero totals render
// the empty funnel with a "no activity" subtitle. The image is 800×480.
func FunnelChart(lang prompts.Lang, t kpi.Totals, title string) ([]byte, error) {
	metrics := funnelMetrics()
	rates := kpi.Funnel(t, kpi.DefaultMinEvents) // the four Stages, then Overall
	labels := make([]string, len(metrics))
	series := make(gacharts.BarSeriesList, len(metrics))
	total := 0
	for _, m := range metrics {
		total += t.Counts[m]
	}
	anyNoData := false
	for i, m := range metrics {
		n := t.Counts[m]
		labels[i] = capitalize(prompts.MetricLabel(lang, m, 2))
		text := strconv.Itoa(n)
		if i > 0 && total > 0 {
			r := rates[i-1]
			if r.Enough {
				text += "\n" + pct(lang, r.Value)
			} else {
				text += "\n" + prompts.Text(lang, "kpi.nodata", nil)
				anyNoData = true
			}
			if b := r.Stage.Benchmark; b > 0 {
				text += "\n" + phrase(lang, "bench") + " " + pct(lang, b)
			}
		}
		// One series per stage, null everywhere but its own category, and
		// stacked so that each bar takes the whole slot. That gives every
		// stage its own colour and, above all, its own label: the library
		// passes label formatters the series index, not the point index.
		values := make([]float64, len(metrics))
		for j := range values {
			values[j] = gacharts.GetNullValue()
		}
		values[i] = float64(n)
		series[i] = gacharts.BarSeries{
			Values: values,
			Name:   labels[i],
			Label: gacharts.SeriesLabel{
				Show:           gacharts.Ptr(true),
				ValueFormatter: func(float64) string { return text },
				FontStyle:      gacharts.FontStyle{FontSize: 12, FontColor: textColor},
			},
		}
	}

	opt := gacharts.NewBarChartOptionWithSeries(series)
	opt.Title = titleOption(title, funnelSubtitle(lang, rates[len(rates)-1], total, anyNoData))
	opt.Legend.Show = gacharts.Ptr(false)
	opt.StackSeries = gacharts.Ptr(true)
	opt.BarSize = 0.6
	opt.CategoryAxis.Labels = labels
	opt.CategoryAxis.LabelFontStyle = gacharts.FontStyle{FontSize: 13, FontColor: textColor}
	opt.Padding = gacharts.Box{Top: 20, Left: 20, Right: 30, Bottom: 15}
	axis := gacharts.ValueAxisOption{
		Min:            gacharts.Ptr(0.0),
		ValueFormatter: func(f float64) string { return axisNumber(lang, f) },
		// Headroom for the three label lines above the tallest bar.
		RangeValuePaddingScale: gacharts.Ptr(2.5),
	}
	if total == 0 {
		axis.Max = gacharts.Ptr(10.0) // a flat axis has no scale to draw
		axis.LabelCount = 6
	}
	opt.ValueAxis = []gacharts.ValueAxisOption{axis}

	p := newPainter(FunnelWidth, FunnelHeight)
	if err := p.BarChart(opt); err != nil {
		return nil, fmt.Errorf("charts: funnel: %w", err)
	}
	buf, err := p.Bytes()
	if err != nil {
		return nil, fmt.Errorf("charts: funnel: encode: %w", err)
	}
	return buf, nil
}

// TrendChart draws up to MaxChartWeeks weeks of the calls→leads, leads→meetings and
// proposals→signatures rates as lines, in percent, one point per week
// labelled with the date of its Monday (prompts.Date).
//
// Weeks are drawn in date order whatever the order given; with more than
// MaxChartWeeks, the most recent MaxChartWeeks are kept.
//
// Gaps: a week where a rate lacks data (Rate.Enough false under
// kpi.DefaultMinEvents) is a null point, which the library draws as a break
// in that line, not as 0%: a week with 3 calls and no lead has not
// converted at 0%, it is unknown. When any point is missing, the subtitle
// says what a break means. An isolated known week between two gaps still
// shows as a dot. With no weeks at all, or no rate with enough data in any
// week, the chart keeps its title, legend and axes and shows the library's
// empty-set mark with a "no data" subtitle. The image is 900×480.
func TrendChart(lang prompts.Lang, weeks []ChartWeek, title string) ([]byte, error) {
	d := trendData(lang, weeks)

	var sub string
	switch {
	case d.known == 0:
		sub = phrase(lang, "trend.nodata")
	case d.gaps > 0:
		sub = phrase(lang, "trend.gap")
	}

	var opt gacharts.LineChartOption
	if d.known == 0 {
		// No series: the library draws its empty-set mark. The legend is
		// kept so that the reader still sees which rates the chart is for.
		opt = gacharts.NewLineChartOptionWithData(nil)
		opt.Legend.SeriesNames = d.names
	} else {
		opt = gacharts.NewLineChartOptionWithSeries(gacharts.NewSeriesListLine(d.values,
			gacharts.LineSeriesOption{Names: d.names}))
	}
	opt.Title = titleOption(title, sub)
	// At the bottom, the legend cannot run into a long subtitle.
	opt.Legend.Offset = gacharts.OffsetStr{Left: gacharts.PositionCenter, Top: gacharts.PositionBottom}
	opt.Legend.FontStyle = gacharts.FontStyle{FontSize: 12, FontColor: textColor}
	opt.Symbol = gacharts.Symbol{Shape: gacharts.SymbolCircle, Size: 3}
	opt.LineStrokeWidth = 2.5
	opt.XAxis.Labels = d.labels
	opt.XAxis.BoundaryGap = gacharts.Ptr(true)
	opt.XAxis.LabelCount = len(d.labels) // every week, none skipped
	opt.XAxis.LabelFontStyle = gacharts.FontStyle{FontSize: 10.5, FontColor: textColor}
	if len(d.labels) > 8 { // 12 French dates do not fit side by side
		opt.XAxis.LabelRotation = gacharts.DegreesToRadians(30)
	}
	opt.Padding = gacharts.Box{Top: 20, Left: 20, Right: 30, Bottom: 15}
	axis := gacharts.YAxisOption{
		Min:            gacharts.Ptr(0.0),
		ValueFormatter: func(f float64) string { return axisNumber(lang, f) + percentSign(lang) },
	}
	if d.top == 0 {
		// Nothing known, or only 0% weeks: a flat axis has no scale.
		axis.Max = gacharts.Ptr(100.0)
		axis.LabelCount = 6
	}
	opt.YAxis = []gacharts.YAxisOption{axis}

	p := newPainter(TrendWidth, TrendHeight)
	if err := p.LineChart(opt); err != nil {
		return nil, fmt.Errorf("charts: trend: %w", err)
	}
	buf, err := p.Bytes()
	if err != nil {
		return nil, fmt.Errorf("charts: trend: encode: %w", err)
	}
	return buf, nil
}

// textColor is the dark grey of the labels, readable on the white
// background and on no bar (labels sit above the bars).
var textColor = gacharts.Color{R: 70, G: 70, B: 70, A: 255}

func newPainter(w, h int) *gacharts.Painter {
	return gacharts.NewPainter(gacharts.PainterOptions{
		OutputFormat: gacharts.ChartOutputPNG,
		Width:        w,
		Height:       h,
		Theme:        gacharts.GetTheme(gacharts.ThemeLight),
	})
}

func titleOption(title, sub string) gacharts.TitleOption {
	return gacharts.TitleOption{
		Text:             title,
		Subtext:          sub,
		FontStyle:        gacharts.FontStyle{FontSize: 16, FontColor: gacharts.Color{R: 30, G: 30, B: 30, A: 255}},
		SubtextFontStyle: gacharts.FontStyle{FontSize: 11, FontColor: textColor},
	}
}

// funnelSubtitle gives the overall rate, or says there was no activity, and
// explains "n/d" when a stage shows it.
func funnelSubtitle(lang prompts.Lang, overall kpi.Rate, total int, anyNoData bool) string {
	if total == 0 {
		return phrase(lang, "funnel.empty")
	}
	value := prompts.Text(lang, "kpi.nodata", nil)
	if overall.Enough {
		value = pct(lang, overall.Value)
	}
	sub := stageLabel(lang, overall.Stage) + colon(lang) + value
	if b := overall.Stage.Benchmark; b > 0 {
		sub += " (" + phrase(lang, "bench") + " " + pct(lang, b) + ")"
	}
	if anyNoData || !overall.Enough {
		sub += " · " + prompts.Text(lang, "kpi.nodata", nil) + colon(lang) + phrase(lang, "funnel.nodata")
	}
	return sub
}

// trend is what Trend draws: one value per rate and week, in percent, or
// the library's null value where the rate lacks data.
type trend struct {
	names  []string    // one per trendStages
	labels []string    // one per week
	values [][]float64 // [stage][week]
	known  int         // points with a value
	gaps   int         // null points
	top    float64     // highest value, 0 when none
}

func trendData(lang prompts.Lang, weeks []ChartWeek) trend {
	weeks = lastWeeks(weeks)
	d := trend{
		names:  make([]string, len(trendStages)),
		labels: make([]string, len(weeks)),
		values: make([][]float64, len(trendStages)),
	}
	for i, w := range weeks {
		d.labels[i] = prompts.Date(lang, w.Start)
	}
	for s, st := range trendStages {
		d.names[s] = stageLabel(lang, st)
		d.values[s] = make([]float64, len(weeks))
		for i, w := range weeks {
			r := kpi.RateOf(w.Totals, st, kpi.DefaultMinEvents)
			if !r.Enough {
				d.values[s][i] = gacharts.GetNullValue()
				d.gaps++
				continue
			}
			v := r.Value * 100
			d.values[s][i] = v
			d.top = max(d.top, v)
			d.known++
		}
	}
	return d
}

// funnelMetrics lists the funnel's metrics in order, read off kpi.Stages so
// that the chart follows the funnel if it ever changes.
func funnelMetrics() []kpi.Metric {
	out := []kpi.Metric{kpi.Stages[0].From}
	for _, s := range kpi.Stages {
		out = append(out, s.To)
	}
	return out
}

// lastWeeks sorts a copy of weeks by date and keeps the last MaxChartWeeks.
func lastWeeks(weeks []ChartWeek) []ChartWeek {
	out := slices.Clone(weeks)
	slices.SortStableFunc(out, func(a, b ChartWeek) int {
		switch {
		case a.Start.Before(b.Start):
			return -1
		case b.Start.Before(a.Start):
			return 1
		}
		return 0
	})
	if len(out) > MaxChartWeeks {
		out = out[len(out)-MaxChartWeeks:]
	}
	return out
}

func percentSign(lang prompts.Lang) string {
	if lang == prompts.English {
		return "%"
	}
	return "\u202f%"
}

// axisNumber writes an axis value with at most one decimal.
func axisNumber(lang prompts.Lang, v float64) string {
	return prompts.Number(lang, math.Round(v*10)/10)
}

func colon(lang prompts.Lang) string {
	if lang == prompts.English {
		return ": "
	}
	return "\u00a0: "
}

// phrase returns a chart text from the prompts catalog.
func phrase(lang prompts.Lang, key string) string {
	return prompts.Text(lang, prompts.Key("chart."+key), map[string]int{"Min": kpi.DefaultMinEvents})
}
