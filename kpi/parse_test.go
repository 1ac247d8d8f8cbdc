package kpi

import (
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"
)

type parseCase struct {
	name string
	text string
	now  time.Time // zero means the default Monday morning in Paris
	want Entry     // used when err is nil
	err  *ParseError
}

// c builds an Entry for today (Monday 2026-11-23) with the given counts.
func todayEntry(counts map[Metric]int) Entry {
	if counts == nil {
		counts = map[Metric]int{}
	}
	return Entry{Counts: counts, Date: ymd(2026, time.November, 23)}
}

func withRevenueT(e Entry, cents int64) Entry {
	e.RevenueCents, e.HasRevenue, e.Currency = cents, true, "EUR"
	return e
}

func withDoubtsT(e Entry, d ...Doubt) Entry {
	e.Doubts = d
	return e
}

func onDay(e Entry, day Date) Entry {
	e.Date, e.DateGiven = day, true
	return e
}

func withNoteT(e Entry, note string) Entry {
	e.Note = note
	return e
}

type mcounts = map[Metric]int

func parseCases(paris *time.Location) []parseCase {
	today := ymd(2026, time.November, 23) // a Monday
	// 00:30 in Paris is still Sunday 23:30 in UTC: the rep's day must win.
	justAfterMidnight := time.Date(2026, 11, 23, 0, 30, 0, 0, paris)
	return []parseCase{
		// French counts and binding.
		{name: "fr forward binding", text: "3 rdv 1 offre", want: todayEntry(mcounts{Meetings: 3, Proposals: 1})},
		{name: "fr backward binding", text: "rdv 3 offre 1", want: todayEntry(mcounts{Meetings: 3, Proposals: 1})},
		{name: "fr backward then bare metric is ambiguous", text: "rdv 3 offre", err: &ParseError{Kind: ErrAmbiguous, Token: "rdv 3 offre", Suggestion: "3 rdv 1 offre"}},
		{name: "glued number", text: "3rdv", want: todayEntry(mcounts{Meetings: 3})},
		{name: "colon", text: "rdv:3", want: todayEntry(mcounts{Meetings: 3})},
		{name: "x spaced", text: "3 x rdv", want: todayEntry(mcounts{Meetings: 3})},
		{name: "x glued", text: "3x rdv", want: todayEntry(mcounts{Meetings: 3})},
		{name: "times sign", text: "3 × rdv", want: todayEntry(mcounts{Meetings: 3})},
		{name: "x after metric", text: "rdv x3", want: todayEntry(mcounts{Meetings: 3})},
		{name: "bare metric counts one", text: "offre", want: todayEntry(mcounts{Proposals: 1})},
		{name: "accented bare metric", text: "signé", want: todayEntry(mcounts{Signatures: 1})},
		{name: "zero is a valid count", text: "0 appel", want: todayEntry(mcounts{Calls: 0})},
		{name: "r1 is not split", text: "2 r1", want: todayEntry(mcounts{Meetings: 2})},
		{name: "plurals and case", text: "3 RDVs 2 Offres 1 démos", want: todayEntry(mcounts{Meetings: 3, Proposals: 2, Demos: 1})},
		{name: "accent insensitive", text: "2 demo 1 signe", want: todayEntry(mcounts{Demos: 2, Signatures: 1})},
		{name: "multi-word leads", text: "4 leads qualifiés", want: todayEntry(mcounts{Leads: 4})},
		{name: "deal perdu beats deal", text: "2 deals perdus 1 vente", want: todayEntry(mcounts{Lost: 2, Signatures: 1})},
		{name: "bare deal is a legacy doubt", text: "2 deals perdus 1 deal", want: withDoubtsT(todayEntry(mcounts{Lost: 2, Signatures: 1}),
			Doubt{Kind: DoubtAmbiguous, Token: "1 deal", Reading: "1 signature", Metric: Signatures, legacy: true, pos: 15})},
		{name: "deals gagnés", text: "2 deals gagnés", want: todayEntry(mcounts{Signatures: 2})},
		{name: "repeated metric is summed", text: "3 rdv 2 rdv", want: todayEntry(mcounts{Meetings: 5})},
		{name: "punctuation and fillers", text: "3 rdv, 2 relances et 1 renouvellement.", want: todayEntry(mcounts{Meetings: 3, Followups: 2, Renewals: 1})},
		{name: "comma stops backward binding", text: "offre, 3 rdv", want: todayEntry(mcounts{Proposals: 1, Meetings: 3})},
		{name: "e-mails and follow-ups", text: "5 e-mails 2 follow-ups", want: todayEntry(mcounts{Emails: 5, Followups: 2})},
		{name: "emoji ignored", text: "3 rdv :tada: 🎉", want: todayEntry(mcounts{Meetings: 3})},

		// English.
		{name: "en counts", text: "5 calls 2 demos", want: todayEntry(mcounts{Calls: 5, Demos: 2})},
		{name: "en cold calls phrase", text: "12 cold calls and 3 mtgs", want: todayEntry(mcounts{Calls: 12, Meetings: 3})},
		{name: "en closed lost", text: "1 won 2 closed lost", want: todayEntry(mcounts{Signatures: 1, Lost: 2})},
		{name: "en proposals", text: "2 quotes + 1 offer", want: todayEntry(mcounts{Proposals: 3})},

		// Amounts.
		{name: "k euro glued", text: "CA 12k€", want: withRevenueT(todayEntry(nil), 1_200_000)},
		{name: "k euro spaced upper", text: "CA 12 K€", want: withRevenueT(todayEntry(nil), 1_200_000)},
		{name: "keur", text: "CA 12keur", want: withRevenueT(todayEntry(nil), 1_200_000)},
		{name: "space thousands", text: "1 vente 12 000 €", want: withRevenueT(todayEntry(mcounts{Signatures: 1}), 1_200_000)},
		{name: "nbsp thousands", text: "CA 12\u00a0000\u202f€", want: withRevenueT(todayEntry(nil), 1_200_000)},
		{name: "leading euro", text: "CA €12000", want: withRevenueT(todayEntry(nil), 1_200_000)},
		{name: "dollar in a euro workspace", text: "CA $5k", err: &ParseError{Kind: ErrOtherCurrency, Token: "$5k", Suggestion: "EUR", Currency: "USD"}},
		{name: "trailing dollar in a euro workspace", text: "1 vente 5000$", err: &ParseError{Kind: ErrOtherCurrency, Token: "5000$", Suggestion: "EUR", Currency: "USD"}},
		{name: "EUR word", text: "CA 5 000 EUR", want: withRevenueT(todayEntry(nil), 500_000)},
		{name: "decimal comma k", text: "CA 12,5k€", want: withRevenueT(todayEntry(nil), 1_250_000)},
		{name: "decimal point k", text: "CA 12.5k€", want: withRevenueT(todayEntry(nil), 1_250_000)},
		{name: "french amount with cents", text: "CA 1 234,56 €", want: withRevenueT(todayEntry(nil), 123_456)},
		{name: "bare amount", text: "12k€", err: &ParseError{Kind: ErrBareAmount, Token: "12k€"}},
		{name: "CA bare number", text: "CA 12000", want: withRevenueT(todayEntry(nil), 1_200_000)},
		{name: "CA colon k", text: "CA: 12k", want: withRevenueT(todayEntry(nil), 1_200_000)},
		{name: "number before CA", text: "12000 CA", want: withRevenueT(todayEntry(nil), 1_200_000)},
		{name: "revenue in euros", text: "revenue €12k", want: withRevenueT(todayEntry(nil), 1_200_000)},
		{name: "amounts are summed", text: "2 signés 3k€ 1,5k€", want: withRevenueT(todayEntry(mcounts{Signatures: 2}), 450_000)},
		{name: "chiffre d'affaires curly", text: "chiffre d’affaires 5k€", want: withRevenueT(todayEntry(nil), 500_000)},
		{name: "point as thousands separator", text: "CA 12.000 €", want: withRevenueT(todayEntry(nil), 1_200_000)},
		{name: "english thousands", text: "CA €12,000", want: withRevenueT(todayEntry(nil), 1_200_000)},
		{name: "mixed separators", text: "CA 1.234.567,89", want: withRevenueT(todayEntry(nil), 123_456_789)},
		{name: "signature worth an amount", text: "signé 12 000 €", want: withRevenueT(todayEntry(mcounts{Signatures: 1}), 1_200_000)},
		{name: "CA zero", text: "CA 0", want: withRevenueT(todayEntry(nil), 0)},

		// Dates.
		{name: "hier", text: "3 rdv hier", want: onDay(todayEntry(mcounts{Meetings: 3}), today.AddDays(-1))},
		{name: "yesterday", text: "yesterday 2 calls", want: onDay(todayEntry(mcounts{Calls: 2}), today.AddDays(-1))},
		{name: "avant-hier", text: "avant-hier 1 offre", want: onDay(todayEntry(mcounts{Proposals: 1}), today.AddDays(-2))},
		{name: "aujourd'hui", text: "aujourd'hui 1 offre", want: onDay(todayEntry(mcounts{Proposals: 1}), today)},
		{name: "weekday today", text: "lundi 2 rdv", want: onDay(todayEntry(mcounts{Meetings: 2}), today)},
		{name: "weekday last week", text: "2 rdv vendredi", want: onDay(todayEntry(mcounts{Meetings: 2}), ymd(2026, time.November, 20))},
		{name: "short weekday mar", text: "mar 1 démo", want: onDay(todayEntry(mcounts{Demos: 1}), ymd(2026, time.November, 17))},
		{name: "en short weekday", text: "sun 1 call", want: onDay(todayEntry(mcounts{Calls: 1}), ymd(2026, time.November, 22))},
		{name: "iso date", text: "2026-11-20 2 rdv", want: onDay(todayEntry(mcounts{Meetings: 2}), ymd(2026, time.November, 20))},
		{name: "same day twice is fine", text: "lundi 2026-11-23 1 rdv", want: onDay(todayEntry(mcounts{Meetings: 1}), today)},
		{name: "exactly 90 days back", text: "2026-08-25 1 rdv", want: onDay(todayEntry(mcounts{Meetings: 1}), ymd(2026, time.August, 25))},
		{name: "rep zone after midnight: today", text: "1 rdv", now: justAfterMidnight, want: todayEntry(mcounts{Meetings: 1})},
		{name: "rep zone after midnight: hier", text: "1 rdv hier", now: justAfterMidnight, want: onDay(todayEntry(mcounts{Meetings: 1}), ymd(2026, time.November, 22))},
		{name: "rep zone after midnight: iso today is not future", text: "2026-11-23 1 rdv", now: justAfterMidnight, want: onDay(todayEntry(mcounts{Meetings: 1}), today)},

		// Notes.
		{name: "note after dashes", text: "3 rdv -- bon feeling client X ", want: withNoteT(todayEntry(mcounts{Meetings: 3}), "bon feeling client X")},
		{name: "note after hash", text: "3 rdv # 2 offres demain", want: withNoteT(todayEntry(mcounts{Meetings: 3}), "2 offres demain")},
		{name: "everything together", text: "hier 5 calls, 2 demos, CA 3k€ -- good day", want: withNoteT(onDay(withRevenueT(todayEntry(mcounts{Calls: 5, Demos: 2}), 300_000), today.AddDays(-1)), "good day")},

		// Errors.
		{name: "empty", text: "   ", err: &ParseError{Kind: ErrEmpty}},
		{name: "date only", text: "hier", err: &ParseError{Kind: ErrEmpty}},
		{name: "note only", text: "-- note only", err: &ParseError{Kind: ErrEmpty}},
		{name: "too long", text: strings.Repeat("a", MaxTextRunes+1), err: &ParseError{Kind: ErrTooLong, Limit: MaxTextRunes}},
		{name: "unknown offfre", text: "3 offfre", err: &ParseError{Kind: ErrUnknownWord, Token: "offfre", Suggestion: "offre"}},
		{name: "unknown rvd", text: "rvd 2", err: &ParseError{Kind: ErrUnknownWord, Token: "rvd", Suggestion: "rdv"}},
		{name: "unknown apels", text: "3 apels", err: &ParseError{Kind: ErrUnknownWord, Token: "apels", Suggestion: "appel"}},
		{name: "unknown meating keeps case", text: "2 Meating", err: &ParseError{Kind: ErrUnknownWord, Token: "Meating", Suggestion: "meeting"}},
		{name: "unknown démmo suggests accents", text: "1 démmo", err: &ParseError{Kind: ErrUnknownWord, Token: "démmo", Suggestion: "démo"}},
		{name: "first unknown word is reported", text: "3 rdv blabla offfre", err: &ParseError{Kind: ErrUnknownWord, Token: "blabla"}},
		{name: "unknown date word suggested", text: "3 rdv yesterdy", err: &ParseError{Kind: ErrUnknownWord, Token: "yesterdy", Suggestion: "yesterday"}},
		{name: "number without metric", text: "3 rdv 2", err: &ParseError{Kind: ErrNumberWithoutMetric, Token: "2"}},
		{name: "bare k amount", text: "12k", err: &ParseError{Kind: ErrBareAmount, Token: "12k"}},
		{name: "CA without amount", text: "3 rdv CA", err: &ParseError{Kind: ErrMetricWithoutNumber, Token: "CA", Metric: Revenue}},
		{name: "negative count", text: "-2 rdv", err: &ParseError{Kind: ErrNegative, Token: "-2", Metric: Meetings}},
		{name: "negative amount", text: "CA -500€", err: &ParseError{Kind: ErrNegative, Token: "-500€", Metric: Revenue}},
		{name: "decimal count point", text: "2.5 rdv", err: &ParseError{Kind: ErrNotWhole, Token: "2.5", Metric: Meetings}},
		{name: "decimal count comma", text: "2,5 rdv", err: &ParseError{Kind: ErrNotWhole, Token: "2,5", Metric: Meetings}},
		{name: "too many", text: "1001 appels", err: &ParseError{Kind: ErrTooMany, Token: "1001", Metric: Calls, Limit: MaxPerMetric}},
		{name: "too many after summing", text: "600 rdv 500 rdv", err: &ParseError{Kind: ErrTooMany, Token: "500", Metric: Meetings, Limit: MaxPerMetric}},
		{name: "huge count does not wrap", text: "99999999999999999999999 rdv", err: &ParseError{Kind: ErrTooMany, Token: "99999999999999999999999", Metric: Meetings, Limit: MaxPerMetric}},
		{name: "revenue too large", text: "CA 10000001", err: &ParseError{Kind: ErrRevenueTooLarge, Token: "10000001", Metric: Revenue, Limit: MaxRevenueCents / 100}},
		{name: "ambiguous amount", text: "CA 12,500k€", err: &ParseError{Kind: ErrBadAmount, Token: "12,500k€", Metric: Revenue}},
		{name: "thousandths are not money", text: "CA 0.001€", err: &ParseError{Kind: ErrBadAmount, Token: "0.001€", Metric: Revenue}},
		{name: "currency without number", text: "rdv €", err: &ParseError{Kind: ErrBadAmount, Token: "€"}},
		{name: "invalid iso date", text: "2026-02-30 2 rdv", err: &ParseError{Kind: ErrImpossibleDate, Token: "2026-02-30"}},
		{name: "day/month date", text: "2 rdv 20/11", want: onDay(todayEntry(mcounts{Meetings: 2}), ymd(2026, time.November, 20))},
		{name: "future date", text: "2026-11-24 2 rdv", err: &ParseError{Kind: ErrFutureDate, Token: "2026-11-24", Date: ymd(2026, time.November, 24)}},
		{name: "rep zone after midnight: tomorrow is future", text: "2026-11-24 1 rdv", now: justAfterMidnight, err: &ParseError{Kind: ErrFutureDate, Token: "2026-11-24", Date: ymd(2026, time.November, 24)}},
		{name: "too old", text: "2026-08-24 1 rdv", err: &ParseError{Kind: ErrTooOld, Token: "2026-08-24", Limit: MaxDaysBack, Date: ymd(2026, time.August, 24)}},
		{name: "two dates", text: "hier 2 rdv lundi", err: &ParseError{Kind: ErrTwoDates, Token: "lundi"}},
		{name: "stray x", text: "rdv 3 x", err: &ParseError{Kind: ErrUnknownWord, Token: "x"}},
	}
}

func TestParse(t *testing.T) {
	paris := loadZoneT(t, "Europe/Paris")
	defaultNow := time.Date(2026, 11, 23, 10, 0, 0, 0, paris)
	cases := parseCases(paris)
	if len(cases) < 45 {
		t.Fatalf("only %d cases; the table is the spec, keep it rich", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Parallel so that -race would catch any shared mutable state
			// in the default parser.
			t.Parallel()
			now := tc.now
			if now.IsZero() {
				now = defaultNow
			}
			got, err := Parse(tc.text, now)
			if tc.err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("Parse(%q) error = %v, want %+v", tc.text, err, *tc.err)
				}
				if !reflect.DeepEqual(pe, tc.err) {
					t.Errorf("Parse(%q) error = %+v, want %+v", tc.text, *pe, *tc.err)
				}
				if !reflect.DeepEqual(got, Entry{}) {
					t.Errorf("Parse(%q) returned %+v with an error, want the zero Entry", tc.text, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q) error = %v, want %+v", tc.text, err, tc.want)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tc.text, got, tc.want)
			}
		})
	}
}

func TestParseTooLongCountsRunesAndNote(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		text string
		ok   bool
	}{
		// "é" is two bytes but one rune: 500 runes must pass.
		{name: "500 runes with accents", text: "rdv --" + strings.Repeat("é", MaxTextRunes-6), ok: true},
		{name: "the note counts too", text: "rdv --" + strings.Repeat("é", MaxTextRunes-5), ok: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.text, now)
			if (err == nil) != tc.ok {
				t.Fatalf("Parse(%d runes) error = %v, want ok=%v", len([]rune(tc.text)), err, tc.ok)
			}
			var pe *ParseError
			if !tc.ok && (!errors.As(err, &pe) || pe.Kind != ErrTooLong) {
				t.Fatalf("error = %v, want ErrTooLong", err)
			}
		})
	}
}

func TestParserWithTeamVocabulary(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	v := DefaultVocabulary()
	if err := v.Add("Rencard", Meetings); err != nil {
		t.Fatal(err)
	}
	if err := v.Add("appel découverte", Meetings); err != nil {
		t.Fatal(err)
	}
	// "ven" is short for vendredi: a team word may not shadow it.
	if err := v.Add("ven", Signatures); !errors.Is(err, ErrBuiltinWord) {
		t.Fatalf("Add(ven) = %v, want ErrBuiltinWord", err)
	}
	p := NewParser(v)
	// Added after NewParser: the parser holds a snapshot and must ignore it.
	if err := v.Add("coucou", Calls); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		text string
		want map[Metric]int
		kind ErrorKind
	}{
		{name: "team word plural", text: "3 rencards", want: mcounts{Meetings: 3}},
		{name: "team word with a status", text: "2 rencards calés", want: mcounts{Meetings: 2}},
		{name: "team phrase beats default word", text: "2 appels découverte 1 appel", want: mcounts{Meetings: 2, Calls: 1}},
		{name: "weekday abbreviation stays a date", text: "ven 2 rdv", want: mcounts{Meetings: 2}},
		{name: "later Add is not seen", text: "1 coucou", kind: ErrUnknownWord},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.Parse(tc.text, now)
			if tc.kind != 0 {
				var pe *ParseError
				if !errors.As(err, &pe) || pe.Kind != tc.kind {
					t.Fatalf("Parse(%q) error = %v, want kind %v", tc.text, err, tc.kind)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.text, err)
			}
			if !reflect.DeepEqual(got.Counts, tc.want) {
				t.Errorf("Parse(%q).Counts = %v, want %v", tc.text, got.Counts, tc.want)
			}
		})
	}
	// The default parser must not have learnt the team's words.
	if _, err := Parse("3 rencards", now); err == nil {
		t.Error(`default Parse("3 rencards") succeeded; team words leaked into the default vocabulary`)
	}
}

func TestNilParserUsesDefaults(t *testing.T) {
	var p *Parser
	got, err := p.Parse("2 rdv", time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	if err != nil || got.Counts[Meetings] != 2 {
		t.Fatalf("nil Parser: got %+v, %v", got, err)
	}
	if got, err := NewParser(nil).Parse("1 offre", time.Now()); err != nil || got.Counts[Proposals] != 1 {
		t.Fatalf("NewParser(nil): got %+v, %v", got, err)
	}
}

func TestErrorKindString(t *testing.T) {
	tests := []struct {
		kind ErrorKind
		want string
	}{
		{ErrEmpty, "empty"},
		{ErrUnknownWord, "unknown word"},
		{ErrTooLong, "too long"},
		{0, "ErrorKind(0)"},
		{ErrImpossibleDate, "impossible date"},
		{ErrOtherCurrency, "other currency"},
		{lastKind + 1, "ErrorKind(24)"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.kind.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *ParseError
		want string
	}{
		{name: "unknown word", err: &ParseError{Kind: ErrUnknownWord, Token: "offfre", Suggestion: "offre"}, want: `kpi: unknown word "offfre", did you mean "offre"?`},
		{name: "too many", err: &ParseError{Kind: ErrTooMany, Token: "1001", Metric: Calls, Limit: 1000}, want: `kpi: too many "1001" (calls) (limit 1000)`},
		{name: "nil", err: nil, want: "kpi: <nil ParseError>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	texts := []string{
		"3 rdv 1 offre",
		"hier 5 calls, 2 demos, 1 proposal, CA 12 000 € -- good day",
		"rdv 3 offre 1 relances 2 2 deals perdus 1 signé 12,5k€ vendredi",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Parse(texts[i%len(texts)], now); err != nil {
			b.Fatal(err)
		}
	}
}

// A day with nothing to log is said in a few words, in either language,
// alone or with a date and a note; beside counts, the words mean nothing.
func TestNothingToLog(t *testing.T) {
	now := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	tests := []struct {
		text    string
		nothing bool
		day     string
		counts  map[Metric]int
	}{
		{"rien", true, "2026-12-01", nil},
		{"RAS", true, "2026-12-01", nil},
		{"rien aujourd'hui", true, "2026-12-01", nil},
		{"rien aujourd hui", true, "2026-12-01", nil},
		{"hier : rien à signaler", true, "2026-11-30", nil},
		{"Rien de spécial", true, "2026-12-01", nil},
		{"aucune activité -- en formation", true, "2026-12-01", nil},
		{"nothing today", true, "2026-12-01", nil},
		{"None", true, "2026-12-01", nil},
		{"nothing to report yesterday", true, "2026-11-30", nil},
		{"no activity", true, "2026-12-01", nil},
		{"rien que 3 appels", false, "2026-12-01", map[Metric]int{Calls: 3}},
		{"3 calls, nothing special", false, "2026-12-01", map[Metric]int{Calls: 3}},
	}
	for _, tt := range tests {
		e, err := Parse(tt.text, now)
		if err != nil {
			t.Errorf("%q: %v", tt.text, err)
			continue
		}
		if e.Nothing != tt.nothing || e.Date.String() != tt.day || len(e.Counts) != len(tt.counts) {
			t.Errorf("%q: nothing %v, day %s, counts %v", tt.text, e.Nothing, e.Date, e.Counts)
		}
		for m, n := range tt.counts {
			if e.Counts[m] != n {
				t.Errorf("%q: %s = %d, want %d", tt.text, m, e.Counts[m], n)
			}
		}
	}
	// Nothing said is not nothing to log.
	for _, text := range []string{"", "aujourd'hui", "-- juste une note"} {
		var pe *ParseError
		if _, err := Parse(text, now); !errors.As(err, &pe) || pe.Kind != ErrEmpty {
			t.Errorf("%q: %v, want ErrEmpty", text, err)
		}
	}
}

// Reps call a meeting an appointment too, in English and in French.
func TestAppointmentsAreMeetings(t *testing.T) {
	now := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	for text, want := range map[string]map[Metric]int{
		"10 dials 1 appointment": {Calls: 10, Meetings: 1},
		"2 appts":                {Meetings: 2},
		"3 entretiens 1 devis":   {Meetings: 3, Proposals: 1},
	} {
		e, err := Parse(text, now)
		if err != nil || !maps.Equal(e.Counts, want) {
			t.Errorf("%q: %v, %v; want %v", text, e.Counts, err, want)
		}
	}
}
