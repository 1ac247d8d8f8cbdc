package kpi

import (
	"testing"
	"unicode/utf8"
)

// FuzzParseDate checks that ParseDate accepts only dates that exist,
// prints back as it read them, and decides the same way twice.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-11-23", "2026-02-29", "2028-02-29", "2026-02-30", "2026-13-01", "0000-00-00", "+026-11-23", "2026-1-023", "２０２６-11-23", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		d2, err2 := ParseDate(s)
		if d != d2 || (err == nil) != (err2 == nil) {
			t.Fatalf("ParseDate(%q) is not deterministic", s)
		}
		if err != nil {
			if !d.IsZero() {
				t.Fatalf("ParseDate(%q) refused but returned %v", s, d)
			}
			return
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q) = %v, which prints differently", s, d)
		}
		if back := d.AddDays(1).AddDays(-1); back != d {
			t.Fatalf("%v does not survive a day forth and back: %v", d, back)
		}
	})
}

// FuzzParseTarget checks that a target is either a known metric or rate,
// or refused with at most a suggestion that itself parses.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"rdv", "offres", "CA", "revenue", "offre>signature", "calls→leads", "des offres en signatures", "conversion", "taux rdv", "offfre", "a/b/c", ">", " ", "é\u0301", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		target, isRate, sug, ok := ParseTarget(s, nil)
		t2, r2, s2, ok2 := ParseTarget(s, nil)
		if target != t2 || isRate != r2 || sug != s2 || ok != ok2 {
			t.Fatalf("ParseTarget(%q) is not deterministic", s)
		}
		if !ok {
			if target != "" || isRate {
				t.Fatalf("ParseTarget(%q) refused but returned %q", s, target)
			}
			if sug != "" {
				if _, _, _, sugOK := ParseTarget(sug, nil); !sugOK {
					t.Fatalf("ParseTarget(%q) suggests %q, which is refused", s, sug)
				}
			}
			return
		}
		if isRate {
			if _, known := StageByKey(target); !known && target != Overall.Key {
				t.Fatalf("ParseTarget(%q) = rate %q, not a known stage", s, target)
			}
		} else if !Metric(target).Valid() {
			t.Fatalf("ParseTarget(%q) = %q, not a metric", s, target)
		}
	})
}

// FuzzParsePeriodKind checks that only day, week and month come out.
func FuzzParsePeriodKind(f *testing.F) {
	for _, s := range []string{"semaine", "Mois", "week", "HEBDO", "quotidien", "daily", "années", "", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, ok := ParsePeriodKind(s)
		if !ok {
			if k != "" {
				t.Fatalf("ParsePeriodKind(%q) refused but returned %q", s, k)
			}
			return
		}
		if k != Day && k != Week && k != Month {
			t.Fatalf("ParsePeriodKind(%q) = %q", s, k)
		}
		if !utf8.ValidString(string(k)) {
			t.Fatal("invalid kind")
		}
	})
}
