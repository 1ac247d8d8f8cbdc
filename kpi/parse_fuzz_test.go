package kpi

import (
	"errors"
	"reflect"
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
		"2026-02-30 20/11",
		"-2 rdv 2.5 rdv",
		"99999999999999999999999999999 rdv",
		"CA 99999999999999999999999999999",
		"chiffre d’affaires 5k€ # ok",
		"de\u0301mo\u200b :tada: 🎉 *3*",
		"3 × -- — #",
		"\xff\xfe 3 rdv",
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
	f.Fuzz(func(t *testing.T, text string) {
		e, err := Parse(text, now)
		e2, err2 := Parse(text, now)
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
			return
		}
		if _, ok := e.Counts[Revenue]; ok {
			t.Fatalf("Parse(%q): Counts has a Revenue key", text)
		}
		if len(e.Counts) == 0 && !e.HasRevenue {
			t.Fatalf("Parse(%q): empty entry without ErrEmpty", text)
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
	})
}
