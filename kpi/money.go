package kpi

// Health holds the money and discipline KPIs. Each has an ok flag: false
// when its denominator is below minEvents (or zero, for money), in which
// case the value is 0 and must be shown as "not enough data".
//
// There is no renewal rate: it needs the number of contracts that were up
// for renewal, which reps do not log, and renewals over anything else
// would be a made-up ratio.
type Health struct {
	// AvgDealCents is revenue / signatures, rounded to the nearest cent.
	// One signature is enough: unlike a rate, the average of one deal is
	// that deal's real value, not a misleading 0% or 100%.
	AvgDealCents int64
	AvgDealOK    bool

	// AvgProposalCents is the pipeline value / the proposals that were
	// given one, rounded to the nearest cent: what an offer is worth, to
	// read beside the average deal. One priced proposal is enough, as for
	// the average deal.
	AvgProposalCents int64
	AvgProposalOK    bool

	// FollowupsPerProposal is followups / proposals; it needs proposals >=
	// minEvents.
	FollowupsPerProposal float64
	FollowupsOK          bool

	// WinLoss is signatures / lost. It needs signatures+lost >= minEvents
	// and at least one lost deal: with none the ratio is infinite, which no
	// one can read, so use WinRate then.
	WinLoss   float64
	WinLossOK bool

	// WinRate is signatures / (signatures + lost), in [0,1]; it needs
	// signatures+lost >= minEvents.
	WinRate   float64
	WinRateOK bool
}

// HealthOf computes the money and discipline KPIs of t.
func HealthOf(t Totals, minEvents int) Health {
	minEvents = minOrDefault(minEvents)
	var h Health
	if sig := int64(t.Counts[Signatures]); sig > 0 {
		h.AvgDealCents = divRound(t.RevenueCents, sig)
		h.AvgDealOK = true
	}
	if p := int64(t.PricedProposals); p > 0 {
		h.AvgProposalCents = divRound(t.PipelineCents, p)
		h.AvgProposalOK = true
	}
	if p := t.Counts[Proposals]; p >= minEvents {
		h.FollowupsPerProposal = float64(t.Counts[Followups]) / float64(p)
		h.FollowupsOK = true
	}
	won, lost := t.Counts[Signatures], t.Counts[Lost]
	if deals := won + lost; deals > 0 && deals >= minEvents {
		h.WinRate = float64(won) / float64(deals)
		h.WinRateOK = true
		if lost > 0 {
			h.WinLoss = float64(won) / float64(lost)
			h.WinLossOK = true
		}
	}
	return h
}

// divRound divides rounding half away from zero, so an average of cents
// does not always lean down as integer division would. d must be > 0.
func divRound(n, d int64) int64 {
	if n < 0 {
		return -((-n + d/2) / d)
	}
	return (n + d/2) / d
}

// RevenueAgainst returns revenue / target. ok is false when target <= 0:
// there is nothing to measure against. The ratio can exceed 1.
func RevenueAgainst(t Totals, targetCents int64) (ratio float64, ok bool) {
	if targetCents <= 0 {
		return 0, false
	}
	return float64(t.RevenueCents) / float64(targetCents), true
}
