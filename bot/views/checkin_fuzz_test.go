package views

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// FuzzReadCheckIn fills the check-in modal with anything, as a forged or
// broken submission could, and checks that what ReadCheckIn accepts is a
// /log text the parser reads back to the very counts, amounts, day and
// note of the fields: the modal never stores something else than what was
// typed in it.
func FuzzReadCheckIn(f *testing.F) {
	f.Add("7", "2", "12000.5", "15000", "2026-11-20", "Good day -- #win")
	f.Add("0", "", "", "", "", "")
	f.Add("1001", "x", "1.000", "-1", "2026-02-30", "<!channel>")
	f.Add("007", "1", "0,5", "99999999999999", "2026-11-23", "note — with dash")
	today := kpi.Date{Year: 2026, Month: 11, Day: 23}
	now := today.In(nil).Add(10 * 3600e9)
	parser := kpi.NewParser(nil).WithDoubts().WithPipeline()
	f.Fuzz(func(t *testing.T, calls, lost, revenue, pipeline, day, note string) {
		state := &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
			"calls":       {"calls": {Value: calls}},
			"lost":        {"lost": {Value: lost}},
			RevenueBlock:  {RevenueBlock: {Value: revenue}},
			PipelineBlock: {PipelineBlock: {Value: pipeline}},
			DayBlock:      {DayBlock: {SelectedDate: day}},
			NoteBlock:     {NoteBlock: {Value: note}},
		}}
		text, counts, errs := ReadCheckIn(prompts.English, state, today, "EUR")
		if len(errs) > 0 {
			return
		}
		e, err := parser.Parse(text, now)
		if err != nil {
			return // the parser refuses what is out of bounds, in its words
		}
		if len(e.Doubts) > 0 {
			t.Fatalf("%q reads with doubts %+v", text, e.Doubts)
		}
		for m, n := range counts {
			if e.Counts[m] != n {
				t.Fatalf("%q: %s read %d, typed %d", text, m, e.Counts[m], n)
			}
		}
		if len(e.Counts) != len(counts) {
			t.Fatalf("%q: read %v, typed %v", text, e.Counts, counts)
		}
		if d, err := kpi.ParseDate(day); err == nil && d != e.Date {
			t.Fatalf("%q: day %s read as %s", text, d, e.Date)
		}
		if e.Note != strings.TrimSpace(note) {
			t.Fatalf("%q: note %q read as %q", text, note, e.Note)
		}
		if c, ok := plainAmount(revenue); ok && revenue != "" && (!e.HasRevenue || e.RevenueCents != c) {
			t.Fatalf("%q: revenue %q read as %d", text, revenue, e.RevenueCents)
		}
		if c, ok := plainAmount(pipeline); ok && pipeline != "" && (!e.HasPipeline || e.PipelineCents != c) {
			t.Fatalf("%q: pipeline %q read as %d", text, pipeline, e.PipelineCents)
		}
	})
}
