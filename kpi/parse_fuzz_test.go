package kpi

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func FuzzParse(f *testing.F) {
	seeds := []string{
		"3 rdv 1 offre",
		"rdv 3 offre",
		"5 calls 2 demos yesterday",
		"3rdv2offres",
		"rdv:3 x 2 × offre",
		"12 000 € CA -- note",
		"1 234,56 €",
		"€12,5k $5k 12keur",
		"CA 1.234.567,89",
		"2 deals perdus 1 deal gagné",
		"r1 e-mail follow-ups leads qualifiés",
		"hier lundi 2026-11-23",
		"rien aujourd'hui -- RAS", "nothing to report yesterday", "rien que 3 appels",
		"2026-02-30 20/11",
		"-2 rdv 2.5 rdv",
		"99999999999999999999999999999 rdv",
		"CA 99999999999999999999999999999",
		"chiffre d’affaires 5k€ # ok",
		"de\u0301mo\u200b :tada: 🎉 *3*",
		"3 × -- — #",
		"\xff\xfe 3 rdv",
		"perdu 1 deal", "lost 2 deals", "closed 1 deal $12,500", "1 vente signée", "1 proposition signée",
		"2 offres 15k€", "3 relances mail", "2 devis envoyés", "5 cold calls, 2 meetings booked",
		"12 appels dont 3 décrochés", "12 calls incl. 3 connected", "3 rdv (2 en visio)",
		"vendredi dernier 4 appels", "28/11 2 rdv", "le 28 3 appels", "28 nov 2 rdv", "nov 28th 2 calls",
		"jeudi 26 2 rdv", "mercredi 26 2 rdv", "31/11 2 rdv", "demain 3 rdv", "28.11 2 rdv",
		"10 appels / 2 rdv / 1 offre", "1 vente à 12k€", "2 ventes 12k€ chacune", "rdv 3 offre",
		"3 rdv – bon feeling", "deux rdv et trois appels", "1 signature (15k€)", "signé 1 offre, envoyé 2 offres",
		"3 rdv closed 1 deal", "2 signés 1 offre", "1 renouvellement signé 8k€", "pipe 30k", "1er rdv",
		"1 rdv (visio)", "2 rdv (démo) (annulé)", "5 msg linkedin", "2 rdv calés pour jeudi", "for friday",
		"• 3 rdv · 1 offre", "vingt et un appels", "quarante-deux", "1 devis accepté 5k€", "12 calls 4 vm",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		f.Fatal(err)
	}
	// Half past midnight: the rep's day and the UTC day differ.
	now := time.Date(2026, 11, 23, 0, 30, 0, 0, paris)
	today := DateOf(now)
	parsers := []*Parser{defaultParser, NewParser(nil).WithDoubts().WithPipeline(), NewParser(nil).WithCurrency("USD").WithDoubts()}
	f.Fuzz(func(t *testing.T, text string) {
		for _, p := range parsers {
			checkParse(t, p, text, now, today)
		}
	})
}

func checkParse(t *testing.T, p *Parser, text string, now time.Time, today Date) {
	{
		e, err := p.Parse(text, now)
		e2, err2 := p.Parse(text, now)
		if !reflect.DeepEqual(e, e2) || !reflect.DeepEqual(err, err2) {
			t.Fatalf("Parse(%q) is not deterministic: %+v, %v then %+v, %v", text, e, err, e2, err2)
		}
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T is not a *ParseError", text, err)
			}
			if !pe.Kind.valid() {
				t.Fatalf("Parse(%q) error kind %d is not valid", text, pe.Kind)
			}
			if !reflect.DeepEqual(e, Entry{}) {
				t.Fatalf("Parse(%q) returned %+v with error %v", text, e, err)
			}
			if !strings.Contains(text, pe.Token) {
				t.Fatalf("Parse(%q) error %v quotes %q, which is not in the text", text, pe, pe.Token)
			}
			return
		}
		if _, ok := e.Counts[Revenue]; ok {
			t.Fatalf("Parse(%q): Counts has a Revenue key", text)
		}
		if empty := len(e.Counts) == 0 && !e.HasRevenue && !e.HasPipeline; empty != e.Nothing {
			t.Fatalf("Parse(%q): empty %v but Nothing %v (an empty entry is a day with nothing to log, or ErrEmpty)", text, empty, e.Nothing)
		}
		for m, n := range e.Counts {
			if !m.Valid() || n < 0 || n > MaxPerMetric {
				t.Fatalf("Parse(%q): count %q = %d out of range", text, m, n)
			}
		}
		if e.RevenueCents < 0 || e.RevenueCents > MaxRevenueCents {
			t.Fatalf("Parse(%q): revenue %d out of range", text, e.RevenueCents)
		}
		if !e.HasRevenue && e.RevenueCents != 0 {
			t.Fatalf("Parse(%q): revenue %d without HasRevenue", text, e.RevenueCents)
		}
		if e.Date.After(today) || today.DaysSince(e.Date) > MaxDaysBack {
			t.Fatalf("Parse(%q): date %v out of range", text, e.Date)
		}
		if !e.DateGiven && e.Date != today {
			t.Fatalf("Parse(%q): date %v without DateGiven", text, e.Date)
		}
		if e.PipelineCents < 0 || e.PipelineCents > MaxRevenueCents || !e.HasPipeline && e.PipelineCents != 0 {
			t.Fatalf("Parse(%q): pipeline %d out of range", text, e.PipelineCents)
		}
		if (e.HasRevenue || e.HasPipeline) != (e.Currency != "") || e.Currency != "" && e.Currency != p.Currency() {
			t.Fatalf("Parse(%q): currency %q for parser %q", text, e.Currency, p.Currency())
		}
		for _, sub := range e.Subsets {
			if n, ok := e.Counts[sub.Of]; !ok || sub.Count > n || sub.Count < 0 {
				t.Fatalf("Parse(%q): subset %+v of %d", text, sub, n)
			}
		}
		for _, d := range e.Doubts {
			if d.Kind != DoubtFuzzy && d.Kind != DoubtAmbiguous || d.Token == "" || !strings.Contains(text, d.Token) {
				t.Fatalf("Parse(%q): bad doubt %+v", text, d)
			}
			if !p.doubts && !d.legacy {
				t.Fatalf("Parse(%q): a parser without WithDoubts accepted doubt %+v", text, d)
			}
		}
		// One counted noun never gives two metrics: in each clause, there
		// are no more metrics than numbers (or one, for a bare noun).
		if len(e.Doubts) == 0 {
			if limit := countLimit(p, text); len(e.Counts) > limit {
				t.Fatalf("Parse(%q) = %v: %d metrics for at most %d counted things", text, e.Counts, len(e.Counts), limit)
			}
		}
		checkUnits(t, p, text, now, e)
		// The echo reads back as the same entry.
		for _, echo := range []string{e.Canonical(), e.CanonicalEnglish()} {
			got, err := p.Parse(echo, now)
			if err != nil || !sameReading(got, e) {
				t.Fatalf("Parse(%q) = %+v; its echo %q reads %+v, %v", text, e, echo, got, err)
			}
		}
	}
}

// countLimit bounds the metrics a text can hold, from its tokens alone.
// Cut it into clauses at everything that is neither a number nor a word of
// a noun group (noun, status or narrowing word). In a clause, each noun
// group is one counted thing, except a group of status words just before
// "N noun" that is not itself counted by a number before it: that group
// qualifies the noun ("perdu 1 deal" is one lost deal).
func countLimit(p *Parser, text string) int {
	body, _ := splitNote(text)
	type item struct {
		num      bool
		noun     bool // the group has a noun
		isStatus bool // the group has a won/lost status
	}
	limit := 0
	var clause []item
	flush := func() {
		groups := 0
		for i, it := range clause {
			if it.num {
				continue
			}
			preMod := !it.noun && i+2 < len(clause) && clause[i+1].num && !clause[i+2].num && clause[i+2].noun &&
				(i == 0 || !clause[i-1].num)
			if !preMod && (it.noun || it.isStatus) {
				groups++
			}
		}
		if len(clause) > 0 {
			limit += max(1, groups)
		}
		clause = nil
	}
	addWord := func(noun, status bool) {
		if n := len(clause); n > 0 && !clause[n-1].num {
			clause[n-1].noun = clause[n-1].noun || noun
			clause[n-1].isStatus = clause[n-1].isStatus || status
			return
		}
		clause = append(clause, item{noun: noun, isStatus: status})
	}
	toks := lex(body, p.known)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case tkNum:
			clause = append(clause, item{num: true})
			continue
		case tkWord:
			// Nouns and grammar phrases are matched greedily, as classify
			// does, so a phrase is one word here.
			n, noun, w := 1, false, (*wordInfo)(nil)
			for k := min(len(toks)-i, max(p.vocab.maxWords, grammarMaxWords)); k >= 1; k-- {
				var parts []string
				ok := true
				for _, u := range toks[i : i+k] {
					if u.kind != tkWord {
						ok = false
						break
					}
					parts = append(parts, u.norm)
				}
				if !ok {
					continue
				}
				key := strings.Join(parts, " ")
				if _, found := p.vocab.lookup(key); found {
					n, noun = k, true
					break
				}
				if g, found := grammarLookup(key); found {
					n, w = k, g
					break
				}
			}
			i += n - 1
			switch {
			case noun:
				addWord(true, false)
				continue
			case w != nil && (w.status != 0 || w.narrow || w.pipeline):
				addWord(false, w.status == stWon || w.status == stLost)
				continue
			case w != nil && w.number >= 0:
				clause = append(clause, item{num: true})
				continue
			}
		}
		flush()
	}
	flush()
	return limit
}

// checkUnits checks the parser's own bookkeeping: every word and every
// number belongs to at most one counted thing, and the counted things sum
// to exactly the entry's counts.
func checkUnits(t *testing.T, p *Parser, text string, now time.Time, e Entry) {
	s := &parseState{p: p}
	got, units, err := s.trace(text, now)
	if err != nil || !sameReading(got, e) {
		t.Fatalf("trace(%q) = %+v, %v; Parse gave %+v", text, got, err, e)
	}
	words := map[int]bool{}
	qs := map[*qty]bool{}
	sums := map[Metric]int{}
	for _, u := range units {
		if u.kind != uCount {
			continue
		}
		for _, w := range u.words {
			if words[w.start] {
				t.Fatalf("Parse(%q): word at %d counted twice", text, w.start)
			}
			words[w.start] = true
		}
		if u.countQ != nil {
			if qs[u.countQ] {
				t.Fatalf("Parse(%q): number %q counted twice", text, u.countQ.text)
			}
			qs[u.countQ] = true
		}
		sums[u.metric] += int(u.count)
	}
	for m, n := range e.Counts {
		if sums[m] != n {
			t.Fatalf("Parse(%q): %s = %d but its counted things sum to %d", text, m, n, sums[m])
		}
	}
}
