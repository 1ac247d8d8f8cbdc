package kpi

import (
	"errors"
	"math"
	"testing"
)

func TestApprox(t *testing.T) {
	tests := []struct{ in, want float64 }{
		{101.01, 100}, {10.1, 10}, {3.33, 3.3}, {1.1, 1.1}, {0, 0},
		{3.3333333333333335, 3.3}, {10.101010101010102, 10}, {101.01010101010101, 100},
		{0.01089, 0.011}, {1234, 1200}, {1250.1, 1300}, {99.6, 100}, {-3.33, -3.3}, {7, 7},
	}
	for _, tc := range tests {
		t.Run(fmtFloat(tc.in), func(t *testing.T) {
			if got := Approx(tc.in); got != tc.want {
				t.Errorf("Approx(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
	t.Run("nan and inf", func(t *testing.T) {
		if !math.IsNaN(Approx(math.NaN())) || !math.IsInf(Approx(math.Inf(1)), 1) {
			t.Error("Approx must return NaN and Inf unchanged")
		}
	})
}

// planFigures flattens a plan to Approx'ed needs and sources for tables.
type planFigure struct {
	metric Metric
	need   float64
	source RateSource
}

func planFigures(p Plan) []planFigure {
	out := make([]planFigure, len(p.Steps))
	for i, s := range p.Steps {
		out[i] = planFigure{s.Metric, Approx(s.Need), s.Source}
	}
	return out
}

// With no data at all the plan is source 003's table: 100 calls → 10 leads
// → 3.3 opportunities → 1.1 signatures.
func TestReversePlanBenchmarks(t *testing.T) {
	p, err := ReversePlan(Signatures, 1.1, Totals{}, Totals{}, 20, DefaultMinEvents)
	if err != nil {
		t.Fatal(err)
	}
	want := []planFigure{
		{Calls, 100, SourceBenchmark},
		{Leads, 10, SourceBenchmark},
		{Meetings, 3.3, SourceAssumed},
		{Proposals, 3.3, SourceBenchmark},
		{Signatures, 1.1, ""},
	}
	got := planFigures(p)
	if len(got) != len(want) {
		t.Fatalf("plan has %d steps, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		t.Run(string(want[i].metric), func(t *testing.T) {
			if got[i] != want[i] {
				t.Errorf("step %d = %+v, want %+v", i, got[i], want[i])
			}
		})
	}
	if p.Target != Signatures || p.Value != 1.1 || p.DailyCalls != 20 {
		t.Errorf("plan header = %s %v %v", p.Target, p.Value, p.DailyCalls)
	}
	if Approx(p.WorkingDays) != 5.1 { // 101 calls at 20 a day
		t.Errorf("WorkingDays = %v, want ≈5.1", p.WorkingDays)
	}
	last := p.Steps[len(p.Steps)-1]
	if last.Rate != (Rate{}) {
		t.Errorf("last step Rate = %+v, want zero", last.Rate)
	}
	if r := p.Steps[0].Rate; r.Stage.Key != "calls_leads" || r.Value != 0.10 || !r.Enough || r.Den != 0 {
		t.Errorf("benchmark rate = %+v", r)
	}
}

// Each stage falls back on its own: own rate with enough data, else the
// team's, else the benchmark.
func TestReversePlanFallbacks(t *testing.T) {
	tests := []struct {
		name      string
		target    Metric
		value     float64
		own, team Totals
		want      []planFigure
	}{
		{
			name:   "own rate on every stage",
			target: Signatures, value: 2,
			own: counts(Calls, 100, Leads, 20, Meetings, 10, Proposals, 5, Signatures, 1),
			want: []planFigure{
				{Calls, 200, SourceOwn},    // 40 leads / 0.2
				{Leads, 40, SourceOwn},     // 20 meetings / 0.5
				{Meetings, 20, SourceOwn},  // 10 proposals / 0.5
				{Proposals, 10, SourceOwn}, // 2 / 0.2
				{Signatures, 2, ""},
			},
		},
		{
			name:   "own calls→leads, team leads→meetings, benchmark after",
			target: Proposals, value: 3,
			own:  counts(Calls, 100, Leads, 4),             // 4 leads: not enough for leads→meetings
			team: counts(Calls, 10, Leads, 8, Meetings, 4), // team leads→meetings 50%; 4 meetings: too few for the next stage
			want: []planFigure{
				{Calls, 150, SourceOwn},      // 6 leads / 0.04
				{Leads, 6, SourceTeam},       // 3 meetings / 0.5
				{Meetings, 3, SourceAssumed}, // not enough own or team meetings
				{Proposals, 3, ""},
			},
		},
		{
			name:   "team on the first stage, own after",
			target: Meetings, value: 4,
			own:  counts(Calls, 3, Leads, 8, Meetings, 2), // 3 calls: not enough; leads→meetings 25%
			team: counts(Calls, 1000, Leads, 50),          // team calls→leads 5%
			want: []planFigure{
				{Calls, 320, SourceTeam}, // 16 / 0.05
				{Leads, 16, SourceOwn},   // 4 / 0.25
				{Meetings, 4, ""},
			},
		},
		{
			name:   "own meetings→proposals replaces the assumption",
			target: Proposals, value: 5,
			own: counts(Meetings, 10, Proposals, 5),
			want: []planFigure{
				{Calls, 300, SourceBenchmark}, // 30.3 / 0.10
				{Leads, 30, SourceBenchmark},  // 10 meetings / 0.33
				{Meetings, 10, SourceOwn},     // 5 / 0.5
				{Proposals, 5, ""},
			},
		},
		{
			name:   "a rate above 100% is planned as 100%",
			target: Leads, value: 10,
			own: counts(Calls, 5, Leads, 8),
			want: []planFigure{
				{Calls, 10, SourceOwn},
				{Leads, 10, ""},
			},
		},
		{
			name:   "calls alone",
			target: Calls, value: 50,
			want: []planFigure{{Calls, 50, ""}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ReversePlan(tc.target, tc.value, tc.own, tc.team, 0, DefaultMinEvents)
			if err != nil {
				t.Fatal(err)
			}
			got := planFigures(p)
			if len(got) != len(tc.want) {
				t.Fatalf("plan = %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("step %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
			if p.WorkingDays != 0 {
				t.Errorf("WorkingDays = %v with no daily calls, want 0", p.WorkingDays)
			}
		})
	}
}

func TestReversePlanErrors(t *testing.T) {
	tests := []struct {
		name   string
		target Metric
		value  float64
		own    Totals
		team   Totals
		reason PlanErrorReason
		stage  string
		source RateSource
	}{
		{name: "emails are not in the funnel", target: Emails, value: 5, reason: PlanNotInFunnel},
		{name: "revenue is not a count", target: Revenue, value: 5, reason: PlanNotInFunnel},
		{name: "zero", target: Signatures, value: 0, reason: PlanBadValue},
		{name: "negative", target: Signatures, value: -1, reason: PlanBadValue},
		{name: "nan", target: Signatures, value: math.NaN(), reason: PlanBadValue},
		{name: "absurd", target: Signatures, value: MaxPerMetric*23 + 1, reason: PlanBadValue},
		{name: "own stage never converts", target: Signatures, value: 2,
			own: counts(Proposals, 12), reason: PlanZeroRate, stage: "proposals_signatures", source: SourceOwn},
		{name: "team stage never converts", target: Meetings, value: 2,
			team: counts(Leads, 30), reason: PlanZeroRate, stage: "leads_meetings", source: SourceTeam},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReversePlan(tc.target, tc.value, tc.own, tc.team, 10, DefaultMinEvents)
			var pe *PlanError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *PlanError", err)
			}
			if pe.Reason != tc.reason || pe.Stage != tc.stage || pe.Source != tc.source {
				t.Errorf("err = %+v, want reason %s stage %q source %q", pe, tc.reason, tc.stage, tc.source)
			}
			if msg := err.Error(); len(msg) < 5 || msg[:5] != "kpi: " {
				t.Errorf("message %q lacks the kpi: prefix", msg)
			}
		})
	}
	t.Run("max value is accepted", func(t *testing.T) {
		if _, err := ReversePlan(Leads, MaxPerMetric*23, Totals{}, Totals{}, 0, 0); err != nil {
			t.Error(err)
		}
	})
}
