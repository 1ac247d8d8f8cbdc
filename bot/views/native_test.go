package views

import (
	"fmt"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// table is a data_table of rows rows (with the header) and cols columns,
// each cell's text cell.
func table(rows, cols int, cell string) *slack.DataTableBlock {
	t := slack.NewDataTableBlock("caption")
	for range rows {
		row := make([]slack.DataTableCell, cols)
		for j := range row {
			row[j] = slack.NewDataTableRawTextCell(cell)
		}
		t.AddRow(row...)
	}
	return t
}

// CheckDataTable refuses what Slack's reference says it refuses, and
// takes the largest table Slack takes.
func TestCheckDataTable(t *testing.T) {
	user := slack.NewDataTableRichTextCell(slack.NewRichTextSection(slack.NewRichTextSectionUserElement("U1", nil)))
	for _, c := range []struct {
		name  string
		table func() *slack.DataTableBlock
		ok    bool
	}{
		{"largest", func() *slack.DataTableBlock { return table(MaxTableRows+1, 4, strings.Repeat("x", 24)) }, true},
		{"twenty columns", func() *slack.DataTableBlock { return table(2, MaxTableColumns, "x") }, true},
		{"no caption", func() *slack.DataTableBlock { t := table(2, 2, "x"); t.Caption = ""; return t }, false},
		{"header alone", func() *slack.DataTableBlock { return table(1, 2, "x") }, false},
		{"101 rows and the header", func() *slack.DataTableBlock { return table(MaxTableRows+2, 2, "x") }, false},
		{"21 columns", func() *slack.DataTableBlock { return table(2, MaxTableColumns+1, "x") }, false},
		{"a short row", func() *slack.DataTableBlock {
			t := table(2, 3, "x")
			t.Rows[1] = t.Rows[1][:2]
			return t
		}, false},
		{"empty text", func() *slack.DataTableBlock { return table(2, 2, "") }, false},
		{"rich text in the header", func() *slack.DataTableBlock { t := table(2, 2, "x"); t.Rows[0][0] = user; return t }, false},
		{"rich text in a row", func() *slack.DataTableBlock { t := table(2, 2, "x"); t.Rows[1][0] = user; return t }, true},
		{"a number in the header", func() *slack.DataTableBlock {
			t := table(2, 2, "x")
			t.Rows[0][1] = slack.NewDataTableRawNumberCell(3)
			return t
		}, false},
		{"10,004 characters", func() *slack.DataTableBlock { return table(2, 2, strings.Repeat("x", 2501)) }, false},
		{"10,000 characters", func() *slack.DataTableBlock { return table(2, 2, strings.Repeat("x", 2500)) }, true},
		{"page of 101", func() *slack.DataTableBlock { return table(2, 2, "x").WithPageSize(101) }, false},
		{"row header out of the table", func() *slack.DataTableBlock { return table(2, 2, "x").WithRowHeaderColumnIndex(2) }, false},
	} {
		err := CheckDataTable(c.table())
		if (err == nil) != c.ok {
			t.Errorf("%s: CheckDataTable = %v, want ok %v", c.name, err, c.ok)
		}
	}
}

// The digest's table of rates holds at most 100 reps and 10,000
// characters, and exactly the reps its text shows; the others are counted.
func TestDigestRatesTableBounds(t *testing.T) {
	for _, c := range []struct {
		reps, idLen int
	}{{1, 7}, {60, 7}, {150, 7}, {100, 200}} {
		t.Run(fmt.Sprintf("%d reps of %d-character IDs", c.reps, c.idLen), func(t *testing.T) {
			d := DigestData{Manager: "UMAUD", Week: kpi.PeriodOf(kpi.Week, kpi.Date{Year: 2026, Month: 11, Day: 23}), ByRep: map[string]kpi.Totals{}, NativeTable: true}
			for i := range c.reps {
				rep := fmt.Sprintf("U%0*d", c.idLen-1, i)
				d.Reps = append(d.Reps, rep)
				d.ByRep[rep] = kpi.Totals{Counts: map[kpi.Metric]int{kpi.Calls: 100, kpi.Leads: 30, kpi.Meetings: 3}, ActiveDays: 5}
			}
			msg := Digest(prompts.English, d)
			var tab *slack.DataTableBlock
			lines, more := 0, 0
			for _, b := range msg.Blocks.BlockSet {
				switch b := b.(type) {
				case *slack.DataTableBlock:
					tab = b
				case *slack.SectionBlock:
					lines += strings.Count(b.Text.Text, " · logged on 5 days")
				case *slack.ContextBlock:
					fmt.Sscanf(b.ContextElements.Elements[0].(*slack.TextBlockObject).Text, "…and %d more", &more)
				}
			}
			if tab == nil {
				t.Fatal("no table")
			}
			if err := CheckDataTable(tab); err != nil {
				t.Error(err)
			}
			if rows := len(tab.Rows) - 1; rows != lines || lines+more != c.reps || rows > MaxTableRows {
				t.Errorf("%d reps in the table, %d in the text, %d counted; want the same in both, %d in all", rows, lines, more, c.reps)
			}
			// Not enough events to judge a rate: said, never a number.
			if cell := tab.Rows[1][3].(*slack.DataTableRawTextCell); cell.Text != prompts.Text(prompts.English, "kpi.nodata", nil) {
				t.Errorf("meetings → proposals on 3 meetings: %q, want n/a", cell.Text)
			}
		})
	}
}
