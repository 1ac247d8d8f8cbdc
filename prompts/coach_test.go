package prompts

import (
	"math"
	"slices"
	"strings"
	"testing"
	"text/template"

	"github.com/kpibot/kpibot/kpi"
)

// One signal of each kind, with the numbers kpi.CoachingSignals would give.
var (
	sigStageDrop = CoachSignal{Kind: string(kpi.SignalStageDrop), Stage: "proposals_signatures", Value: 0.18, Reference: 0.31}
	sigNoFollow  = CoachSignal{Kind: string(kpi.SignalNoFollowup), Count: 3, Value: 0.4, Reference: 1}
	sigDealDrop  = CoachSignal{Kind: string(kpi.SignalDealValueDrop), Value: 950000, Reference: 1250000}
	sigObjective = CoachSignal{Kind: string(kpi.SignalObjectiveAtRisk), Stage: "signatures", Value: 7.2, Reference: 10}
	allSignals   = []CoachSignal{sigStageDrop, sigNoFollow, sigDealDrop, sigObjective}
)

func TestQuestionsGoldenPerKind(t *testing.T) {
	const seed = 8
	tests := []struct {
		lang Lang
		sig  CoachSignal
		want []string
	}{
		{French, sigStageDrop, []string{
			"Le passage offres → signatures est à 18\u202f% (il était à 31\u202f%). Sur les derniers dossiers qui ne sont pas allés plus loin, qu'est-ce qui a manqué au moment de la décision ?",
			"Quelle compétence aimerais-tu travailler dans les semaines qui viennent ?",
		}},
		{French, sigNoFollow, []string{
			"Tu as 3 offres sans relance : quel serait le bon moment et le bon canal pour reprendre contact ?",
			"Quelle compétence aimerais-tu travailler dans les semaines qui viennent ?",
		}},
		{French, sigDealDrop, []string{
			"Tes derniers deals sont plus petits (9\u202f500\u00a0€ en moyenne, contre 12\u202f500\u00a0€ avant) : qu'est-ce qui l'explique selon toi, le choix des clients ou la négociation ?",
			"Quelle compétence aimerais-tu travailler dans les semaines qui viennent ?",
		}},
		{French, sigObjective, []string{
			"Plutôt que d'en faire plus, qu'est-ce qui donnerait plus de poids à chaque échange : la qualification, la relance ou la valeur de l'offre ?",
			"Quelle compétence aimerais-tu travailler dans les semaines qui viennent ?",
		}},
		{English, sigStageDrop, []string{
			"The proposals → signatures stage is at 18% (it was 31%). On the last deals that did not move forward, what was missing at the moment of decision?",
			"Which skill would you like to work on in the coming weeks?",
		}},
		{English, sigNoFollow, []string{
			"You have 3 proposals without a follow-up: what would be the right moment and channel to get back in touch?",
			"Which skill would you like to work on in the coming weeks?",
		}},
		{English, sigDealDrop, []string{
			"Your recent deals are smaller (€9,500 on average, against €12,500 before): what do you think explains it, the choice of customers or the negotiation?",
			"Which skill would you like to work on in the coming weeks?",
		}},
		{English, sigObjective, []string{
			"Rather than doing more of the same, what would make each conversation count for more: the qualification, the follow-up or the value of the offer?",
			"Which skill would you like to work on in the coming weeks?",
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.lang)+"/"+tt.sig.Kind, func(t *testing.T) {
			got := Questions(CoachFacts{Pseudonym: "Rep A", Lang: tt.lang, Signals: []CoachSignal{tt.sig}}, seed)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestQuestionsGoldenAllSignals(t *testing.T) {
	tests := map[Lang][]string{
		French: {
			"Sur offres → signatures, tu es à 18\u202f% contre 31\u202f% les quatre semaines précédentes : qu'est-ce qui a changé dans ta façon d'aborder cette étape ?",
			"En attente de relance : 3 offres. Sur lesquelles une relance cette semaine ferait vraiment la différence, selon toi ?",
			"Tes derniers deals sont plus petits (9\u202f500\u00a0€ en moyenne, contre 12\u202f500\u00a0€ avant) : qu'est-ce qui l'explique selon toi, le choix des clients ou la négociation ?",
			"Plutôt que d'en faire plus, qu'est-ce qui donnerait plus de poids à chaque échange : la qualification, la relance ou la valeur de l'offre ?",
		},
		English: {
			"On proposals → signatures, you are at 18% against 31% over the previous four weeks: what has changed in the way you approach this stage?",
			"Waiting for a follow-up: 3 proposals. Where would a follow-up this week really make a difference, in your view?",
			"Your recent deals are smaller (€9,500 on average, against €12,500 before): what do you think explains it, the choice of customers or the negotiation?",
			"Rather than doing more of the same, what would make each conversation count for more: the qualification, the follow-up or the value of the offer?",
		},
	}
	for lang, want := range tests {
		got := Questions(CoachFacts{Lang: lang, Signals: allSignals}, 0)
		if !slices.Equal(got, want) {
			t.Errorf("%s: got\n%q\nwant\n%q", lang, got, want)
		}
	}
}

func TestQuestionsCountAndOrder(t *testing.T) {
	five := append(slices.Clone(allSignals), CoachSignal{Kind: string(kpi.SignalStageDrop), Stage: "calls_leads", Value: 0.05, Reference: 0.12})
	tests := []struct {
		name    string
		signals []CoachSignal
		want    int
	}{
		{"none", nil, 2},
		{"one", []CoachSignal{sigDealDrop}, 2},
		{"two", []CoachSignal{sigDealDrop, sigStageDrop}, 2},
		{"three", allSignals[:3], 3},
		{"four", allSignals, 4},
		{"five, capped", five, 4},
		{"unknown kinds only", []CoachSignal{{Kind: "gossip", Stage: "Alice"}}, 2},
		{"unknown stage", []CoachSignal{{Kind: string(kpi.SignalStageDrop), Stage: "bogus", Value: 0.1, Reference: 0.3}}, 2},
		{"NaN", []CoachSignal{{Kind: string(kpi.SignalDealValueDrop), Value: math.NaN(), Reference: 1}}, 2},
	}
	for _, lang := range append(slices.Clone(Langs), Lang("de")) {
		for _, tt := range tests {
			for seed := range uint64(50) {
				got := Questions(CoachFacts{Lang: lang, Signals: tt.signals}, seed)
				if len(got) != tt.want {
					t.Fatalf("%s %s seed %d: %d questions, want %d: %q", lang, tt.name, seed, len(got), tt.want, got)
				}
				if len(slices.Compact(slices.Sorted(slices.Values(got)))) != len(got) {
					t.Fatalf("%s %s seed %d: a question repeats: %q", lang, tt.name, seed, got)
				}
				if why := Guard(got); why != "" {
					t.Fatalf("%s %s seed %d: guard rejects the templates: %s", lang, tt.name, seed, why)
				}
			}
		}
	}
	// Most important first: the first question is about the first signal.
	got := Questions(CoachFacts{Lang: English, Signals: []CoachSignal{sigDealDrop, sigStageDrop}}, 8)
	if !strings.Contains(got[0], "€9,500") || !strings.Contains(got[1], "proposals → signatures") {
		t.Errorf("order not kept: %q", got)
	}
	// An unknown language speaks French, as Text does.
	if fr, de := Questions(CoachFacts{Lang: French, Signals: allSignals}, 3), Questions(CoachFacts{Lang: "de", Signals: allSignals}, 3); !slices.Equal(fr, de) {
		t.Errorf("unknown language: %q, want French %q", de, fr)
	}
}

func TestQuestionsDeterministicButVaried(t *testing.T) {
	for _, lang := range Langs {
		for _, sig := range allSignals {
			f := CoachFacts{Lang: lang, Signals: []CoachSignal{sig}}
			if a, b := Questions(f, 42), Questions(f, 42); !slices.Equal(a, b) {
				t.Errorf("%s %s: same seed, different questions: %q vs %q", lang, sig.Kind, a, b)
			}
			seen := map[string]bool{}
			for seed := range uint64(20) {
				seen[Questions(f, seed)[0]] = true
			}
			if len(seen) < 3 {
				t.Errorf("%s %s: only %d phrasings over 20 seeds", lang, sig.Kind, len(seen))
			}
		}
	}
	f := CoachFacts{Lang: French, Signals: []CoachSignal{sigStageDrop}}
	if a, b := Questions(f, 1), Questions(f, 2); a[0] == b[0] {
		t.Errorf("seeds 1 and 2 give the same phrasing: %q", a[0])
	}
}

func TestQuestionsTwoSignalsOfOneKindGetDifferentPhrasings(t *testing.T) {
	other := CoachSignal{Kind: string(kpi.SignalStageDrop), Stage: "leads_meetings", Value: 0.2, Reference: 0.35}
	for seed := range uint64(30) {
		got := Questions(CoachFacts{Lang: English, Signals: []CoachSignal{sigStageDrop, other}}, seed)
		a := strings.ReplaceAll(got[0], "proposals → signatures", "S")
		b := strings.ReplaceAll(got[1], "leads → meetings", "S")
		a = strings.NewReplacer("18%", "V", "31%", "R").Replace(a)
		b = strings.NewReplacer("20%", "V", "35%", "R").Replace(b)
		if a == b {
			t.Fatalf("seed %d: same phrasing twice: %q", seed, got)
		}
	}
}

// Every phrasing of every kind, in both languages, at least 3 per kind,
// fills its placeholders and passes the guardrail.
func TestEveryTemplateRendersAndPassesGuard(t *testing.T) {
	for _, lang := range Langs {
		for _, kind := range append(slices.Clone(signalKinds), genericSection) {
			all := questionTemplates[lang][kind]
			if len(all) < 3 {
				t.Errorf("%s [%s]: %d phrasings, want at least 3", lang, kind, len(all))
			}
			var sig CoachSignal
			for _, s := range allSignals {
				if s.Kind == kind {
					sig = s
				}
			}
			data := signalData(lang, "", sig)
			for i, tmpl := range all {
				got := render(t, tmpl, data)
				if strings.Contains(got, "{{") || strings.Contains(got, "<no value>") || strings.Contains(got, "NaN") {
					t.Errorf("%s [%s] #%d: placeholder left: %q", lang, kind, i+1, got)
				}
				if kind != genericSection && !strings.Contains(tmpl.Root.String(), "{{") && !strings.HasSuffix(got, "?") {
					t.Errorf("%s [%s] #%d is not a question: %q", lang, kind, i+1, got)
				}
				if !strings.HasSuffix(got, "?") {
					t.Errorf("%s [%s] #%d does not end with a question mark: %q", lang, kind, i+1, got)
				}
				if why := Guard([]string{got}); why != "" {
					t.Errorf("%s [%s] #%d: %s: %q", lang, kind, i+1, why, got)
				}
			}
		}
	}
}

func render(t *testing.T, tmpl *template.Template, data questionData) string {
	t.Helper()
	var b strings.Builder
	if err := tmpl.Execute(&b, data); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestObjectiveTargetUnits(t *testing.T) {
	tests := []struct {
		lang   Lang
		target string
		ref    float64
		want   string
	}{
		{French, "signatures", 10, "10 signatures"},
		{French, "signatures", 1, "1 signature"},
		{French, "revenue", 5000000, "50\u202f000\u00a0€"},
		{English, "revenue", 5000000, "€50,000"},
		{English, "proposals_signatures", 0.33, "33%"},
		{English, "", 12, "12"},
	}
	for _, tt := range tests {
		d := signalData(tt.lang, "", CoachSignal{Kind: string(kpi.SignalObjectiveAtRisk), Stage: tt.target, Value: tt.ref / 2, Reference: tt.ref})
		if d.Reference != tt.want {
			t.Errorf("%s %q: reference %q, want %q", tt.lang, tt.target, d.Reference, tt.want)
		}
		if want := Percent(tt.lang, 0.5); d.Value != want {
			t.Errorf("%s %q: value %q, want %q", tt.lang, tt.target, d.Value, want)
		}
	}
}

func TestGuard(t *testing.T) {
	long := strings.Repeat("a", MaxQuestionChars-2) + " ?"
	nine := make([]string, 9)
	for i := range nine {
		nine[i] = strings.Repeat("é", 290) + "?"
	}
	tests := []struct {
		name string
		in   []string
		want string // prefix of the reason, "" for a pass
	}{
		{"clean French", []string{"Qu'est-ce qui a changé dans ta façon d'aborder les offres ?", "Comment puis-je t'aider ?"}, ""},
		{"clean English", []string{"What would help you get back to your 31% on proposals → signatures?"}, ""},
		{"clean: on track is not tracking", []string{"What would keep your objective on track this month?"}, ""},
		{"clean: own trend", []string{"How does this month look against your own last four weeks?"}, ""},
		{"clean: best calls are about quality", []string{"Which of your calls went best this week, and why?"}, ""},
		{"clean: exactly 300 characters", []string{long}, ""},
		{"nil", nil, guardNoQuestion},
		{"empty list", []string{}, guardNoQuestion},
		{"blank question", []string{"Comment ça va ?", "  "}, guardEmpty},
		{"question over 300", []string{long + "x"}, guardTooLong},
		{"total over 2500", nine, guardTotalTooLong},
		{"collègue", []string{"Comment fait ta collègue pour signer autant ?"}, guardComparison},
		{"collègues, no accent", []string{"Tes collegues y arrivent, pourquoi pas toi ?"}, guardComparison},
		{"colleague", []string{"What does your colleague do differently?"}, guardComparison},
		{"les autres commerciaux", []string{"Pourquoi es-tu derrière les autres commerciaux ?"}, guardComparison},
		{"than the others", []string{"Why are you slower than the others?"}, guardComparison},
		{"compared to", []string{"How do you feel compared to Paul?"}, guardComparison},
		{"classement", []string{"Que penses-tu de ta place au classement ?"}, guardComparison},
		{"ranking", []string{"How do you feel about your ranking?"}, guardComparison},
		{"leaderboard", []string{"What would move you up the leaderboard?"}, guardComparison},
		{"top performer", []string{"What would a top performer do here?"}, guardComparison},
		{"comparée à", []string{"Comparée à Julie, où en es-tu ?"}, guardComparison},
		{"meilleur que", []string{"Comment être meilleur que Julie ?"}, guardComparison},
		{"ranking by calls, English", []string{"Who made the most calls this week, and what can you learn from them?"}, guardRanking},
		{"ranking by meetings, French", []string{"Qui a fait le plus de rdv cette semaine ?"}, guardRanking},
		{"ranking by calls, French apostrophe", []string{"Qui a passé le plus d’appels ?"}, guardRanking},
		{"top 3 in meetings", []string{"How do you get into the top 3 in meetings?"}, guardRanking},
		{"surveiller", []string{"Il faut surveiller ses appels : comment comptes-tu t'organiser ?"}, guardSurveillance},
		{"surveillance", []string{"Que penses-tu de la surveillance de ton activité ?"}, guardSurveillance},
		{"contrôler", []string{"Comment puis-je contrôler tes relances ?"}, guardSurveillance},
		{"contrôle, no accent", []string{"On fait un controle de tes appels ?"}, guardSurveillance},
		{"flicage", []string{"Ce n'est pas du flicage, mais combien d'appels as-tu passés ?"}, guardSurveillance},
		{"fliquer", []string{"Je ne veux pas te fliquer : que s'est-il passé ?"}, guardSurveillance},
		{"monitor", []string{"How can I monitor your calls better?"}, guardSurveillance},
		{"monitoring", []string{"What do you think of daily monitoring of your pipeline?"}, guardSurveillance},
		{"track your every", []string{"Should I track your every call?"}, guardSurveillance},
		{"tracking", []string{"Is the tracking of your calls useful?"}, guardSurveillance},
		{"keep an eye on", []string{"Which deals should I keep an eye on?"}, guardSurveillance},
		{"second question rejected", []string{"Comment ça va ?", "Qui a fait le plus de rdv ?"}, guardRanking},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Guard(tt.in)
			if tt.want == "" {
				if got != "" {
					t.Fatalf("Guard rejects a clean text: %s", got)
				}
				return
			}
			if !strings.HasPrefix(got, tt.want) {
				t.Fatalf("Guard = %q, want a reason starting with %q", got, tt.want)
			}
		})
	}
}

// The word lists hold at least the words the design names.
func TestGuardWordLists(t *testing.T) {
	words := map[string][]phrase{
		"surveillance": surveillanceWords,
		"comparison":   comparisonWords,
	}
	required := map[string][]string{
		"surveillance": {"surveiller", "surveillance", "contrôler", "contrôle", "flicage", "fliquer", "monitor", "monitoring", "track your every", "tracking", "keep an eye on"},
		"comparison":   {"colleague", "collègue", "les autres commerciaux", "than the others", "compared to", "classement", "ranking", "leaderboard", "top performer", "meilleur que"},
	}
	for list, ws := range required {
		for _, w := range ws {
			if _, ok := findPhrase(tokens(w), words[list]); !ok {
				t.Errorf("%s list misses %q", list, w)
			}
		}
	}
}

func TestSanitizeFacts(t *testing.T) {
	f := sanitizeFacts(CoachFacts{
		Pseudonym: "alice.martin@example.com",
		Lang:      "xx",
		Signals: []CoachSignal{
			{Kind: "stage_drop", Stage: "Acme Corp", Value: 0.1, Reference: 0.3},
			{Kind: "note", Stage: "client veut une démo"},
			{Kind: "objective_at_risk", Stage: "U01ALICE", Value: 5, Reference: 10},
			{Kind: "deal_value_drop", Stage: "Acme", Value: math.Inf(1), Reference: 1},
			{Kind: "no_followup", Stage: "Acme", Count: 2, Value: 0.5, Reference: 1},
		},
		Rates:      map[string]float64{"proposals_signatures": 0.2, "Acme Corp": 0.5, "calls_leads": math.NaN()},
		Trend:      map[string]float64{"U01ALICE": 0.3},
		Objectives: []CoachObjective{{Target: "signatures", Status: "at_risk", Ratio: 0.4}, {Target: "Acme", Status: "at_risk"}, {Target: "revenue", Status: "alice"}},
	})
	if f.Pseudonym != defaultPseudonym || f.Lang != French {
		t.Errorf("pseudonym %q, lang %q", f.Pseudonym, f.Lang)
	}
	want := []CoachSignal{
		{Kind: "objective_at_risk", Value: 5, Reference: 10},
		{Kind: "no_followup", Count: 2, Value: 0.5, Reference: 1},
	}
	if !slices.Equal(f.Signals, want) {
		t.Errorf("signals %+v, want %+v", f.Signals, want)
	}
	if len(f.Rates) != 1 || f.Rates["proposals_signatures"] != 0.2 || len(f.Trend) != 0 {
		t.Errorf("rates %v, trend %v", f.Rates, f.Trend)
	}
	if !slices.Equal(f.Objectives, []CoachObjective{{Target: "signatures", Status: "at_risk", Ratio: 0.4}}) {
		t.Errorf("objectives %+v", f.Objectives)
	}
	for in, want := range map[string]string{
		"Rep A": "Rep A", " Commercial  3 ": "Commercial 3", "": "Rep", "U01ABCDEFG": "Rep",
		"Alice Marie Martin": "Rep", "Rep <@U01>": "Rep", "a@b.c": "Rep",
	} {
		if got := sanitizePseudonym(in); got != want {
			t.Errorf("sanitizePseudonym(%q) = %q, want %q", in, got, want)
		}
	}
}
