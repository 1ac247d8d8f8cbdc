package rituals

import (
	"testing"
	"time"

	"github.com/kpibot/kpibot/kpi"
)

func TestFrenchHolidays(t *testing.T) {
	tests := []struct {
		date, name string
		want       bool
	}{
		{"2026-01-01", "Jour de l'an", true},
		{"2026-04-06", "Lundi de Pâques", true},
		{"2026-05-01", "Fête du Travail", true},
		{"2026-05-08", "Victoire 1945", true},
		{"2026-05-14", "Ascension", true},
		{"2026-05-25", "Lundi de Pentecôte", true},
		{"2026-07-14", "Fête nationale", true},
		{"2026-08-15", "Assomption", true},
		{"2026-11-01", "Toussaint", true},
		{"2026-11-11", "Armistice 1918", true},
		{"2026-12-25", "Noël", true},
		{"2026-04-05", "", false}, // Easter Sunday is not a day off of its own
		{"2026-11-23", "", false},
		{"2027-03-29", "Lundi de Pâques", true},
		{"2027-05-06", "Ascension", true},
		{"2027-05-17", "Lundi de Pentecôte", true},
		{"2025-04-21", "Lundi de Pâques", true},
		{"2024-04-01", "Lundi de Pâques", true},
		{"2038-04-26", "Lundi de Pâques", true}, // Easter on 25 April, the latest it can be
		{"2285-03-23", "Lundi de Pâques", true}, // Easter on 22 March, the earliest
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			d, err := kpi.ParseDate(tt.date)
			if err != nil {
				t.Fatal(err)
			}
			h := FrenchHolidays(d.Year)
			if len(h) != 11 {
				t.Errorf("FrenchHolidays(%d) has %d days, want 11", d.Year, len(h))
			}
			if got := h.Is(d); got != tt.want || h[d] != tt.name {
				t.Errorf("Is(%s) = %v (%q), want %v (%q)", d, got, h[d], tt.want, tt.name)
			}
		})
	}
}

func TestHolidaysMergeAndNil(t *testing.T) {
	var none Holidays
	newYear := kpi.Date{Year: 2027, Month: time.January, Day: 1}
	if none.Is(newYear) {
		t.Error("a nil set has a holiday")
	}
	both := FrenchHolidays(2026).Merge(FrenchHolidays(2027))
	if len(both) != 22 || !both.Is(newYear) || !both.Is(kpi.Date{Year: 2026, Month: time.December, Day: 25}) {
		t.Errorf("Merge = %d days, want 22 with both years", len(both))
	}
}
