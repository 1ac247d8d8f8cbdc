package kpi

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestSum(t *testing.T) {
	nov := PeriodOf(Month, ymd(2026, time.November, 10))
	facts := []Fact{
		{User: "U1", Day: ymd(2026, time.November, 2), Counts: map[Metric]int{Calls: 10, Leads: 1}, RevenueCents: 0},
		{User: "U1", Day: ymd(2026, time.November, 2), Counts: map[Metric]int{Calls: 5}, RevenueCents: 150_00},
		{User: "U2", Day: ymd(2026, time.November, 30), Counts: map[Metric]int{Signatures: 1}, RevenueCents: 1000_00},
		{User: "U1", Day: ymd(2026, time.October, 31), Counts: map[Metric]int{Calls: 100}},              // before
		{User: "U1", Day: ymd(2026, time.December, 1), Counts: map[Metric]int{Calls: 100}},              // after
		{User: "U3", Day: ymd(2026, time.November, 5), Counts: map[Metric]int{"visits": 2, Revenue: 9}}, // odd keys
	}
	tests := []struct {
		name  string
		facts []Fact
		p     Period
		want  Totals
	}{
		{"empty has non-nil counts", nil, nov, Totals{Counts: map[Metric]int{}}},
		{"month", facts, nov, Totals{
			Counts:       map[Metric]int{Calls: 15, Leads: 1, Signatures: 1, "visits": 2},
			RevenueCents: 1150_00, ActiveDays: 3, Entries: 4,
		}},
		{"one day, two entries", facts, PeriodOf(Day, ymd(2026, time.November, 2)), Totals{
			Counts: map[Metric]int{Calls: 15, Leads: 1}, RevenueCents: 150_00, ActiveDays: 1, Entries: 2,
		}},
		{"a year uses a multi-word bitset", facts, Period{Start: ymd(2026, time.January, 1), End: ymd(2026, time.December, 31)}, Totals{
			Counts:       map[Metric]int{Calls: 215, Leads: 1, Signatures: 1, "visits": 2},
			RevenueCents: 1150_00, ActiveDays: 5, Entries: 6,
		}},
		{"decades use a day set", facts, Period{Start: ymd(2000, time.January, 1), End: ymd(2039, time.December, 31)}, Totals{
			Counts:       map[Metric]int{Calls: 215, Leads: 1, Signatures: 1, "visits": 2},
			RevenueCents: 1150_00, ActiveDays: 5, Entries: 6,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Sum(tc.facts, tc.p)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Sum = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestSumByUser(t *testing.T) {
	week := PeriodOf(Week, ymd(2026, time.November, 25))
	facts := []Fact{
		{User: "U1", Day: ymd(2026, time.November, 23), Counts: map[Metric]int{Calls: 3}},
		{User: "U2", Day: ymd(2026, time.November, 24), Counts: map[Metric]int{Proposals: 1}, RevenueCents: 5},
		{User: "U1", Day: ymd(2026, time.November, 29), Counts: map[Metric]int{Calls: 2, Meetings: 1}},
		{User: "U3", Day: ymd(2026, time.November, 30), Counts: map[Metric]int{Calls: 9}}, // next week
	}
	want := map[string]Totals{
		"U1": {Counts: map[Metric]int{Calls: 5, Meetings: 1}, ActiveDays: 2, Entries: 2},
		"U2": {Counts: map[Metric]int{Proposals: 1}, RevenueCents: 5, ActiveDays: 1, Entries: 1},
	}
	got := SumByUser(facts, week)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SumByUser = %+v, want %+v", got, want)
	}
	// Summing per user then across users must match Sum.
	all := Sum(facts, week)
	var entries int
	for _, tot := range got {
		entries += tot.Entries
	}
	if entries != all.Entries {
		t.Errorf("per-user entries %d, Sum entries %d", entries, all.Entries)
	}
}

func TestTotalsValueAndDailyPace(t *testing.T) {
	tot := Totals{Counts: map[Metric]int{Calls: 40}, RevenueCents: 2000_00}
	trail := Trailing(PeriodOf(Week, ymd(2026, time.November, 30)), 4) // 20 working days
	tests := []struct {
		name      string
		m         Metric
		value     float64
		pace      float64
		paceOverP Period
	}{
		{"count", Calls, 40, 2, trail},
		{"revenue in cents", Revenue, 2000_00, 100_00, trail},
		{"missing metric", Leads, 0, 0, trail},
		{"no working day", Calls, 40, 0, PeriodOf(Day, ymd(2026, time.November, 29))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tot.Value(tc.m); got != tc.value {
				t.Errorf("Value(%s) = %v, want %v", tc.m, got, tc.value)
			}
			if got := DailyPace(tot, tc.m, tc.paceOverP); got != tc.pace {
				t.Errorf("DailyPace(%s) = %v, want %v", tc.m, got, tc.pace)
			}
		})
	}
}

// benchFacts is 65 check-ins for each of 1,000 reps over about three
// months, a large team's quarter.
func benchFacts() []Fact {
	const users, perUser = 1000, 65
	facts := make([]Fact, 0, users*perUser)
	start := ymd(2026, time.September, 1)
	for u := 0; u < users; u++ {
		id := fmt.Sprintf("U%04d", u)
		for i := 0; i < perUser; i++ {
			facts = append(facts, Fact{
				User: id,
				Day:  start.AddDays((u + i*7/5) % 91),
				Counts: map[Metric]int{
					Calls: 20 + i%7, Emails: 10, Leads: 2, Meetings: 1,
					Proposals: i % 2, Followups: i % 3, Signatures: i % 5 / 4,
				},
				RevenueCents: int64(i%5/4) * 1500_00,
			})
		}
	}
	return facts
}

// BenchmarkSumByUser scans 65,000 facts of 1,000 users: for one month
// (about a third of the facts count) and for the whole quarter.
func BenchmarkSumByUser(b *testing.B) {
	facts := benchFacts()
	periods := []struct {
		name string
		p    Period
	}{
		{"month", PeriodOf(Month, ymd(2026, time.October, 15))},
		{"quarter", Period{Start: ymd(2026, time.September, 1), End: ymd(2026, time.November, 30)}},
	}
	for _, pc := range periods {
		b.Run(pc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if len(SumByUser(facts, pc.p)) != 1000 {
					b.Fatal("expected every user in the period")
				}
			}
		})
	}
}

func TestSumPipeline(t *testing.T) {
	week := PeriodOf(Week, ymd(2026, time.November, 23))
	facts := []Fact{
		{User: "U1", Day: ymd(2026, time.November, 23), Counts: map[Metric]int{Proposals: 2}, PipelineCents: 15_000_00, HasPipeline: true},
		{User: "U1", Day: ymd(2026, time.November, 24), Counts: map[Metric]int{Proposals: 3}},                                 // no amount
		{User: "U1", Day: ymd(2026, time.November, 25), Counts: map[Metric]int{}, PipelineCents: 5_000_00, HasPipeline: true}, // "pipeline 5k"
		{User: "U1", Day: ymd(2026, time.November, 25), Counts: map[Metric]int{Signatures: 1}, RevenueCents: 9_000_00},
		{User: "U1", Day: ymd(2026, time.November, 30), Counts: map[Metric]int{Proposals: 1}, PipelineCents: 1_00, HasPipeline: true}, // next week
	}
	got := Sum(facts, week)
	if got.PipelineCents != 20_000_00 || got.PricedProposals != 2 || got.RevenueCents != 9_000_00 || got.Counts[Proposals] != 5 {
		t.Errorf("Sum = %+v", got)
	}
	// Pipeline is never revenue, and the average offer counts only the
	// priced ones.
	h := HealthOf(got, DefaultMinEvents)
	if h.AvgProposalCents != 10_000_00 || !h.AvgProposalOK || h.AvgDealCents != 9_000_00 {
		t.Errorf("HealthOf = %+v", h)
	}
	if by := SumByUser(facts, week)["U1"]; by.PipelineCents != got.PipelineCents || by.PricedProposals != got.PricedProposals {
		t.Errorf("SumByUser = %+v", by)
	}
	if both := got.plus(got); both.PipelineCents != 40_000_00 || both.PricedProposals != 4 {
		t.Errorf("plus = %+v", both)
	}
}

func TestContributorsAndActivity(t *testing.T) {
	week := PeriodOf(Week, ymd(2026, time.November, 23))
	facts := []Fact{
		{User: "A", Day: ymd(2026, time.November, 23)}, {User: "A", Day: ymd(2026, time.November, 24)},
		{User: "B", Day: ymd(2026, time.November, 27)}, {User: "C", Day: ymd(2026, time.November, 30)},
	}
	if n := Contributors(facts, week); n != 2 {
		t.Errorf("Contributors = %d, want 2 (C logged the week after)", n)
	}
	for _, m := range Metrics {
		want := m != Signatures && m != Lost && m != Renewals && m != Revenue
		if m.Activity() != want {
			t.Errorf("%s.Activity() = %v", m, m.Activity())
		}
	}
}
