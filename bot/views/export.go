package views

import (
	"bytes"
	"encoding/csv"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kpibot/kpibot/kpi"
)

// ExportRow is one version of one entry in a rep's export: the entry as
// it stands (Status "current" or "withdrawn"), or one of its earlier
// revisions ("revised").
type ExportRow struct {
	Entry, Status string
	Rev           int
	Day           string // ISO date
	At            time.Time
	Raw, Note     string
	Counts        map[kpi.Metric]int
	RevenueCents  int64
	PipelineCents int64
	HasRevenue    bool
	HasPipeline   bool
	Currency      string
	Source        string
}

// TeamExportRow is one rep's week in a manager's export: rates and
// outcomes, and the raw activity counts only when the rep shares them.
type TeamExportRow struct {
	Week       kpi.Date
	Rep        string
	Totals     kpi.Totals
	Counts     bool // the rep shares their raw activity counts
	WorkingDay int  // working days of the week
	Currency   string
}

// csvBOM lets Excel read the file as UTF-8, so accents come out right.
const csvBOM = "\ufeff"

// EntriesCSV is a rep's export: a header row, then every version of every
// entry, in RFC 4180 (CRLF line ends, quoted as needed), UTF-8 with a
// BOM, dates in ISO 8601.
func EntriesCSV(rows []ExportRow) []byte {
	header := []string{"entry", "revision", "status", "day", "recorded_at", "text", "note"}
	for _, m := range kpi.CountMetrics {
		header = append(header, string(m))
	}
	header = append(header, "revenue", "pipeline_value", "currency", "source")
	lines := [][]string{header}
	for _, r := range rows {
		line := []string{r.Entry, strconv.Itoa(r.Rev), r.Status, r.Day, r.At.UTC().Format(time.RFC3339), cell(r.Raw), cell(r.Note)}
		for _, m := range kpi.CountMetrics {
			line = append(line, strconv.Itoa(r.Counts[m]))
		}
		line = append(line, amount(r.RevenueCents, r.HasRevenue), amount(r.PipelineCents, r.HasPipeline), r.Currency, r.Source)
		lines = append(lines, line)
	}
	return writeCSV(lines)
}

// TeamCSV is a manager's export: one row per rep and week, with the
// conversion rates (empty when too little data), the outcomes, the days
// logged and, for reps who share them, the raw activity counts.
func TeamCSV(rows []TeamExportRow) []byte {
	header := []string{"week", "rep", "days_logged", "working_days"}
	for _, st := range append(kpi.Stages[:len(kpi.Stages):len(kpi.Stages)], kpi.Overall) {
		header = append(header, st.Key)
	}
	header = append(header, "signatures", "lost", "renewals", "revenue", "pipeline_value", "currency")
	var activity []kpi.Metric
	for _, m := range kpi.CountMetrics {
		if m.Activity() {
			activity = append(activity, m)
			header = append(header, string(m))
		}
	}
	lines := [][]string{header}
	for _, r := range rows {
		t := r.Totals
		// A console user is their name; the prefix that marks them is ours.
		rep := strings.TrimPrefix(r.Rep, ConsolePrefix)
		line := []string{r.Week.String(), rep, strconv.Itoa(t.ActiveDays), strconv.Itoa(r.WorkingDay)}
		for _, rate := range kpi.Funnel(t, kpi.DefaultMinEvents) {
			v := ""
			if rate.Enough {
				v = chatRate(rate.Value)
			}
			line = append(line, v)
		}
		line = append(line, strconv.Itoa(t.Counts[kpi.Signatures]), strconv.Itoa(t.Counts[kpi.Lost]), strconv.Itoa(t.Counts[kpi.Renewals]),
			amount(t.RevenueCents, true), amount(t.PipelineCents, true), r.Currency)
		for _, m := range activity {
			v := ""
			if r.Counts {
				v = strconv.Itoa(t.Counts[m])
			}
			line = append(line, v)
		}
		lines = append(lines, line)
	}
	return writeCSV(lines)
}

// chatRate is a rate as precise as the chat writes it (prompts.Percent):
// whole percents, tenths of one below 10 %. Finer, a rate and the
// outcomes beside it give back a rep's raw counts: signatures and
// calls → signatures to four decimals are their calls to the unit, and
// from the calls every stage after.
func chatRate(v float64) string {
	p := v * 100
	if p < 10 {
		return strconv.FormatFloat(math.Round(p*10)/1000, 'f', -1, 64)
	}
	return strconv.FormatFloat(math.Round(p)/100, 'f', -1, 64)
}

func writeCSV(lines [][]string) []byte {
	var b bytes.Buffer
	b.WriteString(csvBOM)
	w := csv.NewWriter(&b)
	w.UseCRLF = true      // RFC 4180
	_ = w.WriteAll(lines) // a bytes.Buffer does not fail
	return b.Bytes()
}

// amount writes cents as a decimal in the currency's units ("1234.50"),
// empty when there is none.
func amount(cents int64, has bool) string {
	if !has {
		return ""
	}
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return sign + strconv.FormatInt(cents/100, 10) + "." + strings.TrimPrefix(strconv.FormatInt(100+cents%100, 10), "1")
}

// cell keeps a spreadsheet from reading text as a formula: a cell that
// starts like one (=, +, -, @) gets a leading apostrophe.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
