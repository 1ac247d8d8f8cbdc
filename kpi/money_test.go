package kpi

import (
	"fmt"
	"testing"
)

func TestHealthOf(t *testing.T) {
	tests := []struct {
		name string
		t    Totals
		want Health
	}{
		{"nothing", Totals{}, Health{}},
		{"one signature is a real average", Totals{Counts: map[Metric]int{Signatures: 1}, RevenueCents: 1234_56},
			Health{AvgDealCents: 1234_56, AvgDealOK: true}},
		{"average rounds to the nearest cent", Totals{Counts: map[Metric]int{Signatures: 3}, RevenueCents: 200},
			Health{AvgDealCents: 67, AvgDealOK: true}},
		{"revenue without signatures has no average", Totals{Counts: map[Metric]int{}, RevenueCents: 500_00}, Health{}},
		{"followups need enough proposals", Totals{Counts: map[Metric]int{Proposals: 4, Followups: 8}}, Health{}},
		{"followups per proposal", Totals{Counts: map[Metric]int{Proposals: 5, Followups: 8}},
			Health{FollowupsPerProposal: 1.6, FollowupsOK: true}},
		{"win rate and win/loss", Totals{Counts: map[Metric]int{Signatures: 2, Lost: 6}, RevenueCents: 10},
			Health{AvgDealCents: 5, AvgDealOK: true, WinRate: 0.25, WinRateOK: true, WinLoss: 2.0 / 6, WinLossOK: true}},
		{"no lost deal: win rate only", Totals{Counts: map[Metric]int{Signatures: 5}},
			Health{AvgDealOK: true, WinRate: 1, WinRateOK: true}},
		{"4 deals is not enough", Totals{Counts: map[Metric]int{Signatures: 1, Lost: 3}},
			Health{AvgDealOK: true}},
		{"average proposal over the priced ones", Totals{Counts: map[Metric]int{Proposals: 9}, PipelineCents: 1500_000, PricedProposals: 2},
			Health{AvgProposalCents: 750_000, AvgProposalOK: true, FollowupsOK: true}},
		{"a pipeline with no proposal has no average", Totals{Counts: map[Metric]int{}, PipelineCents: 2000_000}, Health{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := HealthOf(tc.t, DefaultMinEvents)
			if got.AvgDealCents != tc.want.AvgDealCents || got.AvgDealOK != tc.want.AvgDealOK ||
				got.AvgProposalCents != tc.want.AvgProposalCents || got.AvgProposalOK != tc.want.AvgProposalOK ||
				!near(got.FollowupsPerProposal, tc.want.FollowupsPerProposal) || got.FollowupsOK != tc.want.FollowupsOK ||
				!near(got.WinRate, tc.want.WinRate) || got.WinRateOK != tc.want.WinRateOK ||
				!near(got.WinLoss, tc.want.WinLoss) || got.WinLossOK != tc.want.WinLossOK {
				t.Errorf("HealthOf = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestRevenueAgainst(t *testing.T) {
	tests := []struct {
		name   string
		rev    int64
		target int64
		ratio  float64
		ok     bool
	}{
		{"half", 5000_00, 10000_00, 0.5, true},
		{"above", 15000_00, 10000_00, 1.5, true},
		{"nothing yet", 0, 10000_00, 0, true},
		{"no target", 5000_00, 0, 0, false},
		{"negative target", 5000_00, -1, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ratio, ok := RevenueAgainst(Totals{RevenueCents: tc.rev}, tc.target)
			if !near(ratio, tc.ratio) || ok != tc.ok {
				t.Errorf("RevenueAgainst(%d, %d) = %v, %v; want %v, %v", tc.rev, tc.target, ratio, ok, tc.ratio, tc.ok)
			}
		})
	}
}

func TestDivRound(t *testing.T) {
	tests := []struct{ n, d, want int64 }{
		{7, 2, 4}, {5, 2, 3}, {4, 3, 1}, {-7, 2, -4}, {0, 3, 0}, {200, 3, 67},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d/%d", tc.n, tc.d), func(t *testing.T) {
			if got := divRound(tc.n, tc.d); got != tc.want {
				t.Errorf("divRound(%d, %d) = %d, want %d", tc.n, tc.d, got, tc.want)
			}
		})
	}
}
