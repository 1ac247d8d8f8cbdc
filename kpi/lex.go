package kpi

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the shape of a raw token, before any vocabulary is applied.
type tokKind uint8

const (
	tkWord     tokKind = iota + 1 // letters, with inner apostrophes and hyphens
	tkNum                         // ASCII digits with inner '.' or ','
	tkCur                         // a currency sign: "€", "$", "£", "¥", "₹"
	tkTimes                       // "×"
	tkBarrier                     // punctuation that ends a clause: , ; . ! ? & + ( )
	tkOther                       // any other symbol; always an unknown word
	tkDateLike                    // a whole chunk shaped like a date: 2026-11-20, 20/11
)

// lexToken is one lexical unit of the body. Offsets index the body so errors
// can quote exactly what the rep typed.
type lexToken struct {
	kind       tokKind
	start, end int
	norm       string // Normalize(text) for words
	neg        bool   // tkNum preceded by a minus sign (included in the span)
	chunkStart bool   // first token after whitespace: thousands groups need it
}

// lexer splits a /log body into tokens. known tells whether a whole
// whitespace-separated chunk is a word the parser understands, so that
// "r1", "e-mail" or a team's "2nd-rdv" are not split at digit/letter
// boundaries.
type lexer struct {
	body  string
	known func(string) bool
	toks  []lexToken
	fresh bool // the next token emitted starts a chunk
}

func lex(body string, known func(string) bool) []lexToken {
	l := &lexer{body: body, known: known}
	for i := 0; i < len(body); {
		r, size := utf8.DecodeRuneInString(body[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		j := i
		for j < len(body) {
			r, size := utf8.DecodeRuneInString(body[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += size
		}
		l.chunk(i, j)
		i = j
	}
	return l.toks
}

func (l *lexer) emit(t lexToken) {
	t.chunkStart = l.fresh
	l.fresh = false
	l.toks = append(l.toks, t)
}

// chunk lexes one whitespace-separated chunk body[a:b].
func (l *lexer) chunk(a, b int) {
	l.fresh = true
	if isEmojiShortcode(l.body[a:b]) {
		// Slack sends emoji as ":tada:"; they decorate the message but
		// carry no KPI, so rejecting them as unknown words would only annoy.
		return
	}
	// Surrounding punctuation ("rdv.", "(hier)", "CA:") is lexed on its own
	// so that the core can be recognised whole.
	ca, cb := a, b
	for ca < cb {
		r, size := utf8.DecodeRuneInString(l.body[ca:])
		if !strings.ContainsRune("([{«\"'“", r) {
			break
		}
		ca += size
	}
	for cb > ca {
		r, size := utf8.DecodeLastRuneInString(l.body[ca:cb])
		if !strings.ContainsRune(".,;:!?)]}»\"'”…", r) {
			break
		}
		cb -= size
	}
	core := l.body[ca:cb]
	switch {
	case core == "":
		l.run(a, b)
	case isDateLike(core):
		l.run(a, ca)
		l.emit(lexToken{kind: tkDateLike, start: ca, end: cb})
		l.run(cb, b)
	case l.known != nil && l.known(core):
		l.run(a, ca)
		l.emit(lexToken{kind: tkWord, start: ca, end: cb, norm: Normalize(core)})
		l.run(cb, b)
	default:
		l.run(a, b)
	}
}

// run lexes body[a:b] rune by rune, splitting at digit/letter boundaries so
// that "3rdv", "rdv:3" and "12k€" come apart.
func (l *lexer) run(a, b int) {
	s := l.body
	for p := a; p < b; {
		r, size := utf8.DecodeRuneInString(s[p:b])
		switch {
		case isASCIIDigit(r):
			end := scanNumber(s, p, b)
			l.emit(lexToken{kind: tkNum, start: p, end: end})
			p = end
		case isMinus(r) && p+size < b && isASCIIDigit(rune(s[p+size])) && !afterAlnum(s, a, p):
			end := scanNumber(s, p+size, b)
			l.emit(lexToken{kind: tkNum, start: p, end: end, neg: true})
			p = end
		case unicode.IsLetter(r):
			end := scanWord(s, p, b)
			l.emit(lexToken{kind: tkWord, start: p, end: end, norm: Normalize(s[p:end])})
			p = end
		case isCurrencySign(r):
			l.emit(lexToken{kind: tkCur, start: p, end: p + size})
			p += size
		case isMinus(r):
			// A dash that is not a sign separates items: "3 rdv - 2 offres".
			l.emit(lexToken{kind: tkBarrier, start: p, end: p + size})
			p += size
		case r == '×':
			l.emit(lexToken{kind: tkTimes, start: p, end: p + size})
			p += size
		case isBarrier(r):
			l.emit(lexToken{kind: tkBarrier, start: p, end: p + size})
			p += size
		case isIgnorable(r, size):
			p += size
		default:
			// Group a run of unknown symbols so the error quotes "%%"
			// rather than "%".
			end := p + size
			for end < b {
				r2, size2 := utf8.DecodeRuneInString(s[end:b])
				if !isOtherSymbol(r2, size2) {
					break
				}
				end += size2
			}
			l.emit(lexToken{kind: tkOther, start: p, end: end})
			p = end
		}
	}
}

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

func isCurrencySign(r rune) bool { return strings.ContainsRune("€$£¥₹", r) }

// isMinus accepts the ASCII hyphen and the Unicode minus sign, which some
// keyboards produce.
func isMinus(r rune) bool { return r == '-' || r == '−' }

// afterAlnum reports whether the rune before p (within the run starting at
// a) is a letter or digit: then a '-' is a dash ("rdv-3"), not a sign.
func afterAlnum(s string, a, p int) bool {
	if p <= a {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[a:p])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// scanNumber reads digits with inner '.' or ',' separators ("12,5",
// "1.234.567"); a separator must be followed by a digit to belong to it.
func scanNumber(s string, p, b int) int {
	for p < b {
		c := s[p]
		switch {
		case isASCIIDigit(rune(c)):
			p++
		case (c == '.' || c == ',') && p+1 < b && isASCIIDigit(rune(s[p+1])):
			p++
		default:
			return p
		}
	}
	return p
}

// scanWord reads letters (plus combining marks and invisible format
// characters),
// keeping apostrophes and hyphens between letters: "d'affaires",
// "avant-hier", "rendez-vous".
func scanWord(s string, p, b int) int {
	for p < b {
		r, size := utf8.DecodeRuneInString(s[p:b])
		switch {
		case unicode.IsLetter(r) || unicode.In(r, unicode.Mn, unicode.Cf):
			// Marks are decomposed accents; format characters (soft
			// hyphens, zero-width joiners) come with pasted text. Normalize
			// drops both.
			p += size
		case isJoiner(r) && p+size < b:
			next, _ := utf8.DecodeRuneInString(s[p+size : b])
			if !unicode.IsLetter(next) {
				return p
			}
			p += size
		default:
			return p
		}
	}
	return p
}

func isJoiner(r rune) bool {
	switch r {
	case '\'', '’', '‘', '-', '‐', '‑':
		return true
	}
	return false
}

// isBarrier lists punctuation that separates clauses. A number never binds
// across it, so "offre, 3 rdv" is 1 proposal and 3 meetings. "/" and the
// en dash separate items too ("10 appels / 2 rdv"); a "/" inside a date
// ("28/11") never gets here, the chunk is a date token. Bullets separate
// a pasted list ("• 3 rdv • 2 offres"), and "·" the bot's own summaries
// ("3 rdv · 1 offre") that a rep copies back.
func isBarrier(r rune) bool {
	return strings.ContainsRune(",;.!?&+()[]{}…/|–•·", r)
}

// isIgnorable lists characters that carry no meaning in a /log: ':' and '='
// between a metric and its number, Slack formatting marks (*bold*, _it_,
// `code`, ~strike~), quotes, and emoji with their modifiers and joiners.
func isIgnorable(r rune, size int) bool {
	if r == utf8.RuneError && size == 1 {
		return false // invalid UTF-8 is reported, not dropped
	}
	if strings.ContainsRune(":=*_`~\"'“”‘’«»„", r) {
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.So, unicode.Sk)
}

// isOtherSymbol is the complement of every other case in run.
func isOtherSymbol(r rune, size int) bool {
	return !isASCIIDigit(r) && !isMinus(r) && !unicode.IsLetter(r) && !isCurrencySign(r) &&
		r != '×' && !isBarrier(r) && !isIgnorable(r, size) && !unicode.IsSpace(r)
}

// isEmojiShortcode matches chunks made only of Slack emoji codes such as
// ":tada:" or ":thumbsup::skin-tone-2:".
func isEmojiShortcode(s string) bool {
	if len(s) < 3 || s[0] != ':' || s[len(s)-1] != ':' {
		return false
	}
	for _, part := range strings.Split(s[1:len(s)-1], "::") {
		if part == "" {
			return false
		}
		letter := false
		for i := 0; i < len(part); i++ {
			c := part[i]
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
				letter = true
			case isASCIIDigit(rune(c)), c == '_', c == '+', c == '-', c == '\'':
			default:
				return false
			}
		}
		if !letter {
			return false
		}
	}
	return true
}

// isDateLike recognises chunks that look like dates: ISO "2026-11-2x",
// day-first forms like "20/11", "20/11/2026", "20.11.2026" or "20-11-2026".
// They become one date token so that a wrong date is reported as a date
// error instead of as stray numbers. "20.11" alone is not one: it may be an
// amount, and the parser decides from the words around it.
func isDateLike(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) == 3 && len(parts[0]) == 4 && allASCIIDigits(parts[0]) &&
		inRange(len(parts[1]), 1, 2) && allASCIIDigits(parts[1]) &&
		inRange(len(parts[2]), 1, 2) && allASCIIDigits(parts[2]) {
		return true
	}
	for _, sep := range []string{"-", "."} {
		parts = strings.Split(s, sep)
		if len(parts) == 3 && inRange(len(parts[0]), 1, 2) && allASCIIDigits(parts[0]) &&
			inRange(len(parts[1]), 1, 2) && allASCIIDigits(parts[1]) &&
			(len(parts[2]) == 2 || len(parts[2]) == 4) && allASCIIDigits(parts[2]) {
			return true
		}
	}
	parts = strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	for i, p := range parts {
		maxLen := 2
		if i == 2 {
			maxLen = 4
		}
		if !inRange(len(p), 1, maxLen) || !allASCIIDigits(p) {
			return false
		}
	}
	return true
}

func allASCIIDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isASCIIDigit(rune(s[i])) {
			return false
		}
	}
	return s != ""
}

func inRange(n, lo, hi int) bool { return n >= lo && n <= hi }
