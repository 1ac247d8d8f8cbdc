package views

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

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

// Slack's limits on its data_table block: a header row and 1 to 100 rows,
// 1 to 20 columns, every row as wide as the header, 1 to 100 rows a page,
// and 10,000 characters across all cells, of one table and of all of a
// message's tables together.
const (
	MaxTableRows    = 100
	MaxTableColumns = 20
	MaxTableChars   = 10000
	maxTablePage    = 100
	// tablePage is how many reps a page of the per-rep table shows.
	tablePage          = 10
	nativeRatesBlockID = "kpibot_rep_rates"
)

// repRatesTable is rows as Slack's own table: a rep a row, a column for
// each stage's rate and one for the days logged; exactly what the text
// lines of repRateBlocks say, which stay after it as its text equivalent.
// It holds the first rows, at most MaxTableRows and as many as fit in
// MaxTableChars; shown is how many.
func repRatesTable(lang prompts.Lang, rows []RepRate, caption string) (table *slack.DataTableBlock, shown int) {
	table = slack.NewDataTableBlock(caption, slack.DataTableBlockOptionBlockID(nativeRatesBlockID)).WithPageSize(tablePage)
	header := []slack.DataTableCell{slack.NewDataTableRawTextCell(phrase(lang, "native.rates.rep"))}
	for _, st := range kpi.Stages {
		header = append(header, slack.NewDataTableRawTextCell(stageLabel(lang, st)))
	}
	header = append(header, slack.NewDataTableRawTextCell(phrase(lang, "native.rates.logged")))
	table.AddRow(header...)
	chars := DataTableChars(table)
	for _, r := range rows[:min(len(rows), MaxTableRows)] {
		row := []slack.DataTableCell{repCell(r.Rep)}
		for _, rate := range r.Rates {
			v := prompts.Text(lang, "kpi.nodata", nil)
			if rate.Enough {
				v = pct(lang, rate.Value)
			}
			row = append(row, slack.NewDataTableRawTextCell(v))
		}
		// Text, not raw_number: Slack sorts a column of numbers
		// numerically, which would rank the reps by how often they log.
		row = append(row, slack.NewDataTableRawTextCell(strconv.Itoa(r.Logged)))
		n := rowChars(row)
		if chars+n > MaxTableChars {
			break
		}
		table.AddRow(row...)
		chars += n
		shown++
	}
	return table, shown
}

// repCell names a rep as Slack does, by their user ID, which it shows as
// their name; the console's people have no ID and show as typed.
func repCell(rep string) slack.DataTableCell {
	if strings.HasPrefix(rep, ConsolePrefix) {
		return slack.NewDataTableRawTextCell(Mention(rep))
	}
	return slack.NewDataTableRichTextCell(slack.NewRichTextSection(slack.NewRichTextSectionUserElement(rep, nil)))
}

// DataTableChars is the characters of a data_table's cells, as Slack
// counts them against MaxTableChars: a number cell counts as written, a
// mention as its user ID.
func DataTableChars(t *slack.DataTableBlock) int {
	n := 0
	for _, row := range t.Rows {
		n += rowChars(row)
	}
	return n
}

func rowChars(row []slack.DataTableCell) int {
	n := 0
	for _, c := range row {
		switch c := c.(type) {
		case *slack.DataTableRawTextCell:
			n += utf8.RuneCountInString(c.Text)
		case *slack.DataTableRawNumberCell:
			if c.Text != "" {
				n += utf8.RuneCountInString(c.Text)
			} else {
				n += len(strconv.FormatFloat(c.Value, 'f', -1, 64))
			}
		case *slack.DataTableRichTextCell:
			for _, e := range c.Elements {
				if s, ok := e.(*slack.RichTextSection); ok {
					for _, el := range s.Elements {
						switch el := el.(type) {
						case *slack.RichTextSectionTextElement:
							n += utf8.RuneCountInString(el.Text)
						case *slack.RichTextSectionUserElement:
							n += len(el.UserID)
						}
					}
				}
			}
		}
	}
	return n
}

// CheckDataTable returns why Slack would refuse t, nil if it would not:
// a caption, a header row of raw text and 1 to MaxTableRows rows, 1 to
// MaxTableColumns columns in every row, no empty text, a page size and a
// row header column in range, and at most MaxTableChars characters.
func CheckDataTable(t *slack.DataTableBlock) error {
	var problems []error
	add := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }
	if t.Caption == "" {
		add("data_table: no caption")
	}
	if n := len(t.Rows); n < 2 || n > MaxTableRows+1 {
		add("data_table: %d rows with the header, Slack takes 2 to %d", n, MaxTableRows+1)
	}
	if t.PageSize < 0 || t.PageSize > maxTablePage {
		add("data_table: page_size %d, Slack takes 1 to %d", t.PageSize, maxTablePage)
	}
	for i, row := range t.Rows {
		if n := len(row); n < 1 || n > MaxTableColumns {
			add("data_table: row %d has %d cells, Slack takes 1 to %d", i, n, MaxTableColumns)
		}
		if len(row) != len(t.Rows[0]) {
			add("data_table: row %d has %d cells, the header %d", i, len(row), len(t.Rows[0]))
		}
		for j, c := range row {
			switch c := c.(type) {
			case *slack.DataTableRawTextCell:
				if c.Text == "" {
					add("data_table: empty text in row %d, cell %d", i, j)
				}
			case *slack.DataTableRichTextCell:
				if i == 0 {
					add("data_table: rich text in the header, cell %d", j)
				}
			default:
				if i == 0 {
					add("data_table: the header's cell %d is %s, Slack takes raw_text", j, c.DataTableCellType())
				}
			}
		}
	}
	if len(t.Rows) > 0 && t.RowHeaderColumnIndex >= len(t.Rows[0]) {
		add("data_table: row header column %d of %d", t.RowHeaderColumnIndex, len(t.Rows[0]))
	}
	if n := DataTableChars(t); n > MaxTableChars {
		add("data_table: %d characters in its cells, Slack takes %d", n, MaxTableChars)
	}
	return errors.Join(problems...)
}

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
