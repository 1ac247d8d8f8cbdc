package kpi

import (
	"math"
	"testing"
)

// counts builds Totals from alternating metrics and counts.
func counts(kv ...any) Totals {
	t := Totals{Counts: map[Metric]int{}}
	for i := 0; i+1 < len(kv); i += 2 {
		t.Counts[kv[i].(Metric)] = kv[i+1].(int)
	}
	return t
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestStages(t *testing.T) {
	tests := []struct {
		key      string
		from, to Metric
		bench    float64
	}{
		{"calls_leads", Calls, Leads, 0.10},
		{"leads_meetings", Leads, Meetings, 0.33},
		{"meetings_proposals", Meetings, Proposals, 0},
		{"proposals_signatures", Proposals, Signatures, 0.33},
		{"calls_signatures", Calls, Signatures, 0.10 * 0.33 * 0.33},
		// Other forward pairs along the funnel.
		{"leads_signatures", Leads, Signatures, 0.33 * 0.33},
		{"calls_meetings", Calls, Meetings, 0.10 * 0.33},
		{"meetings_signatures", Meetings, Signatures, 0.33},
		{"calls_proposals", Calls, Proposals, 0.10 * 0.33},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			s, ok := StageByKey(tc.key)
			if !ok {
				t.Fatalf("StageByKey(%q) not found", tc.key)
			}
			if s.Key != tc.key || s.From != tc.from || s.To != tc.to || !near(s.Benchmark, tc.bench) {
				t.Errorf("StageByKey(%q) = %+v, want %s→%s benchmark %v", tc.key, s, tc.from, tc.to, tc.bench)
			}
		})
	}
	for _, bad := range []string{"", "signatures_calls", "leads_leads", "calls_emails", "calls", "Calls_Leads"} {
		t.Run("refuses "+bad, func(t *testing.T) {
			if s, ok := StageByKey(bad); ok {
				t.Errorf("StageByKey(%q) = %+v, want not found", bad, s)
			}
		})
	}
	if s, _ := StageByKey(Overall.Key); s != Overall {
		t.Errorf("StageByKey(Overall.Key) = %+v, want Overall itself", s)
	}
	if len(Stages) != 4 {
		t.Errorf("len(Stages) = %d, want 4", len(Stages))
	}
}

func TestRateOf(t *testing.T) {
	cl := Stages[0]
	tests := []struct {
		name      string
		t         Totals
		minEvents int
		num, den  int
		value     float64
		enough    bool
	}{
		{"no data", Totals{}, 5, 0, 0, 0, false},
		{"one event, no conversion is not 0%", counts(Calls, 1), 5, 0, 1, 0, false},
		{"one event, one conversion is not 100%", counts(Calls, 1, Leads, 1), 5, 1, 1, 1, false},
		{"4 events is not enough", counts(Calls, 4, Leads, 1), 5, 1, 4, 0.25, false},
		{"5 events is enough", counts(Calls, 5, Leads, 1), 5, 1, 5, 0.2, true},
		{"0 minEvents means the default", counts(Calls, 4, Leads, 1), 0, 1, 4, 0.25, false},
		{"minEvents 1 still needs an event", Totals{}, 1, 0, 0, 0, false},
		{"enough with zero conversions is a true 0%", counts(Calls, 50), 5, 0, 50, 0, true},
		{"above 100% is kept", counts(Calls, 10, Leads, 12), 5, 12, 10, 1.2, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := RateOf(tc.t, cl, tc.minEvents)
			if r.Num != tc.num || r.Den != tc.den || !near(r.Value, tc.value) || r.Enough != tc.enough || r.Stage != cl {
				t.Errorf("RateOf = %+v, want %d/%d = %v enough %v", r, tc.num, tc.den, tc.value, tc.enough)
			}
		})
	}
}

func TestFunnel(t *testing.T) {
	tot := counts(Calls, 200, Leads, 20, Meetings, 4, Proposals, 4, Signatures, 1)
	want := []struct {
		key    string
		value  float64
		enough bool
	}{
		{"calls_leads", 0.1, true},
		{"leads_meetings", 0.2, true},
		{"meetings_proposals", 1, false},
		{"proposals_signatures", 0.25, false},
		{"calls_signatures", 0.005, true},
	}
	got := Funnel(tot, DefaultMinEvents)
	if len(got) != len(want) {
		t.Fatalf("Funnel has %d rates, want %d", len(got), len(want))
	}
	for i, w := range want {
		t.Run(w.key, func(t *testing.T) {
			if got[i].Stage.Key != w.key || !near(got[i].Value, w.value) || got[i].Enough != w.enough {
				t.Errorf("Funnel[%d] = %+v, want %s %v enough %v", i, got[i], w.key, w.value, w.enough)
			}
		})
	}
}

// withRevenue sets the revenue of test totals.
func (t Totals) withRevenue(cents int64) Totals {
	t.RevenueCents = cents
	return t
}
