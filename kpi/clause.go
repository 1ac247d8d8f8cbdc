package kpi

import (
	"strconv"
	"strings"
)

// The reading pass. Lexemes become elements (quantities, words, links,
// separators); adjacent words become noun groups, each giving ONE unit: one
// counted thing, whatever the status and narrowing words around its noun
// ("1 vente signée", "perdu 1 deal", "3 relances mail", "2 meetings booked"
// are one count each). Separators cut the text into clauses, and in each
// clause every number is given to exactly one unit, as its count or its
// amount. All the ways of doing so are tried: when they do not all give the
// same entry, the reading is a doubt.

type elemKind uint8

const (
	eWord elemKind = iota + 1
	eQty
	eBarrier
	eLink
	eSubset
	eEach
	eTotal
	eTimes
	eUnit
)

type element struct {
	kind       elemKind
	start, end int
	lx         *lexeme
	q          *qty
	u          *unit
	guess      bool // eSubset: parts read from a colon that do not add up to the whole, to confirm
}

// qty is a number as written, with what surrounds it.
type qty struct {
	quantity
	start, end int
	forcedR    bool // counts the unit after it (its status word came before: "perdu 1 deal")
}

func (q *qty) moneyShaped() bool {
	return q.currency || q.hasM || q.hasK || len(q.groups) > 0 || strings.ContainsAny(q.num, ".,")
}

// elements turns lexemes into elements, reading quantities.
func (s *parseState) elements() ([]element, *ParseError) {
	var out []element
	for i := 0; i < len(s.lx); {
		l := &s.lx[i]
		if l.gone {
			i++
			continue
		}
		add := func(k elemKind) {
			out = append(out, element{kind: k, start: l.start, end: l.end, lx: l})
			i++
		}
		switch l.kind {
		case lxBarrier, lxDate:
			add(eBarrier)
			continue
		case lxNum, lxCur:
			j, q, err := s.quantity(i, out)
			if err != nil {
				return nil, err
			}
			out = append(out, element{kind: eQty, start: q.start, end: q.end, q: q})
			i = j
			continue
		}
		if l.noun != nil {
			add(eWord)
			continue
		}
		w := l.info()
		switch {
		case w.pipeline, w.status != 0, w.narrow:
			add(eWord)
		case w.sep:
			add(eBarrier)
		case w.subset:
			add(eSubset)
		case w.each:
			add(eEach)
		case w.total:
			add(eTotal)
		case w.times:
			add(eTimes)
		case w.number >= 0 || w.currency != "" || w.kilo || w.mega:
			j, q, err := s.quantity(i, out)
			if err != nil {
				return nil, err
			}
			out = append(out, element{kind: eQty, start: q.start, end: q.end, q: q})
			i = j
		case w.link:
			add(eLink)
		case w.filler || w.dayMarker || w.mod == modThis || w.timeOfDay:
			i++
		default:
			return nil, &ParseError{Kind: ErrUnknownWord, Token: s.text(l.start, l.end)}
		}
	}
	return out, nil
}

func isCurLex(l *lexeme) bool {
	if l == nil {
		return false
	}
	if l.kind == lxCur {
		return true
	}
	w := l.info()
	return l.kind == lxWord && w.currency != "" && !w.kilo && !w.mega
}

func isNumLex(l *lexeme) bool {
	return l != nil && (l.kind == lxNum || l.kind == lxWord && l.noun == nil && l.info().number >= 0)
}

func isRevenueLex(l *lexeme) bool {
	return l != nil && l.kind == lxWord && (l.noun != nil && l.noun.class == ncRevenue || l.noun == nil && l.info().pipeline)
}

// quantity reads [currency] number [thousands groups] [k|m] [currency]
// starting at lexeme i and returns the index after it.
func (s *parseState) quantity(i int, out []element) (int, *qty, *ParseError) {
	start := s.lx[i].start
	j := i
	var lead, trail string
	hasLead := isCurLex(s.at(j))
	if hasLead {
		lead = s.lx[j].cur
		j++
	}
	n := s.at(j)
	if !isNumLex(n) {
		text := s.text(s.lx[i].start, s.lx[i].end)
		if hasLead {
			return 0, nil, &ParseError{Kind: ErrBadAmount, Token: text}
		}
		return 0, nil, &ParseError{Kind: ErrUnknownWord, Token: text}
	}
	q := &qty{quantity: quantity{neg: n.neg, num: n.digits}}
	j++
	if n.kind == lxNum && isGroupHead(q.num) {
		var groups []string
		g := j
		for {
			l := s.at(g)
			if l == nil || l.kind != lxNum || !l.chunkStart || l.neg {
				break
			}
			t := s.text(l.start, l.end)
			if !isGroup(t) {
				break
			}
			groups = append(groups, t)
			g++
			if len(t) > 3 {
				break // a decimal part ends the number
			}
		}
		next := s.at(g)
		prevRevenue := len(out) > 0 && out[len(out)-1].kind == eWord && isRevenueLex(out[len(out)-1].lx)
		nextIsWord := next != nil && next.kind == lxWord && (next.noun != nil || next.info().times || next.info().kilo)
		// Spaces as thousands separators are only believed when the
		// number is clearly money: otherwise "rdv 3 100 appels" would turn
		// into 3100 of something.
		if len(groups) > 0 && (hasLead || isCurLex(next) || isRevenueLex(next) || prevRevenue && !nextIsWord) {
			q.groups = groups
			j = g
		}
	}
	if l := s.at(j); l != nil && l.kind == lxWord && l.noun == nil && l.info().kilo {
		q.hasK = true
		trail = l.cur
		j++
	} else if l != nil && l.kind == lxWord && l.noun == nil && l.info().mega && (l.cur != "" || isCurLex(s.at(j+1))) {
		q.hasM = true
		trail = l.cur
		j++
	}
	if trail == "" && isCurLex(s.at(j)) {
		trail = s.lx[j].cur
		j++
	}
	q.start, q.end = start, s.lx[j-1].end
	q.text = s.text(q.start, q.end)
	code := lead
	if code == "" {
		code = trail
	}
	if lead != "" && trail != "" && lead != trail {
		return 0, nil, &ParseError{Kind: ErrBadAmount, Token: q.text}
	}
	q.currency = code != "" || hasLead
	if code != "" && code != s.p.currency {
		return 0, nil, &ParseError{Kind: ErrOtherCurrency, Token: q.text, Suggestion: s.p.currency, Currency: code}
	}
	return j, q, nil
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

// unitKind is what a noun group can take.
type unitKind uint8

const (
	uCount    unitKind = iota + 1 // a counted thing: one number, 1 when none
	uAmount                       // CA, pipeline: amounts only
	uModifier                     // statuses or narrowing words with no noun
)

// amountKind is where an amount beside a unit goes.
type amountKind uint8

const (
	amNone amountKind = iota
	amRevenue
	amPipeline
	amRevenueLegacy // offers' amount as revenue, for a parser without WithPipeline
)

// unit is one noun group: one counted thing.
type unit struct {
	kind       unitKind
	start, end int
	words      []*lexeme
	head       *vocabEntry
	won, lost  bool
	undone     bool
	metric     Metric
	amount     amountKind
	err        *ParseError
	doubts     []Doubt
	trail      int // trailing won/lost words after the last noun

	count  int64
	countQ *qty
}

func (s *parseState) unitText(u *unit) string { return strings.TrimSpace(s.text(u.start, u.end)) }

// runs merges adjacent words (and the links between them) into noun
// groups, and analyses each.
func (s *parseState) runs(els []element) []element {
	var out []element
	for i := 0; i < len(els); {
		if els[i].kind != eWord {
			out = append(out, els[i])
			i++
			continue
		}
		words := []*lexeme{els[i].lx}
		j := i + 1
		for j < len(els) {
			if els[j].kind == eWord {
				words = append(words, els[j].lx)
				j++
				continue
			}
			k := j
			for k < len(els) && els[k].kind == eLink {
				k++
			}
			if k > j && k < len(els) && els[k].kind == eWord {
				j = k
				continue
			}
			break
		}
		for _, u := range s.splitRun(words) {
			out = append(out, element{kind: eUnit, start: u.start, end: u.end, u: u})
		}
		i = j
	}
	return out
}

// splitRun cuts a run before each revenue word: "1 offre CA 3000" is an
// offer and revenue, never a compound.
func (s *parseState) splitRun(words []*lexeme) []*unit {
	var out []*unit
	var cur []*lexeme
	inRevenue := false
	flush := func() {
		if len(cur) > 0 {
			out = append(out, s.makeUnit(cur))
		}
		cur = nil
	}
	for _, w := range words {
		switch {
		case isRevenueLex(w):
			flush()
			inRevenue = true
		case inRevenue && w.noun != nil:
			flush()
			inRevenue = false
		}
		cur = append(cur, w)
	}
	flush()
	return out
}

// makeUnit reads one noun group: its head noun and what its status words
// make of it. Weak nouns ("mail", "visio") yield to a strong one; two
// strong nouns of different metrics ("rdv démo") are a doubt.
func (s *parseState) makeUnit(words []*lexeme) *unit {
	u := &unit{words: words, start: words[0].start, end: words[len(words)-1].end}
	var strong, weak []*vocabEntry
	pipeline, neutral, accepted := false, false, false
	lastNoun := -1
	for i, w := range words {
		if w.noun != nil {
			if w.noun.weak {
				weak = append(weak, w.noun)
			} else {
				strong = append(strong, w.noun)
			}
			lastNoun = i
			continue
		}
		info := w.info()
		switch info.status {
		case stWon:
			u.won = true
		case stLost:
			u.lost = true
		case stNeutral:
			neutral = true
			accepted = accepted || info.accept
		case stUndone:
			u.undone = true
		}
		if info.pipeline {
			pipeline = true
		}
	}
	for i := len(words) - 1; i > lastNoun && lastNoun >= 0; i-- {
		if st := words[i].info().status; st == stWon || st == stLost {
			u.trail++
			continue
		}
		break
	}
	heads := strong
	if len(heads) == 0 {
		heads = weak
	}
	conflict := func() {
		u.err = &ParseError{Kind: ErrConflict, Token: s.unitText(u)}
	}
	if u.won && u.lost {
		conflict()
	}
	u.kind = uCount
	switch {
	case len(heads) > 0:
		u.head = heads[0]
		for _, h := range heads {
			if h.class != ncDeal {
				u.head = h
				break
			}
		}
		// "1 devis accepté": the client said yes, a signature.
		if accepted && (u.head.class == ncProposal || u.head.class == ncDeal) {
			u.won = true
			if u.lost {
				conflict()
			}
		}
		for _, h := range heads {
			if h.metric != u.head.metric {
				u.doubts = append(u.doubts, Doubt{Kind: DoubtAmbiguous, Token: s.unitText(u),
					Metric: u.head.metric, pos: u.start, counted: true})
				break
			}
		}
		u.metric = u.head.metric
		switch u.head.class {
		case ncPlain:
			if u.won || u.lost {
				conflict()
			}
		case ncDeal:
			switch {
			case u.lost:
				u.metric = Lost
			case !u.won:
				// A bare deal may be won, lost or still open.
				d := Doubt{Kind: DoubtAmbiguous, Token: s.unitText(u), Metric: Signatures, pos: u.start, counted: true}
				d.legacy = phraseKey(u.head.canonical) == "deal" && !neutral
				u.doubts = append(u.doubts, d)
			}
		case ncSale:
			if u.lost {
				u.metric = Lost
			}
		case ncProposal:
			switch {
			case u.won:
				u.metric = Signatures
			case u.lost:
				u.metric = Lost
			}
		case ncRenewal:
			if u.lost {
				conflict()
			}
		case ncRevenue:
			u.kind = uAmount
			if u.lost {
				conflict()
			}
		case ncLost:
			if u.won {
				conflict()
			}
		}
	case pipeline:
		u.kind = uAmount
		if u.won || u.lost {
			conflict()
		}
	case u.lost:
		u.metric = Lost
	case u.won:
		u.metric = Signatures
	default:
		u.kind = uModifier
	}
	if u.undone {
		// "2 rdv annulés": what did not happen is not counted, and a guess
		// at what did would be wrong.
		u.err = &ParseError{Kind: ErrNotHappened, Token: s.unitText(u), Metric: u.metric}
	}
	switch {
	case pipeline && u.head == nil:
		u.amount = amPipeline
	case u.metric == Signatures || u.metric == Renewals || u.metric == Revenue:
		u.amount = amRevenue
	case u.metric == Proposals && s.p.pipeline:
		u.amount = amPipeline
	case u.metric == Proposals:
		u.amount = amRevenueLegacy
	}
	return u
}

// subsetSpec is "dont 3 décrochés": a part of parent's count.
type subsetSpec struct {
	parent     *unit
	q          *qty
	sub        *unit
	start, end int
	implied    bool // no "dont": read as a part, to be confirmed
}

// read runs the reading pass and returns the entry without its date.
func (s *parseState) read() (Entry, *ParseError) {
	els, err := s.elements()
	if err != nil {
		return Entry{}, err
	}
	els = s.taxTwice(els)
	els = s.runs(els)
	els = s.parentheses(els)
	els = s.colonParts(els)
	els, subsets, err := s.subsets(els)
	if err != nil {
		return Entry{}, err
	}
	els = s.weakAfter(els)
	var clauses [][]element
	var cur []element
	for _, el := range els {
		if el.kind == eBarrier {
			if len(cur) > 0 {
				clauses = append(clauses, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, el)
	}
	if len(cur) > 0 {
		clauses = append(clauses, cur)
	}
	// "2 signatures 12k et 3k": amounts listed after an amount go with it.
	moneyQ := func(el element) bool {
		return el.kind == eQty && (el.q.currency || el.q.hasK || el.q.hasM || len(el.q.groups) > 0)
	}
	for i := 1; i < len(clauses); i++ {
		prev := clauses[i-1]
		onlyMoney := true
		for _, el := range clauses[i] {
			onlyMoney = onlyMoney && moneyQ(el)
		}
		if onlyMoney && moneyQ(prev[len(prev)-1]) {
			clauses[i-1] = append(prev, clauses[i]...)
			clauses = append(clauses[:i], clauses[i+1:]...)
			i--
		}
	}
	var units []*unit
	var amounts []placedAmount
	for _, c := range clauses {
		c, more, err := s.prepareClause(c)
		if err != nil {
			return Entry{}, err
		}
		subsets = append(subsets, more...)
		us, am, err := s.solveClause(c)
		if err != nil {
			return Entry{}, err
		}
		units = append(units, us...)
		amounts = append(amounts, am...)
	}
	s.units = units
	return s.assemble(units, amounts, subsets)
}

// weakAfter reads "3 rdv, visio" as 3 meetings by video, to confirm: a
// weak noun with no number, alone after punctuation that follows a noun of
// its own metric, most likely says how they went. Counted apart, it would
// be a fourth meeting.
func (s *parseState) weakAfter(els []element) []element {
	for i := 2; i < len(els); i++ {
		u, prev := els[i].u, els[i-2].u
		if els[i].kind != eUnit || els[i-2].kind != eUnit || els[i-1].kind != eBarrier ||
			u.kind != uCount || u.head == nil || !u.head.weak || u.err != nil ||
			prev.kind != uCount || prev.head == nil || prev.metric != u.metric || prev.err != nil ||
			i+1 < len(els) && els[i+1].kind != eBarrier {
			continue
		}
		switch s.text(els[i-1].start, els[i-1].end) {
		case ",", "-", "–", "/":
		default:
			continue
		}
		merged := s.makeUnit(append(append([]*lexeme(nil), prev.words...), u.words...))
		if merged.err != nil || merged.metric != prev.metric {
			continue
		}
		merged.start, merged.end = prev.start, u.end
		merged.doubts = append(merged.doubts, Doubt{Kind: DoubtAmbiguous, Token: s.unitText(merged),
			Metric: merged.metric, pos: merged.start, counted: true})
		els[i-2].u, els[i-2].end = merged, merged.end
		els = append(els[:i-1], els[i+1:]...)
		i--
	}
	return els
}

// taxTwice reads "1 vente 10k€ HT soit 12k€ TTC" and "10k HT / 12k TTC"
// as one amount given twice, with and without tax: the amount before tax
// is kept and the other dropped, as a doubt to confirm. Added up, they
// would count the sale's revenue twice over. An amount marked TTC alone
// stays what the rep typed.
func (s *parseState) taxTwice(els []element) []element {
	tag := func(q *qty) (int, *lexeme) {
		for k := range s.lx {
			l := &s.lx[k]
			if l.gone || l.start < q.end {
				continue
			}
			switch l.norm {
			case "ht", "hors taxe", "hors taxes", "excl vat":
				return -1, l
			case "ttc", "incl vat":
				return 1, l
			}
			return 0, nil
		}
		return 0, nil
	}
	// pairOf is the amount marked HT beside the one at i, with only
	// punctuation or "soit" between them.
	pairOf := func(i int) *qty {
		for _, dir := range []int{-1, 1} {
			for j := i + dir; j >= 0 && j < len(els); j += dir {
				el := els[j]
				if el.kind == eBarrier || el.kind == eLink {
					continue
				}
				if el.kind == eQty && el.q.moneyShaped() {
					if t, _ := tag(el.q); t == -1 {
						return el.q
					}
				}
				break
			}
		}
		return nil
	}
	var out []element
	for i, el := range els {
		if el.kind == eQty && el.q.moneyShaped() {
			if t, l := tag(el.q); t == 1 {
				if ht := pairOf(i); ht != nil {
					if v, kind := ht.cents(); kind == 0 {
						s.doubt(Doubt{Kind: DoubtAmbiguous, Token: strings.TrimSpace(s.text(el.q.start, l.end)),
							Reading: formatCents(v) + " " + s.p.currency + " HT", pos: el.q.start})
						continue
					}
				}
			}
		}
		out = append(out, el)
	}
	return out
}

// parentheses reads a detail in brackets after a unit: "1 signature
// (15k€)" is the signature's amount, "3 rdv (2 en visio)" a part of the 3
// meetings, never 2 more. Other brackets separate, as any punctuation.
func (s *parseState) parentheses(els []element) []element {
	isText := func(i int, t string) bool {
		return i >= 0 && i < len(els) && els[i].kind == eBarrier && s.text(els[i].start, els[i].end) == t
	}
	var out []element
	for i := 0; i < len(els); i++ {
		afterUnit := i > 0 && els[i-1].kind == eUnit || i > 1 && els[i-1].kind == eQty && els[i-2].kind == eUnit
		if isText(i, "(") && afterUnit && i+1 < len(els) && els[i+1].kind == eQty {
			j := i + 2
			for j < len(els) && (els[j].kind == eLink || els[j].kind == eUnit) {
				j++
			}
			// "(2 R1, 2 R2)", "(1 visio + 1 physique)": a list of parts.
			for j+1 < len(els) && s.listSep(els[j]) && els[j+1].kind == eQty && !els[j+1].q.currency {
				j += 2
				for j < len(els) && (els[j].kind == eLink || els[j].kind == eUnit) {
					j++
				}
			}
			if isText(j, ")") {
				q := els[i+1].q
				if q.moneyShaped() && j == i+2 {
					out = append(out, els[i+1])
				} else {
					out = append(out, element{kind: eSubset, start: els[i].start, end: els[i].end})
					out = append(out, els[i+1:j]...)
				}
				i = j
				continue
			}
		}
		// "1 rdv (visio)", "1 meeting (zoom)": words in brackets with no
		// number qualify the unit before them, as they would unbracketed;
		// read apart, "(visio)" would be a second meeting.
		if isText(i, "(") && len(out) > 0 && out[len(out)-1].kind == eUnit && out[len(out)-1].u.kind == uCount {
			j := i + 1
			var words []*lexeme
			for j < len(els) && (els[j].kind == eLink || els[j].kind == eUnit) {
				if els[j].kind == eUnit {
					words = append(words, els[j].u.words...)
				}
				j++
			}
			if len(words) > 0 && isText(j, ")") {
				prev := &out[len(out)-1]
				merged := s.makeUnit(append(append([]*lexeme(nil), prev.u.words...), words...))
				if merged.err == nil || merged.err.Kind == ErrNotHappened || merged.err.Kind == ErrConflict {
					merged.end = els[j].end
					if merged.err != nil {
						merged.err.Token = s.unitText(merged)
					}
					prev.u, prev.end = merged, merged.end
					i = j
					continue
				}
			}
		}
		out = append(out, els[i])
	}
	return out
}

// listSep reports whether el separates the parts of a list: a comma, "+",
// "/", "&", "et", "and".
func (s *parseState) listSep(el element) bool {
	if el.kind != eBarrier {
		return false
	}
	switch strings.ToLower(s.text(el.start, el.end)) {
	case ",", "+", "/", "&", "et", "and":
		return true
	}
	return false
}

// partAt reads a part of parent at k: a count, then a word that narrows
// parent or a noun of parent's metric ("2 visio", "1 physique", "2 R1").
// It returns the index of that word.
//
// A noun with parent's own head ("dont 2 visio, 2 rdv physiques") is a
// part only when sameHead allows it (a bracket or a colon list): after
// "dont" it may as well be more of them.
func (s *parseState) partAt(els []element, k int, parent *unit, sameHead bool) (int, bool) {
	if k >= len(els) || els[k].kind != eQty || els[k].q.currency {
		return 0, false
	}
	m := k + 1
	for m < len(els) && els[m].kind == eLink {
		m++
	}
	if m >= len(els) || els[m].kind != eUnit {
		return 0, false
	}
	u := els[m].u
	if u.kind == uModifier {
		return m, true
	}
	if u.kind != uCount || u.head == nil || u.metric != parent.metric || u.err != nil {
		return 0, false
	}
	if !sameHead && parent.head != nil && phraseKey(u.head.canonical) == phraseKey(parent.head.canonical) {
		return 0, false
	}
	return m, true
}

// colonParts reads "4 rdv: 2 R1, 2 R2" and "3 rdv : 2 visio, 1 physique"
// as the parts of the count before the colon; summed, they would count
// the meetings twice. Parts that add up to less than the whole ("5 rdv: 2
// visio") are read as parts too, to be confirmed; parts that add up to
// more keep their usual reading.
func (s *parseState) colonParts(els []element) []element {
	var out []element
	for i := 0; i < len(els); i++ {
		out = append(out, els[i])
		if i < 1 || i+1 >= len(els) || els[i].kind != eUnit || els[i].u.kind != uCount || els[i].u.head == nil ||
			els[i-1].kind != eQty || els[i-1].q.moneyShaped() || els[i+1].kind != eQty ||
			!strings.Contains(s.text(els[i].end, els[i+1].start), ":") {
			continue
		}
		whole, kind := els[i-1].q.count()
		if kind != 0 {
			continue
		}
		var sum int64
		k := i + 1
		for {
			m, ok := s.partAt(els, k, els[i].u, true)
			if !ok {
				break
			}
			n, kind := els[k].q.count()
			if kind != 0 {
				sum = -1
				break
			}
			sum += n
			if m+2 >= len(els) || !s.listSep(els[m+1]) {
				break
			}
			k = m + 2
		}
		if sum > 0 && sum <= whole {
			out = append(out, element{kind: eSubset, start: els[i].end, end: els[i+1].start, guess: sum < whole})
		}
	}
	return out
}

// subsets takes out "dont 3 décrochés" parts, which describe a count and
// never add to one.
func (s *parseState) subsets(els []element) ([]element, []subsetSpec, *ParseError) {
	var out []element
	var specs []subsetSpec
	for i := 0; i < len(els); i++ {
		el := els[i]
		if el.kind != eSubset {
			out = append(out, el)
			continue
		}
		marker := s.text(el.start, el.end)
		j := i + 1
		if j < len(els) && els[j].kind == eBarrier && s.text(els[j].start, els[j].end) == "." {
			j++
		}
		if j >= len(els) || els[j].kind != eQty || els[j].q.currency {
			return nil, nil, &ParseError{Kind: ErrDanglingWord, Token: marker}
		}
		spec := subsetSpec{q: els[j].q, start: el.start, end: els[j].end, implied: el.guess}
		j++
		k := j
		for k < len(els) && els[k].kind == eLink {
			k++
		}
		if k < len(els) && els[k].kind == eUnit {
			j = k
			spec.sub = els[j].u
			spec.end = els[j].end
			j++
		}
		for b := len(out) - 1; b >= 0; b-- {
			if out[b].kind == eUnit && out[b].u.kind == uCount {
				spec.parent = out[b].u
				break
			}
		}
		if spec.parent == nil {
			return nil, nil, &ParseError{Kind: ErrDanglingWord, Token: marker}
		}
		specs = append(specs, spec)
		end := spec.end
		// "dont 2 visio et 1 physique": the parts go on while each is a
		// kind of the parent, never another metric ("dont 3 décrochés, 2
		// rdv" is a part and 2 meetings).
		for {
			k := j
			if k+1 >= len(els) || !s.listSep(els[k]) {
				break
			}
			k++
			m, ok := s.partAt(els, k, spec.parent, marker == "(" || el.guess || strings.Contains(marker, ":"))
			if !ok {
				break
			}
			specs = append(specs, subsetSpec{parent: spec.parent, q: els[k].q, sub: els[m].u,
				start: els[k].start, end: els[m].end, implied: el.guess})
			end, j = els[m].end, m+1
		}
		out = append(out, element{kind: eBarrier, start: el.start, end: end})
		i = j - 1
	}
	return out, specs, nil
}

// prepareClause moves status words to the noun they qualify across its
// count: "closed 1 deal", "perdu 1 deal", "3 rdv closed 1 deal".
func (s *parseState) prepareClause(c []element) ([]element, []subsetSpec, *ParseError) {
	isCountQ := func(i int) bool { return i >= 0 && i < len(c) && c[i].kind == eQty && !c[i].q.currency }
	headAt := func(i int) bool {
		return i >= 0 && i < len(c) && c[i].kind == eUnit && c[i].u.kind == uCount && c[i].u.head != nil
	}
	// "3 rdv closed 1 deal": the status after a noun it cannot qualify goes
	// to the next one.
	for i := 0; i < len(c); i++ {
		u := c[i].u
		if c[i].kind != eUnit || u.err == nil || u.trail == 0 || !isCountQ(i+1) || !headAt(i+2) {
			continue
		}
		head := s.makeUnit(u.words[:len(u.words)-u.trail])
		tail := s.makeUnit(u.words[len(u.words)-u.trail:])
		if head.err != nil {
			continue
		}
		*u = *head
		c = append(c[:i+1], append([]element{{kind: eUnit, start: tail.start, end: tail.end, u: tail}}, c[i+1:]...)...)
		c[i].end = u.end
	}
	for i := 0; i < len(c); i++ {
		u := c[i].u
		if c[i].kind != eUnit || u.head != nil || u.kind == uAmount {
			continue
		}
		// A status or modifier before "N noun" qualifies that noun, unless
		// a number before it is its own count ("2 signés 1 offre").
		if isCountQ(i+1) && headAt(i+2) && (u.kind == uModifier || !isCountQ(i-1)) {
			t := c[i+2].u
			merged := s.makeUnit(append(append([]*lexeme(nil), u.words...), t.words...))
			if merged.err == nil {
				merged.start = u.start
				*t = *merged
				c[i+1].q.forcedR = true
				c = append(c[:i], c[i+1:]...)
				i--
				continue
			}
			// "perdu 1 deal gagné", "signé 1 rdv": the status qualifies a
			// noun it contradicts. It is not a second thing.
			merged.err.Token = strings.TrimSpace(s.text(u.start, t.end))
			return nil, nil, merged.err
		}
	}
	// "offre 5k€ signée": a status after a noun and its amount still
	// qualifies that noun; it is not a second thing.
	for i := 1; i < len(c); i++ {
		u := c[i].u
		if c[i].kind != eUnit || u.head != nil || u.kind == uAmount || isCountQ(i+1) {
			continue
		}
		j := i - 1
		for j >= 0 && c[j].kind == eQty && (c[j].q.currency || c[j].q.hasK || c[j].q.hasM) {
			j--
		}
		if j == i-1 || !headAt(j) {
			continue
		}
		t := c[j].u
		merged := s.makeUnit(append(append([]*lexeme(nil), t.words...), u.words...))
		if merged.err == nil || merged.err.Kind == ErrNotHappened {
			merged.start, merged.end = t.start, u.end
			*t = *merged
			c = append(c[:i], c[i+1:]...)
			i--
		}
	}
	// "12 calls 3 connected": most likely 3 of the 12, but ask.
	var subsets []subsetSpec
	for i := 2; i < len(c); i++ {
		u := c[i].u
		if c[i].kind != eUnit || u.kind != uModifier || u.err != nil || !isCountQ(i-1) || !headAt(i-2) {
			continue
		}
		if i+1 < len(c) && c[i+1].kind == eQty {
			continue
		}
		q := c[i-1].q
		sp := subsetSpec{parent: c[i-2].u, q: q, sub: u, start: q.start, end: u.end, implied: true}
		subsets = append(subsets, sp)
		c = append(c[:i-1], c[i+1:]...)
		i -= 2
	}
	for _, el := range c {
		if el.kind == eUnit && el.u.err != nil {
			return nil, nil, el.u.err
		}
		if el.kind == eUnit && el.u.kind == uModifier {
			return nil, nil, &ParseError{Kind: ErrDanglingWord, Token: s.unitText(el.u)}
		}
	}
	return c, subsets, nil
}

// placedAmount is an amount given to a unit.
type placedAmount struct {
	q    *qty
	u    *unit
	kind amountKind
}

type optKind uint8

const (
	oCount optKind = iota + 1
	oAmount
)

type option struct {
	kind   optKind
	target int
	err    *ParseError
	weak   bool
	each   bool
}

const solverBudget = 200_000

type solver struct {
	s        *parseState
	c        []element
	qs       []int
	opts     [][]option
	units    []int
	assign   []int
	countOf  map[int]int
	amounts  map[int]int
	needAmt  bool
	found    bool
	best     int
	bestAs   []int
	bestKey  string
	ambig    bool
	nodes    int
	overflow bool
}

func (s *parseState) solveClause(c []element) ([]*unit, []placedAmount, *ParseError) {
	sv := &solver{s: s, c: c, countOf: map[int]int{}, amounts: map[int]int{}}
	for i, el := range c {
		switch el.kind {
		case eQty:
			sv.qs = append(sv.qs, i)
		case eUnit:
			sv.units = append(sv.units, i)
		case eTimes:
			fwd := i > 0 && c[i-1].kind == eQty && sv.countUnit(i+1)
			back := sv.countUnit(i-1) && i+1 < len(c) && c[i+1].kind == eQty
			if !fwd && !back {
				return nil, nil, &ParseError{Kind: ErrUnknownWord, Token: s.text(el.start, el.end)}
			}
		}
	}
	for _, qi := range sv.qs {
		opts := sv.options(qi)
		if len(opts) == 0 {
			return nil, nil, sv.noHome(qi)
		}
		sv.opts = append(sv.opts, opts)
	}
	sv.assign = make([]int, len(sv.qs))
	sv.needAmt = true
	sv.dfs(0, 0)
	if sv.overflow {
		return nil, nil, &ParseError{Kind: ErrAmbiguous, Token: s.clauseText(c)}
	}
	if !sv.found {
		return nil, nil, sv.failure()
	}
	if sv.best >= 1000 {
		for k, oi := range sv.bestAs {
			if o := sv.opts[k][oi]; o.err != nil {
				return nil, nil, o.err
			}
		}
	}
	units, amounts := sv.apply(sv.bestAs)
	if sv.ambig {
		s.doubt(Doubt{Kind: DoubtAmbiguous, Token: s.clauseText(c), Reading: s.readingOf(units, amounts), pos: c[0].start})
	}
	for k, oi := range sv.bestAs {
		o := sv.opts[k][oi]
		q := c[sv.qs[k]].q
		if o.weak {
			s.doubt(Doubt{Kind: DoubtAmbiguous, Token: q.text, Reading: s.amountReading(q, c[o.target].u), pos: q.start})
		}
		if o.kind == oAmount {
			u := c[o.target].u
			if u.kind == uCount && u.count > 1 && !o.each && sv.linked(sv.qs[k]) && !sv.totalNear(sv.qs[k]) {
				// "2 ventes à 12k€": 12k in all, or each?
				from := u.start
				if u.countQ != nil && u.countQ.start < from {
					from = u.countQ.start
				}
				s.doubt(Doubt{Kind: DoubtAmbiguous, Token: strings.TrimSpace(s.text(from, q.end)),
					Reading: s.amountReading(q, u), pos: from})
			}
			if u.amount == amRevenueLegacy {
				s.doubt(Doubt{Kind: DoubtAmbiguous, Token: q.text, Reading: s.amountReading(q, u), Metric: Revenue, legacy: true, pos: q.start})
			}
		}
	}
	for _, u := range units {
		for _, d := range u.doubts {
			if d.counted {
				d.counted = false
				d.Reading = Entry{Counts: map[Metric]int{u.metric: int(u.count)}}.canonical(false, false)
				if u.countQ != nil && u.countQ.start < u.start {
					d.Token = strings.TrimSpace(s.text(u.countQ.start, u.end))
					d.pos = u.countQ.start
				}
			}
			s.doubt(d)
		}
	}
	return units, amounts, nil
}

func (s *parseState) clauseText(c []element) string {
	return strings.TrimSpace(s.text(c[0].start, c[len(c)-1].end))
}

func (sv *solver) countUnit(i int) bool {
	return i >= 0 && i < len(sv.c) && sv.c[i].kind == eUnit && sv.c[i].u.kind == uCount
}

func (sv *solver) linked(qi int) bool { return qi > 0 && sv.c[qi-1].kind == eLink }

func (sv *solver) totalNear(qi int) bool {
	for b := qi - 1; b >= 0 && (sv.c[b].kind == eLink || sv.c[b].kind == eTotal); b-- {
		if sv.c[b].kind == eTotal {
			return true
		}
	}
	return qi+1 < len(sv.c) && sv.c[qi+1].kind == eTotal
}

// options lists what the number at element qi may be: the count of the
// unit before or after it, or an amount of a unit that takes amounts.
func (sv *solver) options(qi int) []option {
	c, q := sv.c, sv.c[qi].q
	var out []option
	countOpt := func(t int) {
		o := option{kind: oCount, target: t}
		if v, kind := q.count(); kind != 0 {
			o.err = &ParseError{Kind: kind, Token: q.text, Metric: c[t].u.metric}
			if kind == ErrTooMany {
				o.err.Limit = MaxPerMetric
			}
		} else if v > MaxPerMetric {
			o.err = &ParseError{Kind: ErrTooMany, Token: q.text, Metric: c[t].u.metric, Limit: MaxPerMetric}
		}
		out = append(out, o)
	}
	amountOpt := func(t int, weak bool) {
		u := c[t].u
		o := option{kind: oAmount, target: t, weak: weak}
		metric := Revenue
		if u.amount == amPipeline {
			metric = Proposals
		}
		if _, kind := q.cents(); kind != 0 {
			o.err = &ParseError{Kind: kind, Token: q.text, Metric: metric}
			if kind == ErrRevenueTooLarge {
				o.err.Limit = MaxRevenueCents / 100
			}
		}
		o.each = qi+1 < len(c) && c[qi+1].kind == eEach
		out = append(out, o)
	}
	timesBefore := qi > 0 && c[qi-1].kind == eTimes
	timesAfter := qi+1 < len(c) && c[qi+1].kind == eTimes
	switch {
	case timesBefore && timesAfter:
		return nil
	case timesBefore:
		if sv.countUnit(qi - 2) {
			countOpt(qi - 2)
		}
		return out
	case timesAfter:
		if sv.countUnit(qi + 2) {
			countOpt(qi + 2)
		}
		return out
	case q.forcedR:
		countOpt(qi + 1)
		return out
	}
	linkBefore := qi > 0 && c[qi-1].kind == eLink
	linkAfter := qi+1 < len(c) && c[qi+1].kind == eLink
	if !q.currency && !linkBefore && !linkAfter {
		if sv.countUnit(qi - 1) {
			countOpt(qi - 1)
		}
		if sv.countUnit(qi + 1) {
			countOpt(qi + 1)
		}
	}
	// An amount of the unit before it, over links and other amounts.
	for b := qi - 1; b >= 0; b-- {
		el := c[b]
		if el.kind == eLink || el.kind == eTotal || el.kind == eEach {
			continue
		}
		if el.kind == eQty && q.moneyShaped() && (el.q.currency || el.q.hasK || el.q.hasM) {
			continue
		}
		if el.kind == eUnit && el.u.amount != amNone && (el.u.kind == uAmount || el.u.kind == uCount) {
			if b == qi-1 || q.moneyShaped() || linkBefore {
				weak := !q.moneyShaped() && !linkBefore && el.u.kind != uAmount
				amountOpt(b, weak)
			}
		}
		break
	}
	// An amount of the revenue word after it: "12k CA", "12 000 € de CA".
	for f := qi + 1; f < len(c); f++ {
		el := c[f]
		if el.kind == eLink || el.kind == eTotal {
			continue
		}
		if el.kind == eUnit && el.u.kind == uAmount {
			amountOpt(f, false)
		}
		// "12k€ signés": a status alone right after an amount is the sale
		// it is the amount of, as in "signé 12k€".
		if el.kind == eUnit && el.u.kind == uCount && el.u.head == nil && el.u.amount == amRevenue &&
			f == qi+1 && q.moneyShaped() {
			amountOpt(f, false)
		}
		break
	}
	return out
}

// noHome is the refusal for a number nothing can take.
func (sv *solver) noHome(qi int) *ParseError {
	q := sv.c[qi].q
	if q.moneyShaped() {
		return &ParseError{Kind: ErrBareAmount, Token: q.text}
	}
	return &ParseError{Kind: ErrNumberWithoutMetric, Token: q.text}
}

func (sv *solver) dfs(k, cost int) {
	sv.nodes++
	if sv.nodes > solverBudget {
		sv.overflow = true
		return
	}
	if sv.found && cost > sv.best {
		return
	}
	if k == len(sv.qs) {
		if sv.needAmt {
			for _, ui := range sv.units {
				if sv.c[ui].u.kind == uAmount && sv.amounts[ui] == 0 {
					return
				}
			}
		}
		_, key := sv.outcome(sv.assign)
		switch {
		case !sv.found || cost < sv.best:
			sv.found, sv.best, sv.bestKey, sv.ambig = true, cost, key, false
			sv.bestAs = append([]int(nil), sv.assign...)
		case cost == sv.best && key != sv.bestKey:
			sv.ambig = true
		}
		return
	}
	for oi, o := range sv.opts[k] {
		if sv.overflow {
			return
		}
		c := cost
		if o.err != nil {
			c += 1000
		}
		if o.weak {
			c++
		}
		sv.assign[k] = oi
		if o.kind == oCount {
			if _, taken := sv.countOf[o.target]; taken {
				continue
			}
			sv.countOf[o.target] = k
			sv.dfs(k+1, c)
			delete(sv.countOf, o.target)
		} else {
			sv.amounts[o.target]++
			sv.dfs(k+1, c)
			sv.amounts[o.target]--
		}
	}
}

// outcome sums what an assignment records, as a comparable key.
func (sv *solver) outcome(as []int) (map[Metric]int64, string) {
	counts := map[Metric]int64{}
	unitCount := map[int]int64{}
	for _, ui := range sv.units {
		if sv.c[ui].u.kind == uCount {
			unitCount[ui] = 1
		}
	}
	var b strings.Builder
	for k, oi := range as {
		o := sv.opts[k][oi]
		if o.err != nil {
			b.WriteString("e" + strconv.Itoa(k) + ";")
			continue
		}
		if o.kind == oCount {
			v, _ := sv.c[sv.qs[k]].q.count()
			unitCount[o.target] = v
		}
	}
	for _, ui := range sv.units {
		if u := sv.c[ui].u; u.kind == uCount {
			counts[u.metric] += unitCount[ui]
		}
	}
	var revenue, pipeline int64
	for k, oi := range as {
		o := sv.opts[k][oi]
		if o.err != nil || o.kind != oAmount {
			continue
		}
		v, _ := sv.c[sv.qs[k]].q.cents()
		if o.each {
			v *= unitCount[o.target]
		}
		if sv.c[o.target].u.amount == amPipeline {
			pipeline += v
		} else {
			revenue += v
		}
	}
	for _, m := range CountMetrics {
		if n, ok := counts[m]; ok {
			b.WriteString(string(m) + "=" + strconv.FormatInt(n, 10) + ";")
		}
	}
	b.WriteString("r=" + strconv.FormatInt(revenue, 10) + ";p=" + strconv.FormatInt(pipeline, 10))
	return counts, b.String()
}

// failure explains why no assignment exists.
func (sv *solver) failure() *ParseError {
	sv.needAmt = false
	sv.found = false
	sv.nodes = 0
	sv.dfs(0, 0)
	if sv.found && !sv.overflow {
		for _, ui := range sv.units {
			u := sv.c[ui].u
			if u.kind != uAmount {
				continue
			}
			has := false
			for k, oi := range sv.bestAs {
				if o := sv.opts[k][oi]; o.kind == oAmount && o.target == ui {
					has = true
				}
			}
			if !has {
				pe := &ParseError{Kind: ErrMetricWithoutNumber, Token: sv.s.unitText(u)}
				if u.head != nil {
					pe.Metric = Revenue
				}
				return pe
			}
		}
	}
	// Greedy, in text order: the first number that finds no free unit is
	// the one to quote.
	taken := map[int]bool{}
	for k := range sv.qs {
		placed := false
		for _, o := range sv.opts[k] {
			if o.kind == oCount && taken[o.target] {
				continue
			}
			if o.kind == oCount {
				taken[o.target] = true
			}
			placed = true
			break
		}
		if !placed {
			return sv.noHome(sv.qs[k])
		}
	}
	return sv.noHome(sv.qs[len(sv.qs)-1])
}

// apply records an assignment on the units and returns the amounts.
func (sv *solver) apply(as []int) ([]*unit, []placedAmount) {
	var units []*unit
	for _, ui := range sv.units {
		u := sv.c[ui].u
		if u.kind == uCount {
			u.count, u.countQ = 1, nil
		}
		units = append(units, u)
	}
	for k, oi := range as {
		o := sv.opts[k][oi]
		if o.kind == oCount {
			q := sv.c[sv.qs[k]].q
			v, _ := q.count()
			sv.c[o.target].u.count, sv.c[o.target].u.countQ = v, q
		}
	}
	var amounts []placedAmount
	for k, oi := range as {
		o := sv.opts[k][oi]
		if o.kind != oAmount {
			continue
		}
		u := sv.c[o.target].u
		q := sv.c[sv.qs[k]].q
		if o.each && u.count > 1 {
			cp := *q
			cp.each = u.count
			q = &cp
		}
		amounts = append(amounts, placedAmount{q: q, u: u, kind: u.amount})
	}
	return units, amounts
}

// assemble sums the units and amounts into an entry, checking limits as it
// goes so that a sum never overflows.
func (s *parseState) assemble(units []*unit, amounts []placedAmount, subsets []subsetSpec) (Entry, *ParseError) {
	e := Entry{Counts: map[Metric]int{}}
	for _, u := range units {
		if u.kind != uCount {
			continue
		}
		token := s.unitText(u)
		if u.countQ != nil {
			token = u.countQ.text
		}
		if u.count > MaxPerMetric || int64(e.Counts[u.metric])+u.count > MaxPerMetric {
			return Entry{}, &ParseError{Kind: ErrTooMany, Token: token, Metric: u.metric, Limit: MaxPerMetric}
		}
		e.Counts[u.metric] += int(u.count)
	}
	for _, a := range amounts {
		v, kind := a.q.cents()
		if a.q.each > 1 {
			v *= a.q.each
		}
		metric := Revenue
		total := &e.RevenueCents
		if a.kind == amPipeline {
			metric, total = Proposals, &e.PipelineCents
		}
		if kind == 0 && *total+v > MaxRevenueCents {
			kind = ErrRevenueTooLarge
		}
		switch kind {
		case 0:
		case ErrRevenueTooLarge:
			return Entry{}, &ParseError{Kind: kind, Token: a.q.text, Metric: metric, Limit: MaxRevenueCents / 100}
		default:
			return Entry{}, &ParseError{Kind: kind, Token: a.q.text, Metric: metric}
		}
		*total += v
		if a.kind == amPipeline {
			e.HasPipeline = true
		} else {
			e.HasRevenue = true
		}
	}
	for _, sp := range subsets {
		text := strings.TrimSpace(s.text(sp.start, sp.end))
		n, kind := sp.q.count()
		if kind != 0 {
			pe := &ParseError{Kind: kind, Token: sp.q.text, Metric: sp.parent.metric}
			if kind == ErrTooMany {
				pe.Limit = MaxPerMetric
			}
			return Entry{}, pe
		}
		metric := sp.parent.metric
		if sp.sub != nil && sp.sub.err != nil {
			if sp.sub.err.Kind == ErrNotHappened {
				return Entry{}, &ParseError{Kind: ErrNotHappened, Token: text, Metric: sp.parent.metric}
			}
			return Entry{}, sp.sub.err
		}
		if sp.sub != nil {
			if sp.sub.head != nil {
				metric = sp.sub.metric
			} else if sp.sub.won || sp.sub.lost {
				merged := s.makeUnit(append(append([]*lexeme(nil), sp.parent.words...), sp.sub.words...))
				metric = merged.metric
				if merged.err != nil {
					return Entry{}, &ParseError{Kind: ErrConflict, Token: text}
				}
			}
		}
		if metric != sp.parent.metric || sp.parent.kind != uCount {
			// "5 offres dont 2 signées": are the 2 signatures today's too?
			s.doubt(Doubt{Kind: DoubtAmbiguous, Token: text, Metric: sp.parent.metric, pos: sp.start,
				Reading: Entry{Counts: map[Metric]int{sp.parent.metric: int(sp.parent.count)}}.canonical(false, false)})
			continue
		}
		if n > sp.parent.count {
			return Entry{}, &ParseError{Kind: ErrSubsetTooLarge, Token: text, Metric: metric}
		}
		token := strings.TrimSpace(s.text(sp.q.start, sp.end))
		e.Subsets = append(e.Subsets, Subset{Of: metric, Count: int(n), Token: token})
		if sp.implied {
			s.doubt(Doubt{Kind: DoubtAmbiguous, Token: token, Metric: metric, pos: sp.start,
				Reading: Entry{Counts: map[Metric]int{metric: int(sp.parent.count)}}.canonical(false, false) + " dont " + strconv.FormatInt(n, 10)})
		}
	}
	return e, nil
}

// readingOf words a clause's reading canonically, for a doubt.
func (s *parseState) readingOf(units []*unit, amounts []placedAmount) string {
	e := Entry{Counts: map[Metric]int{}}
	for _, u := range units {
		if u.kind == uCount {
			e.Counts[u.metric] += int(u.count)
		}
	}
	for _, a := range amounts {
		v, _ := a.q.cents()
		if a.kind == amPipeline {
			e.PipelineCents += v
			e.HasPipeline = true
		} else {
			e.RevenueCents += v
			e.HasRevenue = true
		}
	}
	e.Currency = s.p.currency
	return e.canonical(false, false)
}

func (s *parseState) amountReading(q *qty, u *unit) string {
	v, _ := q.cents()
	word := "CA"
	if u.amount == amPipeline {
		word = "pipeline"
	}
	return word + " " + formatCents(v) + " " + s.p.currency
}

// groupMetric reads a phrase as one noun group, for Lookup: "deals
// perdus" is Lost, "signés" Signatures.
func (v *Vocabulary) groupMetric(phrase string) (Metric, bool) {
	if v == nil {
		return "", false
	}
	p := &Parser{vocab: v, currency: DefaultCurrency}
	s := &parseState{p: p, body: phrase}
	if err := s.classify(lex(phrase, p.known)); err != nil {
		return "", false
	}
	for _, l := range s.lx {
		if l.kind != lxWord {
			return "", false
		}
	}
	els, err := s.elements()
	if err != nil {
		return "", false
	}
	els = s.runs(els)
	if len(els) != 1 || els[0].kind != eUnit {
		return "", false
	}
	u := els[0].u
	if u.err != nil || u.kind == uModifier {
		return "", false
	}
	for range u.doubts {
		// Only the bare deal, read as a signature, is a fine answer here.
		if u.head == nil || u.head.class != ncDeal {
			return "", false
		}
	}
	if u.kind == uAmount {
		if u.head == nil {
			return "", false
		}
		return Revenue, true
	}
	return u.metric, true
}
