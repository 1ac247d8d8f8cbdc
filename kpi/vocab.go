package kpi

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// defaultPhrases is the single table of words /log understands, French and
// English mixed. Keeping synonyms as data rather than code branches is what
// lets a team add its own words with Vocabulary.Add. Only singular forms are
// listed: plurals are derived in Lookup.
//
// Order matters twice: the first spelling of a normalised form is the one
// Suggest shows (so "démo" comes before "demo"), and among equally close
// suggestions the earlier entry wins.
//
// Beyond DESIGN.md the table holds a few collocations ("closed lost",
// "deal lost", "offre signée"...). Without them "2 deals lost" would read as
// 2 signatures plus 1 lost deal, a silent miscount.
var defaultPhrases = []struct {
	phrase string
	metric Metric
}{
	{"appel", Calls}, {"call", Calls}, {"cold call", Calls},

	{"mail", Emails}, {"email", Emails}, {"e-mail", Emails}, {"message", Emails},

	{"lead", Leads}, {"lead qualifié", Leads},

	{"rdv", Meetings}, {"rendez-vous", Meetings}, {"rendez vous", Meetings},
	{"r1", Meetings}, {"meeting", Meetings}, {"mtg", Meetings},

	{"démo", Demos}, {"demo", Demos},

	{"offre", Proposals}, {"proposition", Proposals}, {"devis", Proposals},
	{"proposal", Proposals}, {"offer", Proposals}, {"quote", Proposals},

	{"relance", Followups}, {"follow-up", Followups}, {"followup", Followups},

	{"signature", Signatures}, {"signé", Signatures}, {"signée", Signatures},
	{"vente", Signatures}, {"deal gagné", Signatures}, {"deal signé", Signatures},
	{"offre signée", Signatures}, {"devis signé", Signatures},
	{"deal", Signatures}, {"win", Signatures}, {"closed", Signatures},
	{"won", Signatures}, {"closed won", Signatures}, {"closed deal", Signatures},
	{"deal closed", Signatures}, {"won deal", Signatures}, {"deal won", Signatures},

	{"perdu", Lost}, {"perdue", Lost}, {"deal perdu", Lost}, {"vente perdue", Lost},
	{"offre perdue", Lost}, {"lost", Lost}, {"deal lost", Lost},
	{"lost deal", Lost}, {"closed lost", Lost},

	{"CA", Revenue}, {"chiffre d'affaires", Revenue}, {"revenue", Revenue},

	{"renouvellement", Renewals}, {"renewal", Renewals},
}

// Vocabulary maps normalised words and phrases to metrics. ONE table holds
// all synonyms (French and English), not code branches, so a team can add
// its own words. The zero value is an empty vocabulary ready to use.
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
}

// DefaultVocabulary returns a fresh copy of the built-in table, so callers
// may Add to it without affecting anyone else.
func DefaultVocabulary() *Vocabulary {
	v := &Vocabulary{}
	for _, p := range defaultPhrases {
		// The table is a literal checked by tests, so Add cannot fail here.
		_ = v.Add(p.phrase, p.metric)
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

// Add teaches v a word or phrase (several words are matched as consecutive
// tokens). The phrase is normalised, so "Visio" also matches "visio" and
// "VISIO". Adding an existing phrase with another metric re-targets it, which
// lets a team override a default; adding it again with the same metric keeps
// the first spelling for suggestions.
func (v *Vocabulary) Add(phrase string, m Metric) error {
	if v == nil {
		return errors.New("kpi: Add on a nil Vocabulary")
	}
	if !m.Valid() {
		return fmt.Errorf("kpi: cannot add %q: invalid metric %q", phrase, m)
	}
	canonical := strings.Join(strings.Fields(phrase), " ")
	key := phraseKey(phrase)
	if key == "" {
		return errors.New("kpi: cannot add an empty phrase")
	}
	// A phrase without letters ("3", "€") would shadow numbers and amounts.
	if strings.IndexFunc(key, unicode.IsLetter) < 0 {
		return fmt.Errorf("kpi: cannot add %q: a phrase needs at least one letter", phrase)
	}
	if v.entries == nil {
		v.entries = make(map[string]vocabEntry)
	}
	if old, ok := v.entries[key]; ok {
		if old.metric != m {
			v.entries[key] = vocabEntry{metric: m, canonical: canonical}
		}
		return nil
	}
	v.entries[key] = vocabEntry{metric: m, canonical: canonical}
	v.order = append(v.order, key)
	if n := len(strings.Fields(key)); n > v.maxWords {
		v.maxWords = n
	}
	return nil
}

// Lookup returns the metric for a word or phrase. It ignores case and accents
// and accepts plurals: when the exact form is unknown, words that end in
// "s" or "x" are tried without it ("leads qualifiés" -> "lead qualifié").
func (v *Vocabulary) Lookup(word string) (Metric, bool) {
	e, ok := v.lookup(phraseKey(word))
	return e.metric, ok
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
// within the typo budget. Ties go to the earliest candidate.
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
			if d := damerau(f, c); d < bestDist {
				best, bestDist = c, d
			}
		}
	}
	return best, best != ""
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
