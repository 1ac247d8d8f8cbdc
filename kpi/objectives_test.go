package kpi

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in         string
		target     string
		isRate     bool
		suggestion string
		ok         bool
	}{
		{in: "rdv", target: "meetings", ok: true},
		{in: "RDVs", target: "meetings", ok: true},
		{in: "offres", target: "proposals", ok: true},
		{in: "CA", target: "revenue", ok: true},
		{in: "revenue", target: "revenue", ok: true},
		{in: "chiffre d’affaires", target: "revenue", ok: true},
		{in: "signatures", target: "signatures", ok: true},
		{in: "offre>signature", target: "proposals_signatures", isRate: true, ok: true},
		{in: "offre&gt;signature", target: "proposals_signatures", isRate: true, ok: true},
		{in: "offres > signatures", target: "proposals_signatures", isRate: true, ok: true},
		{in: "calls→leads", target: "calls_leads", isRate: true, ok: true},
		{in: "appels->leads", target: "calls_leads", isRate: true, ok: true},
		{in: "leads/rdv", target: "leads_meetings", isRate: true, ok: true},
		{in: "rdv>devis", target: "meetings_proposals", isRate: true, ok: true},
		{in: "leads>signatures", target: "leads_signatures", isRate: true, ok: true},
		{in: "conversion", target: "calls_signatures", isRate: true, ok: true},
		{in: "Taux de conversion", target: "calls_signatures", isRate: true, ok: true},
		{in: "taux de transformation des offres en signatures", target: "proposals_signatures", isRate: true, ok: true},
		{in: "leads to meetings", target: "leads_meetings", isRate: true, ok: true},
		{in: "proposals_signatures", target: "proposals_signatures", isRate: true, ok: true},
		{in: "calls_signatures", target: "calls_signatures", isRate: true, ok: true},
		{in: "calls-leads", target: "calls_leads", isRate: true, ok: true},
		// Failures, with a "did you mean".
		{in: "sigantures", suggestion: "signature"},
		{in: "bananas"},
		{in: ""},
		{in: "   "},
		{in: "signature>offre", suggestion: "proposals_signatures"},
		{in: "offre>sigantures", suggestion: "proposals_signatures"},
		{in: "calls_lead", suggestion: "calls_leads"},
		{in: "emails>rdv"},
		{in: "rdv>rdv"},
		{in: "taux"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			target, isRate, sug, ok := ParseTarget(tc.in, nil)
			if target != tc.target || isRate != tc.isRate || sug != tc.suggestion || ok != tc.ok {
				t.Errorf("ParseTarget(%q) = %q, %v, %q, %v; want %q, %v, %q, %v",
					tc.in, target, isRate, sug, ok, tc.target, tc.isRate, tc.suggestion, tc.ok)
			}
		})
	}
}

func TestParseTargetTeamVocabulary(t *testing.T) {
	v := DefaultVocabulary()
	if err := v.Add("rencard", Meetings); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in     string
		target string
		isRate bool
	}{
		{"rencards", "meetings", false},
		{"leads>rencard", "leads_meetings", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			target, isRate, _, ok := ParseTarget(tc.in, v)
			if !ok || target != tc.target || isRate != tc.isRate {
				t.Errorf("ParseTarget(%q) = %q, %v, ok %v; want %q, %v", tc.in, target, isRate, ok, tc.target, tc.isRate)
			}
		})
	}
}

func TestValidateObjective(t *testing.T) {
	base := Objective{ID: "o1", Owner: "U1", Target: "signatures", Value: 10, Period: Month, Kind: Balance}
	with := func(f func(*Objective)) Objective {
		o := base
		f(&o)
		return o
	}
	alert := with(func(o *Objective) {
		o.Kind, o.Target, o.Value = Alert, "proposals_signatures", 0.3
		o.Threshold, o.Direction, o.Action = 0.2, Below, "review the last 5 lost proposals with the manager"
	})
	tests := []struct {
		name   string
		o      Objective
		reason ObjectiveErrorReason // "" for valid
		limit  float64
	}{
		{"valid count", base, "", 0},
		{"valid team objective", with(func(o *Objective) { o.Owner = TeamOwner }), "", 0},
		{"valid alert", alert, "", 0},
		{"valid rate", with(func(o *Objective) { o.Target, o.Value = "calls_leads", 0.1 }), "", 0},
		{"valid revenue", with(func(o *Objective) { o.Target, o.Value = "revenue", 50_000_00 }), "", 0},
		{"a rate of exactly 1", with(func(o *Objective) { o.Target, o.Value = "meetings_proposals", 1 }), "", 0},
		{"most a month can hold", with(func(o *Objective) { o.Target, o.Value = "calls", MaxPerMetric*23 }), "", 0},
		{"balance with an action is fine", with(func(o *Objective) { o.Action = "call back every lead" }), "", 0},
		{"alert above zero", with(func(o *Objective) {
			o.Kind, o.Target, o.Threshold, o.Direction, o.Action = Alert, "lost", 0, Above, "debrief"
		}), "", 0},

		{"zero", with(func(o *Objective) { o.Value = 0 }), ZeroOrNegative, 0},
		{"negative", with(func(o *Objective) { o.Value = -3 }), ZeroOrNegative, 0},
		{"nan", with(func(o *Objective) { o.Value = math.NaN() }), ZeroOrNegative, 0},
		{"10^9 calls a month", with(func(o *Objective) { o.Target, o.Value = "calls", 1e9 }), Absurd, MaxPerMetric * 23},
		{"1001 calls a day", with(func(o *Objective) { o.Target, o.Value, o.Period = "calls", 1001, Day }), Absurd, MaxPerMetric},
		{"5001 meetings a week", with(func(o *Objective) { o.Target, o.Value, o.Period = "meetings", 5001, Week }), Absurd, MaxPerMetric * 5},
		{"absurd revenue", with(func(o *Objective) { o.Target, o.Value, o.Period = "revenue", MaxRevenueCents*5+1, Week }), Absurd, MaxRevenueCents * 5},
		{"infinite", with(func(o *Objective) { o.Value = math.Inf(1) }), Absurd, MaxPerMetric * 23},
		{"rate 1.5", with(func(o *Objective) { o.Target, o.Value = "proposals_signatures", 1.5 }), RateAboveOne, 1},
		{"alert without action", with(func(o *Objective) { *o = alert; o.Action = "  " }), AlertNeedsAction, 0},
		{"alert without direction", with(func(o *Objective) { *o = alert; o.Direction = "" }), AlertNeedsThreshold, 0},
		{"alert with a bad direction", with(func(o *Objective) { *o = alert; o.Direction = "sideways" }), AlertNeedsThreshold, 0},
		{"alert below zero never fires", with(func(o *Objective) { *o = alert; o.Threshold = 0 }), AlertNeedsThreshold, 0},
		{"alert with negative threshold", with(func(o *Objective) { *o = alert; o.Threshold, o.Direction = -1, Above }), AlertNeedsThreshold, 0},
		{"alert rate threshold above 1", with(func(o *Objective) { *o = alert; o.Threshold = 1.2 }), RateAboveOne, 1},
		{"balance with a threshold", with(func(o *Objective) { o.Threshold = 3 }), ThresholdWithoutAlert, 0},
		{"anticipation with a direction", with(func(o *Objective) { o.Kind, o.Direction = Anticipation, Below }), ThresholdWithoutAlert, 0},
		{"unknown target", with(func(o *Objective) { o.Target = "bananas" }), UnknownTarget, 0},
		{"unknown period", with(func(o *Objective) { o.Period = "year" }), UnknownPeriod, 0},
		{"unknown kind", with(func(o *Objective) { o.Kind = "" }), UnknownKind, 0},
		{"no owner", with(func(o *Objective) { o.Owner = "" }), NoOwner, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateObjective(tc.o)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("ValidateObjective(%+v) = %v, want nil", tc.o, err)
				}
				return
			}
			var oe *ObjectiveError
			if !errors.As(err, &oe) {
				t.Fatalf("ValidateObjective(%+v) = %v, want *ObjectiveError", tc.o, err)
			}
			if oe.Reason != tc.reason || oe.Limit != tc.limit {
				t.Errorf("ValidateObjective = %+v, want reason %s limit %v", oe, tc.reason, tc.limit)
			}
			if !strings.HasPrefix(err.Error(), "kpi: ") {
				t.Errorf("message %q lacks the kpi: prefix", err.Error())
			}
		})
	}
}

// November 2026 starts on a Sunday: 21 working days. On Monday the 16th,
// 11 of them have elapsed (today included) and 10 remain.
var (
	nov2026 = PeriodOf(Month, ymd(2026, time.November, 16))
	nov16   = ymd(2026, time.November, 16)
	nov25   = ymd(2026, time.November, 25) // 18 elapsed, 3 remain
)

// logged says the owner logged every working day so far.
func logged(t Totals) Totals { t.ActiveDays = 23; return t }

func sigObjective(target float64) Objective {
	return Objective{ID: "sig", Owner: "U1", Target: "signatures", Value: target, Period: Month, Kind: Balance}
}

func TestEvaluateCounts(t *testing.T) {
	tests := []struct {
		name     string
		o        Objective
		value    int
		today    Date
		pace     float64
		status   Status
		forecast float64
		needed   float64
		elapsed  int
		answers  Answers
	}{
		{"met early", sigObjective(21), 21, nov16, 1, Met, 21.0 / 11 * 21, 0, 11,
			Answers{OnTrack: true, Advice: Keep, Resources: Enough}},
		{"met without a known pace is still enough", sigObjective(21), 25, nov16, 0, Met, 25.0 / 11 * 21, 0, 11,
			Answers{OnTrack: true, Advice: Keep, Resources: Enough}},
		{"on track", sigObjective(21), 11, nov16, 1, OnTrack, 21, 1, 11,
			Answers{OnTrack: true, Advice: Keep, Resources: Enough}},
		{"at risk", sigObjective(21), 9, nov16, 1, AtRisk, 9.0 / 11 * 21, 1.2, 11,
			Answers{OnTrack: false, Advice: Reinforce, Resources: Enough}},
		{"at risk, stretch", sigObjective(21), 9, nov16, 0.9, AtRisk, 9.0 / 11 * 21, 1.2, 11,
			Answers{Advice: Reinforce, Resources: Stretch}},
		{"off track with time left: reinforce", sigObjective(21), 5, nov16, 0.5, OffTrack, 5.0 / 11 * 21, 1.6, 11,
			Answers{Advice: Reinforce, AdjustPlan: true, Resources: NotEnough}},
		{"off track late: rethink", sigObjective(21), 8, nov25, 0, OffTrack, 8.0 / 18 * 21, 13.0 / 3, 18,
			Answers{Advice: Rethink, AdjustPlan: true, Resources: Unknown}},
		{"last day, short", sigObjective(21), 20, ymd(2026, time.November, 30), 5, AtRisk, 20, 1, 21,
			Answers{Advice: Reinforce, Resources: NotEnough}},
		{"before the first working day", sigObjective(21), 0, ymd(2026, time.November, 1), 1, NotEnoughData, 0, 1, 0,
			Answers{Advice: Keep, Resources: Enough}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pr := Evaluate(tc.o, logged(counts(Signatures, tc.value)), nov2026, tc.today, tc.pace, DefaultMinEvents)
			if pr.Status != tc.status || !near(pr.Forecast, tc.forecast) || !near(pr.NeededPerDay, tc.needed) ||
				pr.ElapsedWorkingDays != tc.elapsed || pr.TotalWorkingDays != 21 || pr.Answers != tc.answers {
				t.Errorf("Evaluate = status %s forecast %v needed %v elapsed %d/%d answers %+v;\nwant %s %v %v %d/21 %+v",
					pr.Status, pr.Forecast, pr.NeededPerDay, pr.ElapsedWorkingDays, pr.TotalWorkingDays, pr.Answers,
					tc.status, tc.forecast, tc.needed, tc.elapsed, tc.answers)
			}
			if !near(pr.Value, float64(tc.value)) || !near(pr.Ratio, float64(tc.value)/tc.o.Value) {
				t.Errorf("Value %v Ratio %v", pr.Value, pr.Ratio)
			}
			if pr.Period != nov2026 || pr.Objective != tc.o || pr.Alert {
				t.Errorf("Progress header = %+v", pr)
			}
		})
	}
}

func TestEvaluateRevenue(t *testing.T) {
	o := Objective{ID: "ca", Owner: TeamOwner, Target: "revenue", Value: 21_000_00, Period: Month, Kind: Anticipation}
	pr := Evaluate(o, Totals{RevenueCents: 11_000_00, ActiveDays: 11}, nov2026, nov16, 1_000_00, DefaultMinEvents)
	if pr.Status != OnTrack || !near(pr.Forecast, 21_000_00) || !near(pr.NeededPerDay, 1_000_00) || pr.Answers.Resources != Enough {
		t.Errorf("revenue progress = %+v", pr)
	}
}

func TestEvaluateRates(t *testing.T) {
	o := Objective{ID: "win", Owner: "U1", Target: "proposals_signatures", Value: 0.3, Period: Month, Kind: Balance}
	tests := []struct {
		name   string
		t      Totals
		today  Date
		status Status
		value  float64
		advice Advice
	}{
		{"too little data", counts(Proposals, 4, Signatures, 0), nov16, NotEnoughData, 0, Keep},
		{"one proposal, one signature is not 100%", counts(Proposals, 1, Signatures, 1), nov16, NotEnoughData, 1, Keep},
		{"at target mid-period is on track, not met", counts(Proposals, 10, Signatures, 3), nov16, OnTrack, 0.3, Keep},
		{"at target on the last day is met", counts(Proposals, 10, Signatures, 4), ymd(2026, time.November, 30), Met, 0.4, Keep},
		{"at risk", counts(Proposals, 20, Signatures, 5), nov16, AtRisk, 0.25, Reinforce},
		{"off track late", counts(Proposals, 10, Signatures, 1), nov25, OffTrack, 0.1, Rethink},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pr := Evaluate(o, logged(tc.t), nov2026, tc.today, 3, DefaultMinEvents)
			if pr.Status != tc.status || !near(pr.Value, tc.value) || !near(pr.Forecast, tc.value) ||
				pr.Answers.Advice != tc.advice || pr.Answers.Resources != Unknown || pr.NeededPerDay != 0 {
				t.Errorf("Evaluate = %+v, want status %s value %v advice %s", pr, tc.status, tc.value, tc.advice)
			}
		})
	}
	t.Run("unknown target", func(t *testing.T) {
		bad := o
		bad.Target = "bananas"
		if pr := Evaluate(bad, counts(Proposals, 10), nov2026, nov16, 3, 0); pr.Status != NotEnoughData {
			t.Errorf("status = %s, want not enough data", pr.Status)
		}
	})
}

func TestEvaluateAlerts(t *testing.T) {
	rateAlert := Objective{ID: "a1", Owner: "U1", Target: "proposals_signatures", Value: 0.3, Period: Month,
		Kind: Alert, Threshold: 0.2, Direction: Below, Action: "review lost proposals"}
	lostAlert := Objective{ID: "a2", Owner: "U1", Target: "lost", Value: 1, Period: Month,
		Kind: Alert, Threshold: 3, Direction: Above, Action: "debrief every lost deal"}
	meetingsAlert := Objective{ID: "a3", Owner: "U1", Target: "meetings", Value: 40, Period: Month,
		Kind: Alert, Threshold: 30, Direction: Below, Action: "block two prospecting mornings"}
	balance := rateAlert
	balance.Kind, balance.Threshold, balance.Direction = Balance, 0, ""
	tests := []struct {
		name  string
		o     Objective
		t     Totals
		today Date
		alert bool
	}{
		{"rate below threshold", rateAlert, counts(Proposals, 10, Signatures, 1), nov16, true},
		{"rate at threshold does not fire", rateAlert, counts(Proposals, 10, Signatures, 2), nov16, false},
		{"rate above threshold", rateAlert, counts(Proposals, 10, Signatures, 5), nov16, false},
		{"rate below but too little data", rateAlert, counts(Proposals, 4, Signatures, 0), nov16, false},
		{"count above threshold", lostAlert, counts(Lost, 4), nov16, true},
		{"count at threshold", lostAlert, counts(Lost, 3), nov16, false},
		// 11 meetings in 11 of 21 working days heads for 21 < 30.
		{"count heading below", meetingsAlert, counts(Meetings, 11), nov16, true},
		// 16 so far is below 30, but the run rate heads for 30.5.
		{"count below so far but not heading below", meetingsAlert, counts(Meetings, 16), nov16, false},
		{"no working day yet", meetingsAlert, counts(Meetings, 0), ymd(2026, time.November, 1), false},
		{"not an alert", balance, counts(Proposals, 10, Signatures, 1), nov16, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if pr := Evaluate(tc.o, logged(tc.t), nov2026, tc.today, 0, DefaultMinEvents); pr.Alert != tc.alert {
				t.Errorf("Alert = %v, want %v (progress %+v)", pr.Alert, tc.alert, pr)
			}
		})
	}
}

func TestEvaluateJudgesOnlyFromTheDayItWasSet(t *testing.T) {
	o := sigObjective(21)
	o.Since = ymd(2026, time.December, 1)
	if pr := Evaluate(o, logged(counts(Signatures, 0)), nov2026, nov25, 1, DefaultMinEvents); pr.Status != NotSet || pr.Alert {
		t.Errorf("a month before the objective existed: %+v", pr)
	}
	// Set on Monday 16 November: 11 of November's 21 working days are
	// left, so the target is prorated to 11 and the days before are
	// not counted as behind.
	o.Since = nov16
	pr := Evaluate(o, logged(counts(Signatures, 1)), nov2026, nov16, 1, DefaultMinEvents)
	if !pr.Partial || !near(pr.Goal, 11) || pr.TotalWorkingDays != 11 || pr.ElapsedWorkingDays != 1 || pr.Status != OnTrack {
		t.Errorf("set mid-period: %+v", pr)
	}
	if pr.Period != nov2026 {
		t.Errorf("Period = %+v, want the whole month for its label", pr.Period)
	}
	// A rate is not prorated: the target is the rate.
	rate := Objective{ID: "win", Owner: "U1", Target: "proposals_signatures", Value: 0.3, Period: Month, Kind: Balance, Since: nov16}
	if pr := Evaluate(rate, logged(counts(Proposals, 10, Signatures, 3)), nov2026, nov25, 0, DefaultMinEvents); !pr.Partial || pr.Goal != 0.3 || pr.Status != OnTrack {
		t.Errorf("rate set mid-period: %+v", pr)
	}
}

func TestEvaluateSaysWhenTooFewDaysWereLogged(t *testing.T) {
	week := PeriodOf(Week, ymd(2026, time.November, 23))
	friday := ymd(2026, time.November, 27)
	o := Objective{ID: "rdv", Owner: "U1", Target: "meetings", Value: 6, Period: Week, Kind: Alert, Threshold: 4, Direction: Below, Action: "call back"}
	tests := []struct {
		name   string
		days   int
		n      int
		status Status
		few    bool
		alert  bool
	}{
		{"logged once: not behind, not enough data", 1, 0, NotEnoughData, true, false},
		{"logged twice of five", 2, 1, NotEnoughData, true, false},
		{"logged three of five: judged", 3, 1, OffTrack, false, true},
		{"met even on one day", 1, 6, Met, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tot := counts(Meetings, tc.n)
			tot.ActiveDays = tc.days
			pr := Evaluate(o, tot, week, friday, 0, DefaultMinEvents)
			if pr.Status != tc.status || pr.FewLogged != tc.few || pr.Alert != tc.alert || pr.LoggedDays != tc.days || pr.ElapsedWorkingDays != 5 {
				t.Errorf("Evaluate = %+v", pr)
			}
			if !pr.AlertOnForecast {
				t.Errorf("a below-threshold count alert compares the forecast and must say so: %+v", pr)
			}
		})
	}
}
