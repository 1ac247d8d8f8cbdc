package kpi

import (
	"sort"
	"strings"
	"time"
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
	// the workspace currency, in cents.
	MaxRevenueCents = 10_000_000_00
)

// Entry is what one /log records for one rep and one day.
type Entry struct {
	Counts       map[Metric]int // count metrics only (never Revenue); a metric given several times is summed
	RevenueCents int64          // amount in cents of the workspace currency; 0 when none
	HasRevenue   bool
	Date         Date   // the day the entry is for, in the rep's timezone
	DateGiven    bool   // true when the text named a date
	Note         string // free text after "--" or "#", trimmed, may be empty
}

// Parser reads /log texts with a given vocabulary. It is immutable once
// built, so one Parser can serve every request concurrently.
type Parser struct {
	vocab *Vocabulary
}

// NewParser returns a Parser using a snapshot of v; later calls to v.Add do
// not affect it. A nil v means DefaultVocabulary.
func NewParser(v *Vocabulary) *Parser {
	if v == nil {
		v = DefaultVocabulary()
	}
	return &Parser{vocab: v.clone()}
}

var defaultParser = NewParser(DefaultVocabulary())

// Parse reads a /log text with the default vocabulary; see Parser.Parse.
func Parse(text string, now time.Time) (Entry, error) {
	return defaultParser.Parse(text, now)
}

// Parse reads a /log text. now is the current instant IN THE REP'S TIMEZONE
// (now.Location() is the rep's zone): "today", "hier" and weekday names are
// computed from it. It never panics. On error the returned Entry is the zero
// value and the error is a *ParseError: an entry is saved whole or not at
// all, never half-read.
func (p *Parser) Parse(text string, now time.Time) (Entry, error) {
	if p == nil || p.vocab == nil {
		p = defaultParser
	}
	e, err := p.parse(text, now)
	if err != nil {
		// Returned through a separate branch so a nil *ParseError never
		// becomes a non-nil error interface.
		return Entry{}, err
	}
	return e, nil
}

func (p *Parser) parse(text string, now time.Time) (Entry, *ParseError) {
	if utf8.RuneCountInString(text) > MaxTextRunes {
		return Entry{}, &ParseError{Kind: ErrTooLong, Limit: MaxTextRunes}
	}
	body, note := splitNote(text)
	s := &parseState{p: p, body: body, today: DateOf(now)}
	toks := lex(body, p.known)
	if err := s.classify(toks); err != nil {
		return Entry{}, err
	}
	if err := s.assemble(); err != nil {
		return Entry{}, err
	}
	e, err := s.bind()
	if err != nil {
		return Entry{}, err
	}
	if len(e.Counts) == 0 && !e.HasRevenue {
		return Entry{}, &ParseError{Kind: ErrEmpty}
	}
	if err := s.resolveDate(&e); err != nil {
		return Entry{}, err
	}
	e.Note = note
	return e, nil
}

// splitNote cuts the text at the first "--" or "#". An em dash counts too,
// because phones and macOS turn a typed "--" into "—".
func splitNote(text string) (body, note string) {
	cut, size := -1, 0
	for _, m := range []string{"--", "#", "—"} {
		if i := strings.Index(text, m); i >= 0 && (cut < 0 || i < cut) {
			cut, size = i, len(m)
		}
	}
	if cut < 0 {
		return text, ""
	}
	return text[:cut], strings.TrimSpace(text[cut+size:])
}

// known tells the lexer which whole chunks must not be split.
func (p *Parser) known(chunk string) bool {
	key := phraseKey(chunk)
	if _, ok := p.vocab.lookup(key); ok {
		return true
	}
	_, ok := dateWords[key]
	return ok
}

// suggest looks in the vocabulary first, then among date words, so that
// "yesterdy" still gets a hint.
func (p *Parser) suggest(word string) string {
	if s, ok := p.vocab.Suggest(word); ok {
		return s
	}
	if s, ok := nearest(phraseKey(word), dateSuggestions); ok {
		return s
	}
	return ""
}

// dateWord is a relative day: daysAgo before today, or the latest given
// weekday that is not in the future.
type dateWord struct {
	daysAgo   int
	weekday   time.Weekday
	isWeekday bool
	short     bool // an abbreviation such as "mar": never suggested
}

func (w dateWord) resolve(today Date) Date {
	if !w.isWeekday {
		return today.AddDays(-w.daysAgo)
	}
	back := (int(today.Weekday()) - int(w.weekday) + 7) % 7
	return today.AddDays(-back)
}

// dateWords are fixed (not in Vocabulary) because their meaning is
// computed, not looked up. Keys are normalised. Short weekday names such as
// "mar" or "sun" are only tried after the vocabulary, so a team word always
// wins over them.
var dateWords = func() map[string]dateWord {
	m := map[string]dateWord{
		"aujourd'hui": {daysAgo: 0}, "aujourdhui": {daysAgo: 0}, "today": {daysAgo: 0},
		"hier": {daysAgo: 1}, "yesterday": {daysAgo: 1},
		"avant-hier": {daysAgo: 2}, "avant hier": {daysAgo: 2},
	}
	// Full names first, then abbreviations, which are flagged short.
	names := map[time.Weekday][2][]string{
		time.Monday:    {{"lundi", "monday"}, {"lun", "mon"}},
		time.Tuesday:   {{"mardi", "tuesday"}, {"mar", "tue", "tues"}},
		time.Wednesday: {{"mercredi", "wednesday"}, {"mer", "wed"}},
		time.Thursday:  {{"jeudi", "thursday"}, {"jeu", "thu", "thur", "thurs"}},
		time.Friday:    {{"vendredi", "friday"}, {"ven", "fri"}},
		time.Saturday:  {{"samedi", "saturday"}, {"sam", "sat"}},
		time.Sunday:    {{"dimanche", "sunday"}, {"dim", "sun"}},
	}
	for wd, ns := range names {
		for short, list := range ns {
			for _, n := range list {
				m[n] = dateWord{weekday: wd, isWeekday: true, short: short == 1}
			}
		}
	}
	return m
}()

// dateSuggestions are the date words offered as "did you mean". Weekday
// abbreviations are left out: suggesting "mar" (Tuesday) for "mars" (March)
// would mislead. Sorted so that ties do not depend on map order.
var dateSuggestions = func() []string {
	var keys []string
	for k, w := range dateWords {
		if !w.short {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}()

// dateMaxWords is the longest date phrase ("avant hier").
const dateMaxWords = 2

// Words with a grammatical role rather than a metric. They are matched
// exactly (no plural stripping) and only after the vocabulary.
var (
	fillerWords   = map[string]bool{"et": true, "and": true, "puis": true}
	currencyWords = map[string]bool{"eur": true, "euro": true, "euros": true, "usd": true, "dollar": true, "dollars": true}
)

// lexKind is the role of a lexeme once words have been looked up.
type lexKind uint8

const (
	lxMetric  lexKind = iota + 1
	lxNum             // a number, meaning not known yet
	lxCur             // currency mark
	lxK               // thousands multiplier "k"
	lxTimes           // "x" or "×" between a number and a metric
	lxBarrier         // filler, punctuation or date: numbers do not bind across it
)

type lexeme struct {
	kind       lexKind
	start, end int
	metric     Metric
	neg        bool
	chunkStart bool
}

type datedToken struct {
	date Date
	text string
}

// itemKind is the role of an item in the binding pass.
type itemKind uint8

const (
	itMetric itemKind = iota + 1
	itQty
	itTimes
	itBarrier
)

type bindItem struct {
	kind   itemKind
	text   string
	metric Metric
	q      quantity
	bound  bool
}

// parseState carries one parse through its passes: classify (words to roles),
// assemble (numbers and currency marks to quantities), bind (quantities to
// metrics) and resolveDate.
type parseState struct {
	p     *Parser
	body  string
	today Date
	lx    []lexeme
	dates []datedToken
	items []bindItem
}

func (s *parseState) text(start, end int) string { return s.body[start:end] }

func (s *parseState) classify(toks []lexToken) *ParseError {
	for i := 0; i < len(toks); {
		t := toks[i]
		text := s.text(t.start, t.end)
		switch t.kind {
		case tkNum:
			s.lx = append(s.lx, lexeme{kind: lxNum, start: t.start, end: t.end, neg: t.neg, chunkStart: t.chunkStart})
			i++
		case tkCur:
			s.lx = append(s.lx, lexeme{kind: lxCur, start: t.start, end: t.end})
			i++
		case tkTimes:
			s.lx = append(s.lx, lexeme{kind: lxTimes, start: t.start, end: t.end})
			i++
		case tkBarrier:
			s.lx = append(s.lx, lexeme{kind: lxBarrier, start: t.start, end: t.end})
			i++
		case tkOther:
			return &ParseError{Kind: ErrUnknownWord, Token: text}
		case tkDateLike:
			d, err := ParseDate(text)
			if err != nil {
				return &ParseError{Kind: ErrBadDate, Token: text}
			}
			s.addDate(d, t.start, t.end)
			i++
		case tkWord:
			n, err := s.classifyWords(toks, i)
			if err != nil {
				return err
			}
			i += n
		}
	}
	return nil
}

// classifyWords classifies the words starting at toks[i] and returns how
// many tokens it consumed. Phrases are matched greedily, longest first, so
// "deal perdu" (lost) beats "deal" (signature).
func (s *parseState) classifyWords(toks []lexToken, i int) (int, *ParseError) {
	maxN := max(s.p.vocab.maxWords, dateMaxWords)
	run := 0
	for run < maxN && i+run < len(toks) && toks[i+run].kind == tkWord {
		run++
	}
	words := make([]string, 0, run)
	for _, t := range toks[i : i+run] {
		words = append(words, t.norm)
	}
	for n := run; n >= 1; n-- {
		key := strings.Join(words[:n], " ")
		start, end := toks[i].start, toks[i+n-1].end
		if e, ok := s.p.vocab.lookup(key); ok {
			s.lx = append(s.lx, lexeme{kind: lxMetric, start: start, end: end, metric: e.metric})
			return n, nil
		}
		if w, ok := dateWords[key]; ok {
			s.addDate(w.resolve(s.today), start, end)
			return n, nil
		}
	}
	t := toks[i]
	add := func(k lexKind) { s.lx = append(s.lx, lexeme{kind: k, start: t.start, end: t.end}) }
	switch w := t.norm; {
	case fillerWords[w]:
		add(lxBarrier)
	case w == "x":
		add(lxTimes)
	case w == "k":
		add(lxK)
	case w == "keur":
		add(lxK)
		add(lxCur)
	case currencyWords[w]:
		add(lxCur)
	default:
		text := s.text(t.start, t.end)
		return 0, &ParseError{Kind: ErrUnknownWord, Token: text, Suggestion: s.p.suggest(text)}
	}
	return 1, nil
}

// addDate records a date and leaves a barrier in its place, so that a
// number never binds across a date ("rdv hier 3" is refused, not guessed).
func (s *parseState) addDate(d Date, start, end int) {
	s.dates = append(s.dates, datedToken{date: d, text: s.text(start, end)})
	s.lx = append(s.lx, lexeme{kind: lxBarrier, start: start, end: end})
}

// assemble groups numbers with their currency marks, "k" and thousands
// groups into quantities.
func (s *parseState) assemble() *ParseError {
	lx := s.lx
	for i := 0; i < len(lx); {
		l := lx[i]
		switch l.kind {
		case lxMetric:
			s.items = append(s.items, bindItem{kind: itMetric, metric: l.metric, text: s.text(l.start, l.end)})
			i++
		case lxBarrier:
			s.items = append(s.items, bindItem{kind: itBarrier})
			i++
		case lxTimes:
			s.items = append(s.items, bindItem{kind: itTimes, text: s.text(l.start, l.end)})
			i++
		case lxK:
			// "k" without a number before it.
			text := s.text(l.start, l.end)
			return &ParseError{Kind: ErrUnknownWord, Token: text, Suggestion: s.p.suggest(text)}
		case lxCur:
			if i+1 >= len(lx) || lx[i+1].kind != lxNum {
				return &ParseError{Kind: ErrBadAmount, Token: s.text(l.start, l.end)}
			}
			i = s.quantity(i)
		case lxNum:
			i = s.quantity(i)
		}
	}
	return nil
}

// quantity reads [currency] number [thousands groups] [k] [currency]
// starting at lx[i] and returns the index after it.
func (s *parseState) quantity(i int) int {
	lx := s.lx
	at := func(j int) lexKind {
		if j < len(lx) {
			return lx[j].kind
		}
		return 0
	}
	start, j := lx[i].start, i
	lead := at(j) == lxCur
	if lead {
		j++
	}
	numText := s.text(lx[j].start, lx[j].end)
	q := quantity{neg: lx[j].neg, num: numText}
	if q.neg {
		_, size := utf8.DecodeRuneInString(numText)
		q.num = numText[size:]
	}
	j++
	if isGroupHead(q.num) {
		var groups []string
		g := j
		for at(g) == lxNum && lx[g].chunkStart && !lx[g].neg {
			t := s.text(lx[g].start, lx[g].end)
			if !isGroup(t) {
				break
			}
			groups = append(groups, t)
			g++
			if len(t) > 3 {
				break // a decimal part ends the number
			}
		}
		// Spaces as thousands separators are only believed when the
		// number is clearly money: otherwise "rdv 3 100 appels" would turn
		// into 3100 of something.
		if len(groups) > 0 && (lead || at(g) == lxCur ||
			(at(g) == lxMetric && lx[g].metric == Revenue) ||
			(s.prevIsRevenue() && at(g) != lxMetric && at(g) != lxTimes && at(g) != lxK)) {
			q.groups = groups
			j = g
		}
	}
	if at(j) == lxK {
		q.hasK = true
		j++
	}
	trail := at(j) == lxCur
	if trail {
		j++
	}
	q.currency = lead || trail
	q.text = s.text(start, lx[j-1].end)
	s.items = append(s.items, bindItem{kind: itQty, q: q, text: q.text})
	return j
}

func (s *parseState) prevIsRevenue() bool {
	n := len(s.items)
	return n > 0 && s.items[n-1].kind == itMetric && s.items[n-1].metric == Revenue
}

// isGroupHead: the number before a thousands group has 1 to 3 digits.
func isGroupHead(num string) bool { return isThousandsHead(num) }

// isGroup: "000", or "234,56" / "234.56" for the last group.
func isGroup(t string) bool {
	if len(t) == 3 {
		return allASCIIDigits(t)
	}
	return inRange(len(t), 5, 6) && allASCIIDigits(t[:3]) && (t[3] == ',' || t[3] == '.') && allASCIIDigits(t[4:])
}

// bind attaches each quantity to a metric. A number prefers the unbound
// metric just before it ("rdv 3 offre": 3 meetings, 1 proposal), then the
// metric just after it ("3 rdv 1 offre"); "x" forces the direction
// ("3 x rdv", "rdv x3"). Amounts with a currency mark need no metric word:
// they are revenue. A count metric left without a number counts 1.
func (s *parseState) bind() (Entry, *ParseError) {
	items := s.items
	n := len(items)
	e := Entry{Counts: map[Metric]int{}}
	isMetric := func(j int) bool { return j >= 0 && j < n && items[j].kind == itMetric }
	for i := range items {
		it := &items[i]
		switch it.kind {
		case itTimes:
			fwd := i > 0 && items[i-1].kind == itQty && isMetric(i+1)
			back := isMetric(i-1) && i+1 < n && items[i+1].kind == itQty
			if !fwd && !back {
				return Entry{}, &ParseError{Kind: ErrUnknownWord, Token: it.text}
			}
		case itQty:
			q := it.q
			free := func(j int) bool {
				return isMetric(j) && !items[j].bound && (items[j].metric == Revenue || !q.currency)
			}
			forceBack := i >= 2 && items[i-1].kind == itTimes && isMetric(i-2)
			forceFwd := i+2 < n && items[i+1].kind == itTimes && isMetric(i+2)
			target := -1
			switch {
			case forceBack && forceFwd:
			case forceBack:
				if free(i - 2) {
					target = i - 2
				}
			case forceFwd:
				if free(i + 2) {
					target = i + 2
				}
			case free(i - 1):
				target = i - 1
			case free(i + 1):
				target = i + 1
			}
			switch {
			case target >= 0:
				items[target].bound = true
				if err := e.add(items[target].metric, q); err != nil {
					return Entry{}, err
				}
			case q.currency && !forceBack && !forceFwd:
				if err := e.add(Revenue, q); err != nil {
					return Entry{}, err
				}
			default:
				return Entry{}, &ParseError{Kind: ErrNumberWithoutMetric, Token: q.text}
			}
		}
	}
	for _, it := range items {
		if it.kind != itMetric || it.bound {
			continue
		}
		if it.metric == Revenue {
			return Entry{}, &ParseError{Kind: ErrMetricWithoutNumber, Token: it.text, Metric: Revenue}
		}
		if err := e.addCount(it.metric, 1, it.text); err != nil {
			return Entry{}, err
		}
	}
	return e, nil
}

// add records q for metric m, checking limits as it goes so that a sum can
// never overflow.
func (e *Entry) add(m Metric, q quantity) *ParseError {
	if m != Revenue {
		v, kind := q.count()
		if kind != 0 {
			err := &ParseError{Kind: kind, Token: q.text, Metric: m}
			if kind == ErrTooMany {
				err.Limit = MaxPerMetric
			}
			return err
		}
		return e.addCount(m, v, q.text)
	}
	v, kind := q.cents()
	if kind == 0 && e.RevenueCents+v > MaxRevenueCents {
		kind = ErrRevenueTooLarge
	}
	switch kind {
	case 0:
	case ErrRevenueTooLarge:
		return &ParseError{Kind: kind, Token: q.text, Metric: Revenue, Limit: MaxRevenueCents / 100}
	default:
		return &ParseError{Kind: kind, Token: q.text, Metric: Revenue}
	}
	e.RevenueCents += v
	e.HasRevenue = true
	return nil
}

func (e *Entry) addCount(m Metric, v int64, text string) *ParseError {
	// Both operands are at most MaxPerMetric here, so the sum cannot wrap.
	if v > MaxPerMetric || int64(e.Counts[m])+v > MaxPerMetric {
		return &ParseError{Kind: ErrTooMany, Token: text, Metric: m, Limit: MaxPerMetric}
	}
	e.Counts[m] += int(v)
	return nil
}

// resolveDate picks the entry's day. Naming the same day twice is harmless
// ("lundi 2026-11-23" on that Monday); two different days cannot be guessed
// between.
func (s *parseState) resolveDate(e *Entry) *ParseError {
	e.Date = s.today
	if len(s.dates) == 0 {
		return nil
	}
	first := s.dates[0]
	for _, d := range s.dates[1:] {
		if d.date != first.date {
			return &ParseError{Kind: ErrTwoDates, Token: d.text}
		}
	}
	switch {
	case first.date.After(s.today):
		return &ParseError{Kind: ErrFutureDate, Token: first.text}
	case s.today.DaysSince(first.date) > MaxDaysBack:
		return &ParseError{Kind: ErrTooOld, Token: first.text, Limit: MaxDaysBack}
	}
	e.Date, e.DateGiven = first.date, true
	return nil
}
