package kpi

import (
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on one /log. They exist to catch typos ("1000 rdv" for "10 rdv"
// gets through, "10000" does not) and to bound the work done per message.
const (
	// MaxTextRunes bounds the whole text, note included.
	MaxTextRunes = 500
	// MaxPerMetric bounds one count metric after summing its mentions.
	MaxPerMetric = 1000
	// MaxDaysBack is how far back a rep may log; older days are history.
	MaxDaysBack = 90
	// MaxRevenueCents bounds the revenue of one entry: 10 million units of
	// the workspace currency, in cents. The pipeline value has the same
	// bound.
	MaxRevenueCents = 10_000_000_00
)

// DefaultCurrency is the workspace currency of a parser not given one.
const DefaultCurrency = "EUR"

// Entry is what one /log records for one rep and one day.
type Entry struct {
	Counts       map[Metric]int // count metrics only (never Revenue); a metric given several times is summed
	RevenueCents int64          // amount in cents of the workspace currency; 0 when none
	HasRevenue   bool
	// PipelineCents is the value of the offers the text priced ("2 offres
	// 15k€"), in cents of the workspace currency. It is not revenue: nothing
	// is signed yet. Only a parser made WithPipeline fills it.
	PipelineCents int64
	HasPipeline   bool
	// Currency is the ISO code of RevenueCents and PipelineCents, set when
	// either is present.
	Currency  string
	Date      Date   // the day the entry is for, in the rep's timezone
	DateGiven bool   // true when the text named a date
	Note      string // free text after "--", "#", "—" or " – ", trimmed, may be empty
	// Subsets are the parts of a count the text singled out ("12 appels
	// dont 3 décrochés"). They are already inside Counts and must never be
	// added to it.
	Subsets []Subset
	// Doubts lists the parts of the text read with a guess. An entry with
	// doubts needs the rep's confirmation before it is saved. nil for a
	// confident reading.
	Doubts []Doubt
	// Nothing is true when the text said the day had nothing to log ("rien
	// aujourd'hui", "RAS", "nothing today"): the day is logged, empty.
	Nothing bool
}

// Subset is a part of a count: Count of the Counts[Of] things were also
// described by Token ("3 décrochés").
type Subset struct {
	Of    Metric
	Count int
	Token string
}

// Parser reads /log texts with a given vocabulary. It is immutable once
// built, so one Parser can serve every request concurrently; the With
// methods return modified copies.
type Parser struct {
	vocab    *Vocabulary
	currency string
	doubts   bool
	pipeline bool
	fuzzy    []string // candidates for "did you mean", nouns first
}

// NewParser returns a Parser using a snapshot of v; later calls to v.Add do
// not affect it. A nil v means DefaultVocabulary. Its currency is
// DefaultCurrency; see WithCurrency, WithDoubts and WithPipeline for the
// other settings.
func NewParser(v *Vocabulary) *Parser {
	if v == nil {
		v = DefaultVocabulary()
	}
	p := &Parser{vocab: v.clone(), currency: DefaultCurrency}
	p.fuzzy = append(append([]string(nil), p.vocab.order...), fuzzyGrammarKeys...)
	return p
}

var fuzzyGrammarKeys = func() []string {
	out := make([]string, len(fuzzyGrammar))
	for i, w := range fuzzyGrammar {
		out[i] = phraseKey(w)
	}
	return out
}()

var defaultParser = NewParser(DefaultVocabulary())

func (p *Parser) orDefault() *Parser {
	if p == nil || p.vocab == nil {
		return defaultParser
	}
	return p
}

// WithCurrency returns a copy of p for a workspace whose currency is code,
// a three-letter ISO 4217 code such as "EUR" or "USD" (any case). Amounts
// in that currency are accepted, with its signs ("$" for a dollar
// currency); an amount in any other currency is refused with
// ErrOtherCurrency, never stored as if it were the workspace's. A code
// that is not three letters leaves the currency unchanged; Currency tells
// which one a parser uses.
func (p *Parser) WithCurrency(code string) *Parser {
	c := *p.orDefault()
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) == 3 && strings.IndexFunc(code, func(r rune) bool { return r < 'A' || r > 'Z' }) < 0 {
		c.currency = code
	}
	return &c
}

// Currency returns the ISO code of the workspace currency p reads amounts in.
func (p *Parser) Currency() string { return p.orDefault().currency }

// WithDoubts returns a copy of p that returns readings needing the rep's
// confirmation as Entry.Doubts with a nil error, so the caller can show
// what it read and ask before saving. Without it, Parse refuses them as it
// always did (a typo is ErrUnknownWord with a Suggestion, another doubt
// ErrAmbiguous), except the two readings it used to store: a bare "deal" is
// a signature, and an amount beside offers is revenue unless WithPipeline.
// Those come back with Entry.Doubts set and a nil error either way.
func (p *Parser) WithDoubts() *Parser {
	c := *p.orDefault()
	c.doubts = true
	return &c
}

// WithPipeline returns a copy of p that reads an amount beside offers as
// their pipeline value (Entry.PipelineCents: "2 offres 15k€") and knows the
// word "pipeline". Without it such an amount is revenue, as it used to be,
// flagged as a doubt.
func (p *Parser) WithPipeline() *Parser {
	c := *p.orDefault()
	c.pipeline = true
	return &c
}

// Parse reads a /log text with the default parser; see Parser.Parse.
func Parse(text string, now time.Time) (Entry, error) {
	return defaultParser.Parse(text, now)
}

// Parse reads a /log text. now is the current instant IN THE REP'S TIMEZONE
// (now.Location() is the rep's zone): "today", "hier" and weekday names are
// computed from it. It never panics. On error the returned Entry is the zero
// value and the error is a *ParseError: an entry is saved whole or not at
// all, never half-read. An accepted Entry with Doubts needs confirmation;
// see WithDoubts.
func (p *Parser) Parse(text string, now time.Time) (Entry, error) {
	p = p.orDefault()
	e, err := p.parse(text, now)
	if err != nil {
		// Returned through a separate branch so a nil *ParseError never
		// becomes a non-nil error interface.
		return Entry{}, err
	}
	return e, nil
}

func (p *Parser) parse(text string, now time.Time) (Entry, *ParseError) {
	s := &parseState{p: p}
	e, _, err := s.trace(text, now)
	return e, err
}

// trace parses text and also returns the counted things it read, for tests.
func (s *parseState) trace(text string, now time.Time) (Entry, []*unit, *ParseError) {
	e, err := s.run(text, now)
	if err != nil {
		// A refusal that follows from a guessed word is about that word:
		// "semaine" read as "demain" is an unknown word, not a future date.
		for _, d := range s.doubts {
			if d.Kind == DoubtFuzzy {
				return Entry{}, s.units, d.toError()
			}
		}
	}
	return e, s.units, err
}

func (s *parseState) run(text string, now time.Time) (Entry, *ParseError) {
	p := s.p
	if utf8.RuneCountInString(text) > MaxTextRunes {
		return Entry{}, &ParseError{Kind: ErrTooLong, Limit: MaxTextRunes}
	}
	body, note := splitNote(text)
	s.body, s.today = body, DateOf(now)
	toks := lex(body, p.known)
	if err := s.classify(toks); err != nil {
		return Entry{}, err
	}
	if err := (dateReader{s}).findDates(); err != nil {
		return Entry{}, err
	}
	if s.forDay != nil && len(s.dates) == 0 {
		return Entry{}, s.forDay
	}
	date, given, err := s.resolveDate()
	if err != nil {
		return Entry{}, err
	}
	e, err := s.read()
	if err != nil {
		return Entry{}, err
	}
	if len(e.Counts) == 0 && !e.HasRevenue && !e.HasPipeline {
		if !s.saidNothing() {
			return Entry{}, &ParseError{Kind: ErrEmpty}
		}
		e.Nothing = true
	}
	e.Date, e.DateGiven = date, given
	e.Note = note
	if e.HasRevenue || e.HasPipeline {
		e.Currency = p.currency
	}
	sort.SliceStable(s.doubts, func(i, j int) bool { return s.doubts[i].pos < s.doubts[j].pos })
	for _, d := range s.doubts {
		if !p.doubts && !d.legacy {
			return Entry{}, d.toError()
		}
		e.Doubts = append(e.Doubts, d)
	}
	return e, nil
}

// splitNote cuts the text at the first "--", "#", em dash, or en dash with
// spaces around it. The dashes count because phones and macOS turn a typed
// "--" into "—" or " – ".
func splitNote(text string) (body, note string) {
	cut, size := -1, 0
	for _, m := range []string{"--", "#", "—"} {
		if i := strings.Index(text, m); i >= 0 && (cut < 0 || i < cut) {
			cut, size = i, len(m)
		}
	}
	for off := 0; ; {
		i := strings.Index(text[off:], "–")
		if i < 0 {
			break
		}
		i += off
		off = i + len("–")
		before, _ := utf8.DecodeLastRuneInString(text[:i])
		after, _ := utf8.DecodeRuneInString(text[off:])
		if (i == 0 || unicode.IsSpace(before)) && (off == len(text) || unicode.IsSpace(after)) {
			if cut < 0 || i < cut {
				cut, size = i, len("–")
			}
			break
		}
	}
	if cut < 0 {
		return text, ""
	}
	return text[:cut], strings.TrimSpace(text[cut+size:])
}

// known tells the lexer which whole chunks must not be split ("r1",
// "closed-won", a team's "2nd-rdv").
func (p *Parser) known(chunk string) bool {
	key := phraseKey(chunk)
	if _, ok := p.vocab.lookup(key); ok {
		return true
	}
	_, ok := grammarLookup(key)
	return ok
}

// suggest finds the known word nearest to word: nouns first, then grammar
// words such as dates and statuses, so that "yesterdy" still gets a hint.
func (p *Parser) suggest(word string) (string, bool) {
	key := phraseKey(word)
	best, ok := nearest(key, p.fuzzy)
	if !ok {
		return "", false
	}
	if e, found := p.vocab.entries[best]; found {
		return e.canonical, true
	}
	for _, w := range fuzzyGrammar {
		if phraseKey(w) == best {
			return w, true
		}
	}
	return best, true
}

// parseState carries one parse through its passes: classify (words to
// roles), findDates, then read (quantities, noun groups and the counts).
type parseState struct {
	p     *Parser
	body  string
	today Date
	lx    []lexeme
	dates []datedToken
	// forDay is the refusal of a weekday after "pour" or "for" ("2 rdv
	// calés pour jeudi"), given only when no other date says the day.
	forDay *ParseError
	doubts []Doubt
	units  []*unit // what read counted
}

type datedToken struct {
	date Date
	text string
}

func (s *parseState) text(start, end int) string { return s.body[start:end] }

// saidNothing reports whether the text said there was nothing to log.
func (s *parseState) saidNothing() bool {
	for _, l := range s.lx {
		if l.info().nothing {
			return true
		}
	}
	return false
}

func (s *parseState) doubt(d Doubt) {
	for _, o := range s.doubts {
		if o.Token == d.Token && o.Kind == d.Kind && o.pos == d.pos {
			return
		}
	}
	s.doubts = append(s.doubts, d)
}

// resolveDate picks the entry's day. Naming the same day twice is harmless
// ("lundi 2026-11-23" on that Monday); two different days cannot be guessed
// between.
func (s *parseState) resolveDate() (Date, bool, *ParseError) {
	if len(s.dates) == 0 {
		return s.today, false, nil
	}
	first := s.dates[0]
	for _, d := range s.dates {
		if err := s.checkDay(d); err != nil {
			return Date{}, false, err
		}
	}
	for _, d := range s.dates[1:] {
		if d.date != first.date {
			return Date{}, false, &ParseError{Kind: ErrTwoDates, Token: d.text}
		}
	}
	return first.date, true, nil
}

func (s *parseState) checkDay(d datedToken) *ParseError {
	switch {
	case d.date.After(s.today):
		return &ParseError{Kind: ErrFutureDate, Token: d.text, Date: d.date}
	case s.today.DaysSince(d.date) > MaxDaysBack:
		return &ParseError{Kind: ErrTooOld, Token: d.text, Limit: MaxDaysBack, Date: d.date}
	}
	return nil
}
