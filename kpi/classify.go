package kpi

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// lexKind is the role of a lexeme once words have been looked up.
type lexKind uint8

const (
	lxWord    lexKind = iota + 1 // a noun (noun != nil) or a grammar word (w != nil)
	lxNum                        // digits, meaning not known yet
	lxCur                        // a currency sign
	lxBarrier                    // punctuation, or a date once read: numbers do not bind across it
	lxDate                       // a date-shaped chunk: 2026-11-20, 20/11
)

type lexeme struct {
	kind       lexKind
	start, end int
	norm       string
	w          *wordInfo
	noun       *vocabEntry
	neg        bool
	chunkStart bool
	digits     string // lxNum and number words: the digits, without sign
	cur        string // lxCur: ISO code
	gone       bool   // consumed by the date pass
}

// info returns the grammar roles of a word lexeme, an empty set otherwise.
func (l lexeme) info() wordInfo {
	if l.kind == lxWord && l.noun == nil && l.w != nil {
		return *l.w
	}
	return wordInfo{number: -1}
}

var fillerInfo = &wordInfo{filler: true, number: -1}

// classify turns tokens into lexemes. Phrases are matched greedily, longest
// first, so "closed lost" beats "closed" and "cold call" beats "cold". A word
// that is neither a noun nor a grammar word is refused, unless it is a typo
// of one: then it is refused with a suggestion, or, WithDoubts, read as that
// word and flagged.
func (s *parseState) classify(toks []lexToken) *ParseError {
	for i := 0; i < len(toks); {
		t := toks[i]
		text := s.text(t.start, t.end)
		base := lexeme{start: t.start, end: t.end, neg: t.neg, chunkStart: t.chunkStart}
		switch t.kind {
		case tkNum:
			base.kind = lxNum
			base.digits = text
			if t.neg {
				_, size := utf8.DecodeRuneInString(text)
				base.digits = text[size:]
			}
			s.lx = append(s.lx, base)
			i++
		case tkCur:
			base.kind = lxCur
			if w, ok := grammar[text]; ok {
				base.cur = currencyOf(text, w.currency, s.p.currency)
			}
			s.lx = append(s.lx, base)
			i++
		case tkTimes:
			base.kind, base.w = lxWord, grammar["x"]
			s.lx = append(s.lx, base)
			i++
		case tkBarrier:
			base.kind = lxBarrier
			s.lx = append(s.lx, base)
			i++
		case tkOther:
			return &ParseError{Kind: ErrUnknownWord, Token: text}
		case tkDateLike:
			base.kind = lxDate
			s.lx = append(s.lx, base)
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

// lookupWord finds what a normalised word or phrase is: a noun first, so a
// team word wins, then a grammar word.
func (s *parseState) lookupWord(key string) (lexeme, bool) {
	if e, ok := s.p.vocab.lookup(key); ok {
		return lexeme{kind: lxWord, noun: &e, norm: key}, true
	}
	if w, ok := grammarLookup(key); ok {
		if w.pipeline && !s.p.pipeline {
			return lexeme{}, false
		}
		l := lexeme{kind: lxWord, w: w, norm: key}
		if w.number >= 0 {
			l.digits = strconv.Itoa(w.number)
		}
		if w.currency != "" {
			l.cur = currencyOf(key, w.currency, s.p.currency)
		}
		return l, true
	}
	return lexeme{}, false
}

// elisions are the French articles glued to the next word: "l'offre".
var elisions = []string{"l'", "d'", "j'", "qu'", "n'", "s'", "c'", "m'", "t'"}

func (s *parseState) classifyWords(toks []lexToken, i int) (int, *ParseError) {
	maxN := max(s.p.vocab.maxWords, grammarMaxWords)
	run := 0
	for run < maxN && i+run < len(toks) && toks[i+run].kind == tkWord {
		run++
	}
	words := make([]string, 0, run)
	for _, t := range toks[i : i+run] {
		words = append(words, t.norm)
	}
	t := toks[i]
	for n := run; n >= 1; n-- {
		key := strings.Join(words[:n], " ")
		if l, ok := s.lookupWord(key); ok {
			l.start, l.end, l.chunkStart = t.start, toks[i+n-1].end, t.chunkStart
			s.lx = append(s.lx, l)
			return n, nil
		}
	}
	text := s.text(t.start, t.end)
	for _, el := range elisions {
		if rest, ok := strings.CutPrefix(t.norm, el); ok && rest != "" {
			if l, ok := s.lookupWord(rest); ok {
				l.start, l.end, l.chunkStart = t.start, t.end, t.chunkStart
				s.lx = append(s.lx, l)
				return 1, nil
			}
		}
	}
	sug, ok := s.p.suggest(text)
	if !ok {
		return 0, &ParseError{Kind: ErrUnknownWord, Token: text}
	}
	if !s.p.doubts {
		return 0, &ParseError{Kind: ErrUnknownWord, Token: text, Suggestion: sug}
	}
	l, found := s.lookupWord(phraseKey(sug))
	if !found {
		return 0, &ParseError{Kind: ErrUnknownWord, Token: text, Suggestion: sug}
	}
	l.start, l.end, l.chunkStart = t.start, t.end, t.chunkStart
	s.lx = append(s.lx, l)
	d := Doubt{Kind: DoubtFuzzy, Token: text, Reading: sug, pos: t.start}
	if l.noun != nil {
		d.Metric = l.noun.metric
	}
	s.doubt(d)
	return 1, nil
}
