package kpi

import (
	"reflect"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"RDV", "rdv"},
		{"Démo", "demo"},
		{"signé", "signe"},
		{"Reçu", "recu"},
		{"ŒUVRE", "oeuvre"},
		{"chiffre d’affaires", "chiffre d'affaires"},
		{"e\u2011mail", "e-mail"},
		{"de\u0301mo", "demo"}, // already decomposed accent
		{"de\u200bmo", "demo"}, // zero-width space from a paste
		{"Straße", "strasse"},  // ß has no single-letter fold
		{"3 × rdv", "3 × rdv"}, // symbols are kept for the lexer
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := Normalize(tc.in); got != tc.want {
				t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	v := DefaultVocabulary()
	tests := []struct {
		word string
		want Metric
		ok   bool
	}{
		{"rdv", Meetings, true},
		{"RDVs", Meetings, true},
		{"r1", Meetings, true},
		{"rendez-vous", Meetings, true},
		{"mtgs", Meetings, true},
		{"appels", Calls, true},
		{"calls", Calls, true},
		{"cold calls", Calls, true},
		{"e-mails", Emails, true},
		{"leads qualifiés", Leads, true},
		{"LEADS QUALIFIES", Leads, true},
		{"démos", Demos, true},
		{"demo", Demos, true},
		{"offres", Proposals, true},
		{"devis", Proposals, true},
		{"relances", Followups, true},
		{"follow-ups", Followups, true},
		{"signés", Signatures, true},
		{"deals", Signatures, true},
		{"deals gagnés", Signatures, true},
		{"devis signés", Signatures, true},
		{"deals perdus", Lost, true},
		{"closed lost", Lost, true},
		{"CA", Revenue, true},
		{"chiffre d’affaires", Revenue, true},
		{"renouvellements", Renewals, true},
		{"cas", "", false}, // too short to be a plural of "ca"
		{"mar", "", false}, // a weekday, not a metric
		{"", "", false},
		{"offfre", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.word, func(t *testing.T) {
			got, ok := v.Lookup(tc.word)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tc.word, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	v := DefaultVocabulary()
	tests := []struct {
		word string
		want string
		ok   bool
	}{
		{"offfre", "offre", true},
		{"rvd", "rdv", true},     // transposition costs 1
		{"apels", "appel", true}, // via the singular "apel"
		{"meating", "meeting", true},
		{"démmo", "démo", true}, // canonical spelling keeps the accent
		{"demmo", "démo", true},
		{"rendezvous", "rendez-vous", true},
		{"relence", "relance", true},
		{"Offre", "offre", true}, // a known word suggests itself
		{"rdvvv", "rdv", true},   // 5 letters: distance 2 allowed
		{"rdxy", "", false},      // 4 letters: distance 2 is too far
		{"blabla", "", false},
		{"a", "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.word, func(t *testing.T) {
			got, ok := v.Suggest(tc.word)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Suggest(%q) = %q, %v; want %q, %v", tc.word, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestDamerau(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"rdv", "", 3},
		{"", "rdv", 3},
		{"rdv", "rdv", 0},
		{"rvd", "rdv", 1},
		{"offfre", "offre", 1},
		{"demo", "démo", 1}, // runes, not bytes
		{"ca", "abc", 3},    // optimal string alignment, not unrestricted
		{"kitten", "sitting", 3},
	}
	for _, tc := range tests {
		t.Run(tc.a+"/"+tc.b, func(t *testing.T) {
			if got := damerau(tc.a, tc.b); got != tc.want {
				t.Errorf("damerau(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestVocabularyAdd(t *testing.T) {
	tests := []struct {
		name    string
		phrase  string
		metric  Metric
		wantErr bool
		lookup  string
		want    Metric
	}{
		{name: "team word", phrase: "rencard", metric: Meetings, lookup: "Rencards", want: Meetings},
		{name: "multi-word phrase", phrase: "  Appel   Découverte ", metric: Meetings, lookup: "appels decouverte", want: Meetings},
		{name: "a built-in noun cannot be shadowed", phrase: "deal", metric: Proposals, wantErr: true},
		{name: "nor its plural", phrase: "Visios", metric: Calls, wantErr: true},
		{name: "nor a status", phrase: "perdu", metric: Signatures, wantErr: true},
		{name: "nor a date word", phrase: "hier", metric: Calls, wantErr: true},
		{name: "nor a number word", phrase: "deux", metric: Calls, wantErr: true},
		{name: "invalid metric", phrase: "truc", metric: "truc", wantErr: true},
		{name: "empty phrase", phrase: "  ", metric: Calls, wantErr: true},
		{name: "no letter", phrase: "42", metric: Calls, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := DefaultVocabulary()
			err := v.Add(tc.phrase, tc.metric)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Add(%q, %q) error = %v, wantErr %v", tc.phrase, tc.metric, err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if got, ok := v.Lookup(tc.lookup); !ok || got != tc.want {
				t.Errorf("Lookup(%q) = %q, %v; want %q", tc.lookup, got, ok, tc.want)
			}
		})
	}
}

func TestAddKeepsFirstSpelling(t *testing.T) {
	v := &Vocabulary{} // the zero value must be usable
	for _, p := range []string{"Démo", "demo", "DEMO"} {
		if err := v.Add(p, Demos); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := v.Suggest("demmo"); got != "Démo" {
		t.Errorf("Suggest = %q, want the first spelling %q", got, "Démo")
	}
	var nilVocab *Vocabulary
	if err := nilVocab.Add("x", Calls); err == nil {
		t.Error("Add on nil Vocabulary succeeded")
	}
	if _, ok := nilVocab.Lookup("rdv"); ok {
		t.Error("Lookup on nil Vocabulary found something")
	}
}

func TestDefaultVocabularyIsFresh(t *testing.T) {
	a := DefaultVocabulary()
	if err := a.Add("rencard", Meetings); err != nil {
		t.Fatal(err)
	}
	if _, ok := DefaultVocabulary().Lookup("rencard"); ok {
		t.Error("Add on one DefaultVocabulary leaked into another")
	}
}

func TestDefaultTableCoversEveryMetric(t *testing.T) {
	seen := map[Metric]bool{}
	for _, p := range defaultNouns {
		if !p.metric.Valid() {
			t.Errorf("noun %q has invalid metric %q", p.phrase, p.metric)
		}
		seen[p.metric] = true
		// A noun must resolve to its own metric: a later entry that
		// normalises the same way with another metric would silently win.
		if got, ok := DefaultVocabulary().Lookup(p.phrase); !ok || got != p.metric {
			t.Errorf("Lookup(%q) = %q, %v; want %q", p.phrase, got, ok, p.metric)
		}
		// Grammar words are only tried after the vocabulary, so a clash
		// would make a date or a status unreachable.
		if _, clash := grammar[phraseKey(p.phrase)]; clash {
			t.Errorf("noun %q is also a grammar word", p.phrase)
		}
	}
	// Lost deals have no noun of their own: a status word makes them.
	if got, ok := DefaultVocabulary().Lookup("perdu"); ok && got == Lost {
		seen[Lost] = true
	}
	for _, m := range Metrics {
		if !seen[m] {
			t.Errorf("no word for metric %q", m)
		}
	}
}

func TestMetrics(t *testing.T) {
	want := []Metric{Calls, Emails, Leads, Meetings, Demos, Proposals, Followups, Signatures, Lost, Renewals, Revenue}
	if !reflect.DeepEqual(Metrics, want) {
		t.Errorf("Metrics = %v, want %v", Metrics, want)
	}
	if !reflect.DeepEqual(CountMetrics, want[:len(want)-1]) {
		t.Errorf("CountMetrics = %v, want Metrics without Revenue", CountMetrics)
	}
	tests := []struct {
		m    Metric
		want bool
	}{
		{Calls, true}, {Revenue, true}, {Renewals, true}, {"", false}, {"Calls", false}, {"rdv", false},
	}
	for _, tc := range tests {
		t.Run(string(tc.m), func(t *testing.T) {
			if got := tc.m.Valid(); got != tc.want {
				t.Errorf("Metric(%q).Valid() = %v, want %v", tc.m, got, tc.want)
			}
		})
	}
}
