package kpi

import (
	"fmt"
	"math"
	"strconv"
)

// RateSource says where a plan took a stage's conversion rate from, so the
// rep knows how much to trust the figure.
type RateSource string

// The sources, in the order ReversePlan tries them.
const (
	SourceOwn       RateSource = "own"
	SourceTeam      RateSource = "team"
	SourceBenchmark RateSource = "benchmark"
	// SourceAssumed: meetings→proposals with no data and no benchmark:
	// 100%, each opportunity gets a proposal.
	SourceAssumed RateSource = "assumed"
)

// PlanStep is one step of a reverse funnel.
type PlanStep struct {
	Metric Metric
	Need   float64
	// Rate is the conversion from this step to the next; zero Rate for the
	// last step. For a benchmark or an assumed rate, Num and Den are 0 and
	// Enough is true: Value is a reference, not a measurement.
	Rate   Rate
	Source RateSource // empty for the last step
}

// Plan is what it takes to reach a target count, worked back through the
// funnel.
type Plan struct {
	Target Metric
	Value  float64
	// Steps go from calls down to Target, in funnel order.
	Steps []PlanStep
	// DailyCalls is the rep's recent average calls per working day (input).
	DailyCalls float64
	// WorkingDays is Steps[0].Need / DailyCalls; 0 when DailyCalls is 0.
	WorkingDays float64
}

// PlanErrorReason says why ReversePlan could not plan, so the bot can word
// the message in the rep's language.
type PlanErrorReason string

// The reasons a plan is refused.
const (
	// PlanNotInFunnel: the target is not on the calls→signatures chain.
	PlanNotInFunnel PlanErrorReason = "not_in_funnel"
	// PlanBadValue: the value is not positive or above Limit.
	PlanBadValue PlanErrorReason = "bad_value"
	// PlanZeroRate: a stage never converts, with enough data to be sure;
	// Stage says which.
	PlanZeroRate PlanErrorReason = "zero_rate"
)

// PlanError is returned by ReversePlan.
type PlanError struct {
	Reason PlanErrorReason
	Target Metric
	Stage  string     // the stage key, for PlanZeroRate
	Source RateSource // whose rate is zero, for PlanZeroRate
	Limit  float64    // for PlanBadValue
}

// Error returns an English description for logs, prefixed "kpi: ".
func (e *PlanError) Error() string {
	if e == nil {
		return "kpi: <nil PlanError>"
	}
	switch e.Reason {
	case PlanNotInFunnel:
		return fmt.Sprintf("kpi: cannot plan %q: not in the calls→signatures funnel", e.Target)
	case PlanBadValue:
		return fmt.Sprintf("kpi: cannot plan %q: value must be in (0, %g]", e.Target, e.Limit)
	case PlanZeroRate:
		return fmt.Sprintf("kpi: cannot plan %q: stage %s never converts (%s rate is 0)", e.Target, e.Stage, e.Source)
	}
	return "kpi: cannot plan " + strconv.Quote(string(e.Target))
}

// maxPlanValue bounds a plan target like ValidateObjective bounds a
// monthly count: MaxPerMetric on each of a month's 23 working days at most.
const maxPlanValue = MaxPerMetric * 23

// ReversePlan works back from a target count (leads, meetings, proposals or
// signatures; calls give a one-step plan) through the funnel: each stage
// uses the rep's own rate when it has enough data, else the team's, else
// the source 003 benchmark, else (meetings→proposals only) the 100%
// assumption; each step says which. Errors (*PlanError): target not in the
// funnel chain (e.g. emails), value <= 0 or > MaxPerMetric*23, or a stage
// rate of 0 with enough data (cannot plan through a stage that never
// converts: it says which).
//
// A measured rate above 100% (leads logged without calls) is kept in the
// step's Rate but planned as 100%: it cannot take fewer calls than leads.
func ReversePlan(target Metric, value float64, own, team Totals, dailyCalls float64, minEvents int) (Plan, error) {
	last := chainIndex(target)
	if last < 0 {
		return Plan{}, &PlanError{Reason: PlanNotInFunnel, Target: target}
	}
	if !(value > 0) || value > maxPlanValue {
		return Plan{}, &PlanError{Reason: PlanBadValue, Target: target, Limit: maxPlanValue}
	}
	p := Plan{Target: target, Value: value, DailyCalls: dailyCalls, Steps: make([]PlanStep, last+1)}
	p.Steps[last] = PlanStep{Metric: target, Need: value}
	for i := last - 1; i >= 0; i-- {
		st := Stages[i]
		r, src := planRate(st, own, team, minEvents)
		if r.Value == 0 {
			return Plan{}, &PlanError{Reason: PlanZeroRate, Target: target, Stage: st.Key, Source: src}
		}
		p.Steps[i] = PlanStep{
			Metric: st.From,
			Need:   p.Steps[i+1].Need / math.Min(r.Value, 1),
			Rate:   r,
			Source: src,
		}
	}
	if dailyCalls > 0 {
		p.WorkingDays = p.Steps[0].Need / dailyCalls
	}
	return p, nil
}

// planRate picks the rate of one stage by the fallback order.
func planRate(st Stage, own, team Totals, minEvents int) (Rate, RateSource) {
	if r := RateOf(own, st, minEvents); r.Enough {
		return r, SourceOwn
	}
	if r := RateOf(team, st, minEvents); r.Enough {
		return r, SourceTeam
	}
	if st.Benchmark > 0 {
		return Rate{Stage: st, Value: st.Benchmark, Enough: true}, SourceBenchmark
	}
	return Rate{Stage: st, Value: 1, Enough: true}, SourceAssumed
}

// Approx rounds x to two significant figures, how plan figures are shown
// (an estimate is not precise to the unit): 101.01 → 100, 10.1 → 10,
// 3.33 → 3.3, 1.1 → 1.1, 0 → 0. It goes through strconv's correctly
// rounded decimal formatting, because scaling by powers of ten adds float
// errors of its own. NaN and infinities are returned unchanged.
func Approx(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 2, 64), 64)
	if err != nil {
		// FormatFloat output always parses; keep x rather than invent a value.
		return x
	}
	return r
}
