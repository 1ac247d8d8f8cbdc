package kpi

import (
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// sameReading compares what two entries record.
func sameReading(a, b Entry) bool {
	return maps.Equal(a.Counts, b.Counts) && a.RevenueCents == b.RevenueCents && a.HasRevenue == b.HasRevenue &&
		a.PipelineCents == b.PipelineCents && a.HasPipeline == b.HasPipeline && a.Date == b.Date &&
		a.DateGiven == b.DateGiven && a.Note == b.Note
}

// checkEcho parses both canonical echoes of e and wants the same reading,
// with no doubt: the echo is what the bot shows and what a rep may copy.
func checkEcho(t *testing.T, p *Parser, e Entry, now time.Time, from string) {
	t.Helper()
	for _, echo := range []string{e.Canonical(), e.CanonicalEnglish()} {
		got, err := p.Parse(echo, now)
		if err != nil {
			t.Errorf("%s: echo %q refused: %v", from, echo, err)
			continue
		}
		if !sameReading(got, e) {
			t.Errorf("%s: echo %q\n read %+v\n want %+v", from, echo, got, e)
		}
		if len(got.Doubts) > 0 {
			t.Errorf("%s: echo %q has doubts %+v", from, echo, got.Doubts)
		}
	}
}

// Every accepted phrasing of the tables echoes back to the same reading.
func TestCanonicalEchoOfTables(t *testing.T) {
	now := grammarNow(t)
	p := NewParser(nil).WithPipeline().WithDoubts()
	n := 0
	for _, cases := range grammarCaseTables() {
		for _, tc := range cases {
			if e, err := p.Parse(tc.text, now); err == nil {
				checkEcho(t, p, e, now, tc.text)
				n++
			}
		}
	}
	usd := p.WithCurrency("USD")
	for _, tc := range usdCases {
		if e, err := usd.Parse(tc.text, now); err == nil {
			checkEcho(t, usd, e, now, tc.text)
			n++
		}
	}
	paris := loadZoneT(t, "Europe/Paris")
	for _, tc := range parseCases(paris) {
		if tc.err == nil {
			tnow := tc.now
			if tnow.IsZero() {
				tnow = time.Date(2026, 11, 23, 10, 0, 0, 0, paris)
			}
			if e, err := p.Parse(tc.text, tnow); err == nil {
				checkEcho(t, p, e, tnow, tc.text)
				n++
			}
		}
	}
	t.Logf("%d accepted inputs echoed", n)
	if n < 150 {
		t.Fatalf("only %d accepted inputs echoed", n)
	}
}

// Any entry, however made, echoes back to itself.
func TestCanonicalEchoProperty(t *testing.T) {
	now := grammarNow(t)
	today := DateOf(now)
	r := rand.New(rand.NewPCG(1, 2))
	for _, cur := range []string{"EUR", "USD", "CHF"} {
		p := NewParser(nil).WithPipeline().WithCurrency(cur)
		for range 1500 {
			e := Entry{Counts: map[Metric]int{}, Date: today}
			for _, m := range CountMetrics {
				if r.IntN(3) == 0 {
					n := r.IntN(20)
					if r.IntN(10) == 0 {
						n = r.IntN(MaxPerMetric + 1)
					}
					e.Counts[m] = n
				}
			}
			if r.IntN(2) == 0 {
				e.RevenueCents, e.HasRevenue = randomCents(r), true
			}
			if r.IntN(3) == 0 {
				e.PipelineCents, e.HasPipeline = randomCents(r), true
			}
			if len(e.Counts) == 0 && !e.HasRevenue && !e.HasPipeline {
				e.Counts[Calls] = 1
			}
			if e.HasRevenue || e.HasPipeline {
				e.Currency = cur
			}
			if r.IntN(2) == 0 {
				e.Date, e.DateGiven = today.AddDays(-r.IntN(MaxDaysBack+1)), true
			}
			if r.IntN(3) == 0 {
				e.Note = strings.TrimSpace([]string{"bon échange", "client X -- relancer", "#win", "ok"}[r.IntN(4)])
			}
			checkEcho(t, p, e, now, "random")
			if t.Failed() {
				return
			}
		}
	}
}

func randomCents(r *rand.Rand) int64 {
	switch r.IntN(4) {
	case 0:
		return int64(r.IntN(100))
	case 1:
		return int64(r.IntN(100_000)) * 100
	case 2:
		return r.Int64N(MaxRevenueCents + 1)
	}
	return int64(r.IntN(5000)) * 1000
}

func TestCanonicalWords(t *testing.T) {
	e := Entry{Counts: map[Metric]int{Meetings: 3, Proposals: 1, Lost: 2, Calls: 0}, RevenueCents: 1_250_050, HasRevenue: true,
		Currency: "EUR", Date: ymd(2026, time.November, 20), DateGiven: true, Note: "bien"}
	if got, want := e.Canonical(), "0 appel 3 rdv 1 offre 2 deals perdus CA 12500.50 EUR 2026-11-20 -- bien"; got != want {
		t.Errorf("Canonical = %q, want %q", got, want)
	}
	if got, want := e.CanonicalEnglish(), "0 calls 3 meetings 1 proposal 2 lost deals revenue 12500.50 EUR 2026-11-20 -- bien"; got != want {
		t.Errorf("CanonicalEnglish = %q, want %q", got, want)
	}
}
