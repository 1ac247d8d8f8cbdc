package kpi

import (
	"testing"
)

func TestCoachingSignals(t *testing.T) {
	// A steady rep: the same rates now as over the previous 4 weeks.
	steadyTrail := counts(Calls, 400, Leads, 40, Meetings, 20, Proposals, 12, Followups, 12, Signatures, 4)
	steadyNow := counts(Calls, 100, Leads, 10, Meetings, 5, Proposals, 3, Followups, 3, Signatures, 1)

	atRisk := Progress{Objective: Objective{ID: "o-risk", Value: 20}, Forecast: 17, Status: AtRisk}
	offTrack := Progress{Objective: Objective{ID: "o-off", Value: 20}, Forecast: 8, Status: OffTrack}
	onTrack := Progress{Objective: Objective{ID: "o-ok", Value: 20}, Forecast: 25, Status: OnTrack}
	noData := Progress{Objective: Objective{ID: "o-nd", Value: 0.3}, Status: NotEnoughData}

	type want struct {
		kind   SignalKind
		key    string // stage key or objective ID
		impact float64
	}
	tests := []struct {
		name     string
		current  Totals
		trailing Totals
		progress []Progress
		want     []want
	}{
		{"steady rep, on track: nothing", steadyNow, steadyTrail, []Progress{onTrack, noData}, nil},
		{"empty", Totals{}, Totals{}, nil, nil},
		{
			name: "proposals→signatures dropped",
			// 40% → 10%: 30 points × weight 4 = 120.
			current:  counts(Proposals, 10, Followups, 10, Signatures, 1),
			trailing: counts(Proposals, 10, Followups, 10, Signatures, 4),
			want:     []want{{SignalStageDrop, "proposals_signatures", 120}},
		},
		{
			name: "small drops are ignored",
			// calls→leads 10% → 6%: 4 points only. leads→meetings 60% → 52%:
			// 8 points but 13% relative.
			current:  counts(Calls, 100, Leads, 25, Meetings, 13),
			trailing: counts(Calls, 100, Leads, 10, Meetings, 6),
			want:     nil,
		},
		{
			name: "exactly 5 points and 20% counts",
			// calls→leads 25% → 20%: 5 points, 20% relative, weight 1.
			current:  counts(Calls, 100, Leads, 20),
			trailing: counts(Calls, 100, Leads, 25),
			want:     []want{{SignalStageDrop, "calls_leads", 5}},
		},
		{
			name: "a drop on too little data is not a signal",
			// 4 proposals now: not enough to say the rate fell.
			current:  counts(Proposals, 4, Followups, 4, Signatures, 0),
			trailing: counts(Proposals, 10, Followups, 10, Signatures, 5),
			want:     nil,
		},
		{
			name: "everything, ranked",
			// leads→meetings 50% → 20%: 30 points × 2 = 60.
			// proposals without follow-up: 4+6 proposals, 1+2 follow-ups → 7 × 2 = 14.
			// deal value 2000 → 1000 avg: 50% × 10 = 5.
			// objectives: off track 8/20 → 6, at risk 17/20 → 1.5.
			current:  counts(Leads, 10, Meetings, 2, Proposals, 4, Followups, 1, Signatures, 2).withRevenue(2000_00),
			trailing: counts(Leads, 10, Meetings, 5, Proposals, 6, Followups, 2, Signatures, 3).withRevenue(6000_00),
			progress: []Progress{atRisk, onTrack, offTrack},
			want: []want{
				{SignalStageDrop, "leads_meetings", 60},
				{SignalNoFollowup, "", 14},
				{SignalObjectiveAtRisk, "o-off", 6},
				{SignalDealValueDrop, "", 5},
				{SignalObjectiveAtRisk, "o-risk", 1.5},
			},
		},
		{
			name:     "deal value needs two signatures on each side",
			current:  counts(Signatures, 1).withRevenue(100_00),
			trailing: counts(Signatures, 5).withRevenue(50000_00),
			want:     nil,
		},
		{
			name:     "a mild deal value dip is not a signal",
			current:  counts(Signatures, 2).withRevenue(1700_00),
			trailing: counts(Signatures, 2).withRevenue(2000_00),
			want:     nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := CoachingSignals(tc.current, tc.trailing, tc.progress, DefaultMinEvents)
			if len(got) != len(tc.want) {
				t.Fatalf("CoachingSignals = %+v, want %d signals %+v", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				s := got[i]
				key := s.Stage
				if s.Kind == SignalObjectiveAtRisk {
					key = s.Objective
				}
				if s.Kind != w.kind || key != w.key || !near(s.Impact, w.impact) {
					t.Errorf("signal %d = %+v, want %+v", i, s, w)
				}
			}
		})
	}
}

// The numbers behind each signal are the rep's own: current against the
// rep's trailing figures.
func TestCoachingSignalValues(t *testing.T) {
	current := counts(Proposals, 10, Followups, 4, Signatures, 2).withRevenue(1000_00)
	trailing := counts(Proposals, 10, Followups, 10, Signatures, 5).withRevenue(5000_00)
	got := CoachingSignals(current, trailing, nil, DefaultMinEvents)
	byKind := map[SignalKind]Signal{}
	for _, s := range got {
		byKind[s.Kind] = s
	}
	tests := []struct {
		kind       SignalKind
		value, ref float64
		count      int
	}{
		{SignalStageDrop, 0.2, 0.5, 0},
		{SignalNoFollowup, 14.0 / 20, 1, 6},
		{SignalDealValueDrop, 500_00, 1000_00, 0},
	}
	for _, tc := range tests {
		t.Run(string(tc.kind), func(t *testing.T) {
			s, ok := byKind[tc.kind]
			if !ok {
				t.Fatalf("no %s signal in %+v", tc.kind, got)
			}
			if !near(s.Value, tc.value) || !near(s.Reference, tc.ref) || s.Count != tc.count {
				t.Errorf("%s = %+v, want value %v reference %v count %d", tc.kind, s, tc.value, tc.ref, tc.count)
			}
		})
	}
}
