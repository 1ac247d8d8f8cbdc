package kpi

import "math/bits"

// Fact is one check-in as kpi sees it (the bot converts storage entries to
// these). Counts holds count metrics only; money is in RevenueCents, and
// the value of the offers the check-in priced in PipelineCents.
type Fact struct {
	User         string
	Day          Date
	Counts       map[Metric]int
	RevenueCents int64
	// PipelineCents is the value of the proposals of this check-in
	// ("2 offres 15k€"), when HasPipeline. It is not revenue.
	PipelineCents int64
	HasPipeline   bool
}

// Totals is what a set of facts adds up to over a period.
type Totals struct {
	Counts       map[Metric]int // summed counts; never nil when built by Sum or SumByUser
	RevenueCents int64
	// PipelineCents sums the value of priced proposals; PricedProposals
	// counts the proposals of the facts that gave one, so that an average
	// proposal value is not diluted by offers logged without an amount.
	PipelineCents   int64
	PricedProposals int
	ActiveDays      int // distinct days with at least one fact
	Entries         int // number of facts
}

// Value returns the total of m as a number: a count, or cents for Revenue.
// Objectives and paces treat both alike, so they read them through here.
func (t Totals) Value(m Metric) float64 {
	if m == Revenue {
		return float64(t.RevenueCents)
	}
	return float64(t.Counts[m])
}

// plus adds two totals over disjoint periods (ActiveDays would double count
// a day present in both).
func (t Totals) plus(o Totals) Totals {
	r := Totals{
		Counts:          make(map[Metric]int, len(t.Counts)+len(o.Counts)),
		RevenueCents:    t.RevenueCents + o.RevenueCents,
		PipelineCents:   t.PipelineCents + o.PipelineCents,
		PricedProposals: t.PricedProposals + o.PricedProposals,
		ActiveDays:      t.ActiveDays + o.ActiveDays,
		Entries:         t.Entries + o.Entries,
	}
	for m, n := range t.Counts {
		r.Counts[m] += n
	}
	for m, n := range o.Counts {
		r.Counts[m] += n
	}
	return r
}

// DailyPace returns the average of m per working day of p (0 when p has no
// working day): the "recent daily pace" Evaluate expects, computed over
// Trailing(p, 4) with the totals of that span.
func DailyPace(t Totals, m Metric, p Period) float64 {
	wd := WorkingDays(p.Start, p.End)
	if wd == 0 {
		return 0
	}
	return t.Value(m) / float64(wd)
}

// Sum adds up the facts whose Day is in p. Counts is never nil, so callers
// can read any metric without a nil check. A Revenue key in a fact's Counts
// is ignored: money is only ever read from RevenueCents, and counting it
// twice would be worse than dropping a malformed key.
func Sum(facts []Fact, p Period) Totals {
	var acc accumulator
	acc.init(p)
	for i := range facts {
		if f := &facts[i]; p.Contains(f.Day) {
			acc.add(f)
		}
	}
	return acc.totals()
}

// SumByUser is Sum per user: one Totals for every user with at least one
// fact in p. Users with no fact in p are absent rather than zero, so the
// caller can tell "did not log" from "logged zeros".
func SumByUser(facts []Fact, p Period) map[string]Totals {
	accs := make(map[string]*accumulator)
	for i := range facts {
		f := &facts[i]
		if !p.Contains(f.Day) {
			continue
		}
		acc := accs[f.User]
		if acc == nil {
			acc = &accumulator{}
			acc.init(p)
			accs[f.User] = acc
		}
		acc.add(f)
	}
	out := make(map[string]Totals, len(accs))
	for u, acc := range accs {
		out[u] = acc.totals()
	}
	return out
}

// countIndex gives each count metric a slot in an array, so that summing
// thousands of facts does not do a map write per metric per fact.
func countIndex(m Metric) int {
	switch m {
	case Calls:
		return 0
	case Emails:
		return 1
	case Leads:
		return 2
	case Meetings:
		return 3
	case Demos:
		return 4
	case Proposals:
		return 5
	case Followups:
		return 6
	case Signatures:
		return 7
	case Lost:
		return 8
	case Renewals:
		return 9
	}
	return -1
}

// accumulator sums facts for one Totals. Active days are a bitset of day
// offsets from the period start: one word for every day, week and month, a
// few words for a quarter; only spans of years fall back to a map.
type accumulator struct {
	start   int64
	days    int
	mask    uint64   // periods of up to 64 days
	words   []uint64 // periods of up to maxBitsetDays days
	daySet  map[Date]struct{}
	counts  [10]int
	present [10]bool
	other   map[Metric]int // keys that are not known metrics, kept rather than dropped
	revenue int64
	pipe    int64
	priced  int
	entries int
}

// maxBitsetDays keeps a per-user bitset under 512 bytes.
const maxBitsetDays = 4096

func (a *accumulator) init(p Period) {
	a.start = p.Start.dayNumber()
	a.days = p.Days()
}

func (a *accumulator) add(f *Fact) {
	a.entries++
	a.revenue += f.RevenueCents
	if f.HasPipeline {
		a.pipe += f.PipelineCents
		a.priced += f.Counts[Proposals]
	}
	switch off := f.Day.dayNumber() - a.start; {
	case a.days <= 64:
		a.mask |= 1 << uint(off)
	case a.days <= maxBitsetDays:
		if a.words == nil {
			a.words = make([]uint64, (a.days+63)/64)
		}
		a.words[off/64] |= 1 << uint(off%64)
	default:
		if a.daySet == nil {
			a.daySet = make(map[Date]struct{})
		}
		a.daySet[f.Day] = struct{}{}
	}
	for m, n := range f.Counts {
		if i := countIndex(m); i >= 0 {
			a.counts[i] += n
			a.present[i] = true
		} else if m != Revenue {
			if a.other == nil {
				a.other = make(map[Metric]int)
			}
			a.other[m] += n
		}
	}
}

func (a *accumulator) totals() Totals {
	t := Totals{
		Counts:          make(map[Metric]int, len(CountMetrics)+len(a.other)),
		RevenueCents:    a.revenue,
		PipelineCents:   a.pipe,
		PricedProposals: a.priced,
		Entries:         a.entries,
	}
	for _, m := range CountMetrics {
		if i := countIndex(m); a.present[i] {
			t.Counts[m] = a.counts[i]
		}
	}
	for m, n := range a.other {
		t.Counts[m] += n
	}
	t.ActiveDays = len(a.daySet) + bits.OnesCount64(a.mask)
	for _, w := range a.words {
		t.ActiveDays += bits.OnesCount64(w)
	}
	return t
}

// MinContributors is the fewest reps a team figure may add up: below it,
// a team total is one or two people's own figures under another name.
const MinContributors = 3

// Contributors counts the users with at least one fact in p.
func Contributors(facts []Fact, p Period) int {
	seen := map[string]bool{}
	for i := range facts {
		if p.Contains(facts[i].Day) {
			seen[facts[i].User] = true
		}
	}
	return len(seen)
}
