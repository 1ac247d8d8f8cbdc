package views

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/kpibot/kpibot/kpi"
)

// The team export names each rep as the manager knows them: a Slack user
// ID, or a console user's name without the prefix that marks it.
func TestTeamCSVNamesTheReps(t *testing.T) {
	week, _ := kpi.ParseDate("2026-11-23")
	rows := []TeamExportRow{
		{Week: week, Rep: ConsolePrefix + "alice", WorkingDay: 5, Currency: "EUR"},
		{Week: week, Rep: "U0123ABC", WorkingDay: 5, Currency: "EUR"},
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(TeamCSV(rows)), csvBOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 3 || records[1][1] != "alice" || records[2][1] != "U0123ABC" {
		t.Errorf("reps named %v", records)
	}
}
