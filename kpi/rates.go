package kpi

// DefaultMinEvents is how many events a denominator needs before its rate
// is shown. Below it one lost deal would read as "0% conversion". Every
// function taking minEvents uses it when given 0 or less.
const DefaultMinEvents = 5

// minOrDefault lets callers pass the zero value for "the default".
func minOrDefault(minEvents int) int {
	if minEvents <= 0 {
		return DefaultMinEvents
	}
	return minEvents
}

// Stage is one funnel step. Benchmark is the reference rate from source
// 003, 0 when the source gives none.
type Stage struct {
	Key       string
	From, To  Metric
	Benchmark float64
}

// Benchmarks from source 003's reference funnel: 100 calls, 10% become
// leads, 33% of leads become opportunities, 33% of opportunities become
// signatures. The source has no proposal step: its "opportunity" is our
// meeting, and its opportunity→signature rate is applied to proposals.
const (
	benchCallsLeads         = 0.10
	benchLeadsMeetings      = 0.33
	benchProposalsSignature = 0.33
)

// Stages are the core funnel steps, in funnel order.
var Stages = []Stage{
	{Key: "calls_leads", From: Calls, To: Leads, Benchmark: benchCallsLeads},
	{Key: "leads_meetings", From: Leads, To: Meetings, Benchmark: benchLeadsMeetings},
	{Key: "meetings_proposals", From: Meetings, To: Proposals, Benchmark: 0},
	{Key: "proposals_signatures", From: Proposals, To: Signatures, Benchmark: benchProposalsSignature},
}

// Overall is calls→signatures. Its benchmark is the product of the three
// rates the source gives (1.089%): the meetings→proposals step, which the
// source does not have, counts as 100%.
var Overall = Stage{
	Key: "calls_signatures", From: Calls, To: Signatures,
	Benchmark: benchCallsLeads * benchLeadsMeetings * benchProposalsSignature,
}

// funnelChain is the order the Stages connect metrics in.
var funnelChain = []Metric{Calls, Leads, Meetings, Proposals, Signatures}

func chainIndex(m Metric) int {
	for i, c := range funnelChain {
		if c == m {
			return i
		}
	}
	return -1
}

// StageByKey finds a stage by its key: one of Stages, Overall, or any other
// forward pair along the funnel ("leads_signatures"), so that an objective
// can target the span a team cares about. The benchmark of such a pair is
// the product of the source's rates along it, with meetings→proposals
// counting as 100% as in Overall; 0 when no step along it has one.
func StageByKey(key string) (Stage, bool) {
	for _, s := range Stages {
		if s.Key == key {
			return s, true
		}
	}
	if key == Overall.Key {
		return Overall, true
	}
	for i, from := range funnelChain {
		for j := i + 2; j < len(funnelChain); j++ {
			if to := funnelChain[j]; key == string(from)+"_"+string(to) {
				return stageBetween(i, j), true
			}
		}
	}
	return Stage{}, false
}

// stageBetween builds the stage from funnelChain[i] to funnelChain[j], i < j.
func stageBetween(i, j int) Stage {
	bench, has := 1.0, false
	for k := i; k < j; k++ {
		if b := Stages[k].Benchmark; b > 0 {
			bench *= b
			has = true
		}
	}
	if !has {
		bench = 0
	}
	from, to := funnelChain[i], funnelChain[j]
	return Stage{Key: string(from) + "_" + string(to), From: from, To: to, Benchmark: bench}
}

// Rate is a conversion rate. Enough is false when Den < minEvents: such a
// rate must be shown as "not enough data", never as 0% or 100%.
type Rate struct {
	Stage    Stage
	Num, Den int
	Value    float64
	Enough   bool
}

// RateOf returns the rate of stage s in t. Value is Num/Den when Den > 0
// and is not clamped: reps who log inbound leads without calls can exceed
// 100%, and hiding that would hide a logging habit worth discussing.
// Enough also requires Den > 0, so even minEvents = 1 never turns an
// absence of events into a rate.
func RateOf(t Totals, s Stage, minEvents int) Rate {
	r := Rate{Stage: s, Num: t.Counts[s.To], Den: t.Counts[s.From]}
	if r.Den > 0 {
		r.Value = float64(r.Num) / float64(r.Den)
	}
	r.Enough = r.Den > 0 && r.Den >= minOrDefault(minEvents)
	return r
}

// Funnel returns the rates of the four Stages then Overall.
func Funnel(t Totals, minEvents int) []Rate {
	out := make([]Rate, 0, len(Stages)+1)
	for _, s := range Stages {
		out = append(out, RateOf(t, s, minEvents))
	}
	return append(out, RateOf(t, Overall, minEvents))
}
