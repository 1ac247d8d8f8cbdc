package kpi

import "strconv"

// DoubtKind says why a reading needs the rep's confirmation.
type DoubtKind int

// The kinds of doubt. The zero value is not a kind.
const (
	// DoubtFuzzy: a word that is not known, read as the nearest known word
	// ("offfre" read as "offre").
	DoubtFuzzy DoubtKind = iota + 1
	// DoubtAmbiguous: words or a number with more than one reading; the
	// entry holds the one in Reading ("1 deal" read as a signature, "rdv 3
	// offre" read as 3 meetings and 1 offer).
	DoubtAmbiguous
)

// String returns a short English name for logs.
func (k DoubtKind) String() string {
	switch k {
	case DoubtFuzzy:
		return "fuzzy"
	case DoubtAmbiguous:
		return "ambiguous"
	}
	return "DoubtKind(" + strconv.Itoa(int(k)) + ")"
}

// Doubt marks part of an accepted text whose reading is a guess. An Entry
// with Doubts must be shown to the rep ("I read: 1 lost deal, yesterday —
// Save / Edit / Cancel") and saved only once confirmed.
type Doubt struct {
	Kind DoubtKind
	// Token is the part of the text in doubt, exactly as typed.
	Token string
	// Reading is how kpi read it, in /log words: the known word for a fuzzy
	// match ("offre"), the canonical reading otherwise ("3 rdv 1 offre",
	// "signature", "CA 500 EUR").
	Reading string
	// Metric is the metric the token was read as, when there is one.
	Metric Metric
	// legacy doubts were accepted by Parse before doubts existed; a parser
	// without WithDoubts still accepts them, so existing callers keep
	// working ("1 deal 8k€" is a signature and its revenue).
	legacy bool
	pos    int
	// counted: Reading is a noun, to be written with the unit's count.
	counted bool
}

// toError turns a doubt into the refusal a parser without WithDoubts gives.
func (d Doubt) toError() *ParseError {
	if d.Kind == DoubtFuzzy {
		return &ParseError{Kind: ErrUnknownWord, Token: d.Token, Suggestion: d.Reading}
	}
	return &ParseError{Kind: ErrAmbiguous, Token: d.Token, Suggestion: d.Reading, Metric: d.Metric}
}
