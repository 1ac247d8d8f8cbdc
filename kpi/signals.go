package kpi

import "sort"

// SignalKind is what a coaching signal is about.
type SignalKind string

// The coaching signals of DESIGN.md.
const (
	SignalStageDrop       SignalKind = "stage_drop"
	SignalNoFollowup      SignalKind = "no_followup"
	SignalDealValueDrop   SignalKind = "deal_value_drop"
	SignalObjectiveAtRisk SignalKind = "objective_at_risk"
)

// Signal is one coaching finding for one rep, with the number behind it.
// Reference is what Value is compared with: the rep's OWN trailing rate,
// never another rep's. Per kind:
//   - stage_drop: Value is the current rate of Stage, Reference the trailing one;
//   - no_followup: Count is proposals minus follow-ups, Value follow-ups per
//     proposal, Reference 1 (one follow-up per proposal);
//   - deal_value_drop: Value and Reference are average deals in cents;
//   - objective_at_risk: Value is the Forecast, Reference the target.
type Signal struct {
	Kind      SignalKind
	Stage     string // stage key, for stage drops
	Value     float64
	Reference float64
	Count     int    // e.g. proposals without follow-up
	Objective string // objective ID
	Impact    float64
}

// Thresholds of the signals. A stage drop must be large in both absolute
// and relative terms: 5 points alone would flag noise on a 60% stage, 20%
// alone would flag 2% → 1.5% calls→signatures.
const (
	dropPoints      = 0.05
	dropRelative    = 0.20
	dealDropShare   = 0.80
	dealMinSigs     = 2
	followupImpact  = 2
	dealDropImpact  = 10
	objectiveImpact = 10
	// epsilon absorbs float error in "dropped by at least 5 points":
	// 0.30 - 0.25 is 0.04999999999999999 in float64.
	epsilon = 1e-9
)

// CoachingSignals ranks findings for one rep by Impact, highest first:
//   - a stage whose rate in current fell below the rep's own rate over
//     trailing (the previous 4 weeks' totals, summed) by at least 5 points
//     and 20% relative, both with enough data; Impact = the drop in points
//     × the stage's position weight (later stages weigh more: 1,2,3,4);
//   - proposals with no follow-up: proposals - followups over
//     current+trailing when proposals >= minEvents and that is > 0;
//     Impact = count × 2 (scaled to be comparable);
//   - a drop in average deal value: current avg < 80% of the trailing avg,
//     each with >= 2 signatures; Impact = relative drop × 10;
//   - every objective progress with Status AtRisk or OffTrack;
//     Impact = (1 - Forecast/target) × 10.
//
// Raw activity counts are never compared to other reps: this function only
// ever sees one rep's data (source 001: the indicator is not a control
// tower). Ties keep the order above, so the result is deterministic.
func CoachingSignals(current, trailing Totals, progress []Progress, minEvents int) []Signal {
	var out []Signal
	for i, st := range Stages {
		cur, ref := RateOf(current, st, minEvents), RateOf(trailing, st, minEvents)
		if !cur.Enough || !ref.Enough {
			continue
		}
		drop := ref.Value - cur.Value
		if drop+epsilon >= dropPoints && drop+epsilon >= dropRelative*ref.Value {
			out = append(out, Signal{
				Kind: SignalStageDrop, Stage: st.Key,
				Value: cur.Value, Reference: ref.Value,
				Impact: drop * 100 * float64(i+1),
			})
		}
	}

	both := current.plus(trailing)
	if p, f := both.Counts[Proposals], both.Counts[Followups]; p >= minOrDefault(minEvents) && p > f {
		out = append(out, Signal{
			Kind: SignalNoFollowup, Count: p - f,
			Value: float64(f) / float64(p), Reference: 1,
			Impact: float64(p-f) * followupImpact,
		})
	}

	if cs, ts := current.Counts[Signatures], trailing.Counts[Signatures]; cs >= dealMinSigs && ts >= dealMinSigs {
		curAvg := float64(current.RevenueCents) / float64(cs)
		refAvg := float64(trailing.RevenueCents) / float64(ts)
		if refAvg > 0 && curAvg < dealDropShare*refAvg {
			out = append(out, Signal{
				Kind: SignalDealValueDrop, Value: curAvg, Reference: refAvg,
				Impact: (1 - curAvg/refAvg) * dealDropImpact,
			})
		}
	}

	for _, pr := range progress {
		target := pr.Objective.Value
		if (pr.Status != AtRisk && pr.Status != OffTrack) || !(target > 0) {
			continue
		}
		out = append(out, Signal{
			Kind: SignalObjectiveAtRisk, Objective: pr.Objective.ID,
			Value: pr.Forecast, Reference: target,
			Impact: (1 - pr.Forecast/target) * objectiveImpact,
		})
	}

	sort.SliceStable(out, func(i, j int) bool { return out[i].Impact > out[j].Impact })
	return out
}
