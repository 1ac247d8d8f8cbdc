package kpi

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// nounClass says how a noun reacts to the status words beside it.
type nounClass uint8

const (
	ncPlain    nounClass = iota // keeps its metric; won/lost do not apply ("rdv signé" is refused)
	ncDeal                      // deal, affaire, contrat: needs a status; alone it is a doubt
	ncSale                      // vente, signature: a signature; lost makes it a lost deal
	ncProposal                  // offre, devis: won makes it a signature, lost a lost deal
	ncRenewal                   // renouvellement: stays a renewal when signed
	ncRevenue                   // CA: takes an amount, never a count
	ncLost                      // a team noun for lost deals
)

// defaultNouns is the single table of counted nouns /log understands,
// French and English mixed. Keeping synonyms as data rather than code
// branches is what lets a team add its own words with Vocabulary.Add. Only
// singular forms are listed: plurals are derived in Lookup. Status words
// ("signé", "perdu", "envoyé") are not nouns: they qualify the noun beside
// them (see lexicon.go), so "1 offre perdue" is one lost deal and never an
// offer plus a lost deal.
//
// A weak noun is a noun when alone ("3 mails", "2 visios") and narrows the
// noun beside it otherwise ("3 relances mail" are follow-ups, "2 rdv
// visio" meetings).
//
// Order matters twice: the first spelling of a normalised form is the one
// Suggest shows (so "démo" comes before "demo"), and among equally close
// suggestions the earlier entry wins.
//
// Decisions:
//   - A renewal is not also a signature. Every count metric counts its own
//     events, so "1 signature 1 renouvellement" is two contracts and the win
//     rate (signatures against lost deals) measures new business only. The
//     amount of a renewal ("1 renouvellement 8k€") is revenue all the same.
//   - A sale ("vente", "sale", "signature") is a signature. A bare "deal",
//     "affaire" or "contrat" could be won, lost or still open: it is read as
//     a signature but flagged as a doubt to confirm.
var defaultNouns = []struct {
	phrase string
	metric Metric
	class  nounClass
	weak   bool
}{
	{phrase: "appel", metric: Calls}, {phrase: "call", metric: Calls}, {phrase: "cold call", metric: Calls},
	{phrase: "cold-call", metric: Calls}, {phrase: "sales call", metric: Calls}, {phrase: "coup de fil", metric: Calls},
	{phrase: "coup de téléphone", metric: Calls}, {phrase: "dial", metric: Calls}, {phrase: "phone call", metric: Calls},

	{phrase: "mail", metric: Emails, weak: true}, {phrase: "email", metric: Emails, weak: true},
	{phrase: "e-mail", metric: Emails, weak: true}, {phrase: "courriel", metric: Emails, weak: true},
	{phrase: "message", metric: Emails, weak: true}, {phrase: "msg", metric: Emails, weak: true},
	{phrase: "inmail", metric: Emails, weak: true},

	{phrase: "lead", metric: Leads}, {phrase: "prospect", metric: Leads, weak: true},
	{phrase: "sql", metric: Leads}, {phrase: "mql", metric: Leads},

	{phrase: "rdv", metric: Meetings}, {phrase: "rendez-vous", metric: Meetings}, {phrase: "rendez vous", metric: Meetings},
	{phrase: "r1", metric: Meetings}, {phrase: "r2", metric: Meetings}, {phrase: "r3", metric: Meetings},
	{phrase: "meeting", metric: Meetings}, {phrase: "mtg", metric: Meetings}, {phrase: "sales meeting", metric: Meetings},
	{phrase: "visio", metric: Meetings, weak: true}, {phrase: "rencontre", metric: Meetings},
	{phrase: "appointment", metric: Meetings}, {phrase: "appt", metric: Meetings}, {phrase: "entretien", metric: Meetings, weak: true},

	{phrase: "démo", metric: Demos}, {phrase: "demo", metric: Demos}, {phrase: "démonstration", metric: Demos},

	{phrase: "offre", metric: Proposals, class: ncProposal}, {phrase: "proposition", metric: Proposals, class: ncProposal},
	{phrase: "propal", metric: Proposals, class: ncProposal}, {phrase: "propale", metric: Proposals, class: ncProposal},
	{phrase: "prop", metric: Proposals, class: ncProposal}, {phrase: "devis", metric: Proposals, class: ncProposal},
	{phrase: "proposal", metric: Proposals, class: ncProposal}, {phrase: "offer", metric: Proposals, class: ncProposal},
	{phrase: "quote", metric: Proposals, class: ncProposal},

	{phrase: "relance", metric: Followups}, {phrase: "follow-up", metric: Followups}, {phrase: "followup", metric: Followups},
	{phrase: "follow up", metric: Followups}, {phrase: "follow ups", metric: Followups}, {phrase: "fu", metric: Followups},
	{phrase: "suivi", metric: Followups, weak: true},

	{phrase: "signature", metric: Signatures, class: ncSale}, {phrase: "vente", metric: Signatures, class: ncSale},
	{phrase: "sale", metric: Signatures, class: ncSale}, {phrase: "win", metric: Signatures, class: ncSale},
	{phrase: "sig", metric: Signatures, class: ncSale}, {phrase: "closing", metric: Signatures, class: ncSale, weak: true},
	{phrase: "bon de commande", metric: Signatures, class: ncSale}, {phrase: "bdc", metric: Signatures, class: ncSale},
	{phrase: "deal", metric: Signatures, class: ncDeal}, {phrase: "affaire", metric: Signatures, class: ncDeal},
	{phrase: "contrat", metric: Signatures, class: ncDeal}, {phrase: "contract", metric: Signatures, class: ncDeal},

	{phrase: "CA", metric: Revenue, class: ncRevenue}, {phrase: "chiffre d'affaires", metric: Revenue, class: ncRevenue},
	{phrase: "revenue", metric: Revenue, class: ncRevenue},

	{phrase: "renouvellement", metric: Renewals, class: ncRenewal}, {phrase: "renewal", metric: Renewals, class: ncRenewal},
	{phrase: "reconduction", metric: Renewals, class: ncRenewal}, {phrase: "renouv", metric: Renewals, class: ncRenewal},
}

// ErrBuiltinWord is returned (wrapped) by Vocabulary.Add and Remove for a
// word /log already understands: a team word never silently shadows one.
var ErrBuiltinWord = errors.New("kpi: the word is built in")

// Vocabulary maps normalised nouns and noun phrases to metrics. ONE table
// holds all synonyms (French and English), not code branches, so a team can
// add its own words. The zero value is an empty vocabulary ready to use.
//
// A Vocabulary is not safe for concurrent Add; NewParser takes a snapshot,
// so a Parser never sees later changes and can be shared between goroutines.
type Vocabulary struct {
	entries map[string]vocabEntry
	// order keeps insertion order so that Suggest breaks ties the same way
	// on every run; map iteration order would make it random.
	order []string
	// maxWords bounds the greedy phrase match in the parser.
	maxWords int
}

type vocabEntry struct {
	metric    Metric
	canonical string // spelling shown to users, accents kept
	class     nounClass
	weak      bool
	builtin   bool
}

// TeamWord is a word a team added with Vocabulary.Add.
type TeamWord struct {
	Phrase string // as the team spelt it, spaces collapsed
	Metric Metric
}

// DefaultVocabulary returns a fresh copy of the built-in table, so callers
// may Add to it without affecting anyone else.
func DefaultVocabulary() *Vocabulary {
	v := &Vocabulary{}
	for _, n := range defaultNouns {
		// The first spelling of a normalised form is the one shown.
		if _, dup := v.entries[phraseKey(n.phrase)]; !dup {
			v.put(n.phrase, vocabEntry{metric: n.metric, class: n.class, weak: n.weak, builtin: true})
		}
	}
	return v
}

// clone gives the parser its own snapshot, decoupled from later Adds.
func (v *Vocabulary) clone() *Vocabulary {
	c := &Vocabulary{
		entries:  make(map[string]vocabEntry, len(v.entries)),
		order:    append([]string(nil), v.order...),
		maxWords: v.maxWords,
	}
	for k, e := range v.entries {
		c.entries[k] = e
	}
	return c
}

func (v *Vocabulary) put(phrase string, e vocabEntry) {
	key := phraseKey(phrase)
	e.canonical = strings.Join(strings.Fields(phrase), " ")
	if v.entries == nil {
		v.entries = make(map[string]vocabEntry)
	}
	if _, ok := v.entries[key]; !ok {
		v.order = append(v.order, key)
	}
	v.entries[key] = e
	if n := len(strings.Fields(key)); n > v.maxWords {
		v.maxWords = n
	}
}

// classOf is the class a team noun gets from its metric.
func classOf(m Metric) nounClass {
	switch m {
	case Signatures:
		return ncSale
	case Proposals:
		return ncProposal
	case Renewals:
		return ncRenewal
	case Revenue:
		return ncRevenue
	case Lost:
		return ncLost
	}
	return ncPlain
}

// Add teaches v a team word or phrase (several words are matched as
// consecutive tokens, before the built-in words they are made of: a team's
// "appel découverte" can be a meeting). The phrase is normalised, so
// "Démo client" also matches "demo client" and "DÉMOS CLIENTS". Adding a team
// phrase again with another metric re-targets it; with the same metric it
// keeps the first spelling for suggestions.
//
// A word /log already understands cannot be added: a built-in noun or its
// plural ("rdv", "visios"), a status ("perdu"), a date word ("ven", "hier"),
// a number or currency word. The error then wraps ErrBuiltinWord.
func (v *Vocabulary) Add(phrase string, m Metric) error {
	if v == nil {
		return errors.New("kpi: Add on a nil Vocabulary")
	}
	if !m.Valid() {
		return fmt.Errorf("kpi: cannot add %q: invalid metric %q", phrase, m)
	}
	key := phraseKey(phrase)
	if key == "" {
		return errors.New("kpi: cannot add an empty phrase")
	}
	// A phrase without letters ("3", "€") would shadow numbers and amounts.
	if strings.IndexFunc(key, unicode.IsLetter) < 0 {
		return fmt.Errorf("kpi: cannot add %q: a phrase needs at least one letter", phrase)
	}
	if e, ok := v.lookup(key); ok && e.builtin {
		return fmt.Errorf("kpi: cannot add %q: %w (%s)", phrase, ErrBuiltinWord, e.metric)
	}
	if isGrammarWord(key) {
		return fmt.Errorf("kpi: cannot add %q: %w", phrase, ErrBuiltinWord)
	}
	if old, ok := v.entries[key]; ok && old.metric == m {
		return nil
	}
	v.put(phrase, vocabEntry{metric: m, class: classOf(m)})
	return nil
}

// Remove deletes a team word. Built-in words cannot be removed (the error
// wraps ErrBuiltinWord); removing a word that is not there is an error too,
// so a typo in the command does not look like a success.
func (v *Vocabulary) Remove(phrase string) error {
	if v == nil {
		return errors.New("kpi: Remove on a nil Vocabulary")
	}
	key := phraseKey(phrase)
	e, ok := v.entries[key]
	switch {
	case ok && e.builtin:
		return fmt.Errorf("kpi: cannot remove %q: %w", phrase, ErrBuiltinWord)
	case !ok:
		if be, found := v.lookup(key); found && be.builtin || isGrammarWord(key) {
			return fmt.Errorf("kpi: cannot remove %q: %w", phrase, ErrBuiltinWord)
		}
		return fmt.Errorf("kpi: %q is not a team word", phrase)
	}
	delete(v.entries, key)
	for i, k := range v.order {
		if k == key {
			v.order = append(v.order[:i:i], v.order[i+1:]...)
			break
		}
	}
	v.maxWords = 0
	for k := range v.entries {
		v.maxWords = max(v.maxWords, len(strings.Fields(k)))
	}
	return nil
}

// TeamWords lists the words added with Add, in the order they were added.
func (v *Vocabulary) TeamWords() []TeamWord {
	if v == nil {
		return nil
	}
	var out []TeamWord
	for _, k := range v.order {
		if e := v.entries[k]; !e.builtin {
			out = append(out, TeamWord{Phrase: e.canonical, Metric: e.metric})
		}
	}
	return out
}

// IsBuiltin reports whether /log understands phrase without any team word:
// a built-in noun, a plural of one, or a grammar word (status, date,
// number, currency...).
func (v *Vocabulary) IsBuiltin(phrase string) bool {
	key := phraseKey(phrase)
	if key == "" {
		return false
	}
	if e, ok := v.lookup(key); ok && e.builtin {
		return true
	}
	return isGrammarWord(key)
}

// Lookup returns the metric for a word or phrase. It ignores case and accents
// and accepts plurals: when the exact form is unknown, words that end in
// "s" or "x" are tried without it ("leads qualifiés" -> "lead qualifié").
// A phrase made of a noun and status words is read as /log reads it:
// "deals perdus" is Lost, "devis signés" Signatures, and "signés" alone
// Signatures.
func (v *Vocabulary) Lookup(word string) (Metric, bool) {
	key := phraseKey(word)
	if e, ok := v.lookup(key); ok {
		return e.metric, true
	}
	return v.groupMetric(word)
}

func (v *Vocabulary) lookup(key string) (vocabEntry, bool) {
	if v == nil || key == "" {
		return vocabEntry{}, false
	}
	if e, ok := v.entries[key]; ok {
		return e, true
	}
	words := strings.Split(key, " ")
	if len(words) > v.maxWords {
		return vocabEntry{}, false
	}
	// Each plural-looking word may or may not really be a plural ("devis"
	// is singular, "signés" is not), so try every combination of stripping.
	// Phrases are a few words long, so this stays tiny.
	var strippable []int
	for i, w := range words {
		if singularWord(w) != w {
			strippable = append(strippable, i)
		}
	}
	try := make([]string, len(words))
	for mask := 1; mask < 1<<len(strippable); mask++ {
		copy(try, words)
		for bit, i := range strippable {
			if mask&(1<<bit) != 0 {
				try[i] = singularWord(words[i])
			}
		}
		if e, ok := v.entries[strings.Join(try, " ")]; ok {
			return e, true
		}
	}
	return vocabEntry{}, false
}

// singularWord strips one trailing "s" or "x" from a normalised word. Words
// that would shrink below three letters are kept, so that short words like
// "cas" do not turn into "ca" (revenue).
func singularWord(w string) string {
	if len(w) > 3 && (strings.HasSuffix(w, "s") || strings.HasSuffix(w, "x")) {
		return w[:len(w)-1]
	}
	return w
}

// singular applies singularWord to every word of a normalised phrase.
func singular(key string) string {
	words := strings.Split(key, " ")
	for i, w := range words {
		words[i] = singularWord(w)
	}
	return strings.Join(words, " ")
}

// Suggest returns the known spelling nearest to word, for a "did you mean"
// message. It only answers when the word is close enough to be a typo: a
// Damerau-Levenshtein distance of at most 1 for words of up to 4 letters and
// 2 for longer ones. The answer is the canonical spelling from the table,
// accents included ("démo", not "demo").
func (v *Vocabulary) Suggest(word string) (string, bool) {
	if v == nil {
		return "", false
	}
	key := phraseKey(word)
	if e, ok := v.lookup(key); ok {
		return e.canonical, true
	}
	best, ok := nearest(key, v.order)
	if !ok {
		return "", false
	}
	return v.entries[best].canonical, true
}

// nearest finds the candidate closest to key (or to its singular form)
// within the typo budget; a candidate two edits away must start with the
// same letter. Ties go to the earliest candidate.
func nearest(key string, candidates []string) (string, bool) {
	n := utf8.RuneCountInString(key)
	if n < 2 {
		// One letter is within distance 1 of too many words to mean anything.
		return "", false
	}
	budget := 2
	if n <= 4 {
		budget = 1
	}
	forms := []string{key}
	if s := singular(key); s != key {
		forms = append(forms, s)
	}
	best, bestDist := "", budget+1
	for _, c := range candidates {
		cn := utf8.RuneCountInString(c)
		for _, f := range forms {
			// The distance is at least the difference in length, which
			// skips the quadratic work for a pasted paragraph.
			if absInt(utf8.RuneCountInString(f)-cn) >= bestDist {
				continue
			}
			d := damerau(f, c)
			// Typos rarely change the first letter: far matches must keep
			// it, or "cours" would suggest "août" and "Dupont" "dont".
			if d == 2 && firstRune(f) != firstRune(c) {
				continue
			}
			if d < bestDist {
				best, bestDist = c, d
			}
		}
	}
	return best, best != ""
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return 0
}

func absInt(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// damerau is the optimal-string-alignment variant of the Damerau-Levenshtein
// distance over runes: insertions, deletions, substitutions and swaps of two
// adjacent letters ("rvd" -> "rdv") each cost 1.
func damerau(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rolling rows are enough for the transposition lookback.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// phraseKey is the form under which phrases are stored and looked up:
// normalised, with runs of spaces collapsed.
func phraseKey(s string) string {
	return strings.Join(strings.Fields(Normalize(s)), " ")
}

// Normalize folds s for comparison: lower case, accents removed ("é" -> "e",
// "ç" -> "c", "œ" -> "oe"), curly apostrophes turned into "'" and Unicode
// hyphens into "-"; invisible format characters (zero-width joiners, soft
// hyphens) are dropped. Reps type on phones whose keyboards add accents and smart
// quotes on their own, and none of that should change the meaning.
//
// It uses a hand-written fold table plus dropping combining marks (which
// covers already-decomposed input) rather than golang.org/x/text, to keep the
// package free of dependencies; the table covers Latin-1 and Latin
// Extended-A, which is every language the bot is used in.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.In(r, unicode.Mn, unicode.Cf) {
			continue
		}
		r = unicode.ToLower(r)
		if f, ok := foldTable[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// foldTable maps lower-case runes to their unaccented spelling.
var foldTable = func() map[rune]string {
	groups := map[string]string{
		"a":  "àáâãäåāăą",
		"ae": "æ",
		"c":  "çćĉċč",
		"d":  "ďđð",
		"e":  "èéêëēĕėęě",
		"g":  "ĝğġģ",
		"h":  "ĥħ",
		"i":  "ìíîïĩīĭįı",
		"j":  "ĵ",
		"k":  "ķ",
		"l":  "ĺļľŀł",
		"n":  "ñńņňŉ",
		"o":  "òóôõöøōŏő",
		"oe": "œ",
		"r":  "ŕŗř",
		"s":  "śŝşšſ",
		"ss": "ß",
		"t":  "ţťŧ",
		"th": "þ",
		"u":  "ùúûüũūŭůűų",
		"w":  "ŵ",
		"y":  "ýÿŷ",
		"z":  "źżž",
		"'":  "\u2018\u2019\u201b\u02bc\u2032\u00b4`",
		"-":  "\u2010\u2011",
	}
	m := make(map[rune]string)
	for to, from := range groups {
		for _, r := range from {
			m[r] = to
		}
	}
	return m
}()
