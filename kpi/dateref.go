package kpi

import (
	"strings"
	"time"
)

// The date pass reads every way of naming a day, day first in both
// languages: "28/11", "28/11/2026", "28.11", "2026-11-28", "le 28", "28
// nov", "28 novembre", "nov 28", "the 28th", "jeudi 26" (checked against
// the calendar), "vendredi dernier", "last friday", "on monday", "lundi",
// "hier", "avant-hier", "aujourd'hui", and the future ("demain", "next
// monday"), which is refused later. A day of the month without a month is
// the nearest such day; a day and month without a year, the nearest such
// date. What it reads becomes a barrier: a number never binds across a
// date ("rdv hier 3" is refused, not guessed).

var weekdayNames = map[bool][7]string{
	false: {"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
	true:  {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"},
}

var englishDays = map[string]bool{
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true, "saturday": true, "sunday": true,
	"mon": true, "tue": true, "tues": true, "wed": true, "thu": true, "thur": true, "thurs": true, "fri": true, "sat": true, "sun": true,
}

// dateReader is the date pass of a parse: it finds the day a /log is for
// ("hier", "28/11", "jeudi 26", "last friday") and marks those words
// consumed, before the counts are read.
type dateReader struct{ *parseState }

func (s *parseState) at(j int) *lexeme {
	if j >= 0 && j < len(s.lx) && !s.lx[j].gone {
		return &s.lx[j]
	}
	return nil
}

// dayNum reads lexeme j as a day of the month: one or two digits, no sign.
func (s dateReader) dayNum(j int) (int, bool) {
	l := s.at(j)
	if l == nil || l.kind != lxNum || l.neg || len(l.digits) > 2 || !allASCIIDigits(l.digits) {
		return 0, false
	}
	n, _ := atoiDigits(l.digits)
	return n, n >= 1
}

func (s dateReader) ordinalAt(j int) bool {
	l := s.at(j)
	return l != nil && l.kind == lxWord && l.info().ordinal && !l.chunkStart
}

func (s dateReader) monthAt(j int) (time.Month, bool) {
	l := s.at(j)
	if l == nil || l.kind != lxWord {
		return 0, false
	}
	m := l.info().month
	return m, m != 0
}

func (s dateReader) yearAt(j int) (int, bool) {
	l := s.at(j)
	if l == nil || l.kind != lxNum || l.neg || len(l.digits) != 4 || !allASCIIDigits(l.digits) {
		return 0, false
	}
	y, _ := atoiDigits(l.digits)
	return y, y >= 1900 && y <= 2100
}

// countable reports whether lexeme j is something a number before it would
// count: then that number is a count, not a day ("lundi 3 rdv").
func (s dateReader) countable(j int) bool {
	l := s.at(j)
	if l == nil || l.kind != lxWord {
		return false
	}
	if l.noun != nil {
		return true
	}
	w := l.info()
	return w.times || w.status == stWon || w.status == stLost || w.narrow || w.pipeline
}

func (s dateReader) isDot(j int) bool {
	l := s.at(j)
	return l != nil && l.kind == lxBarrier && s.text(l.start, l.end) == "."
}

// dayPart reads "N[er] [month[.] [year]]" from j: day, month (0 if none),
// year (0 if none) and the index after it. ok is false when j is not a day
// number.
func (s dateReader) dayPart(j int) (day int, month time.Month, year, next int, ok bool) {
	day, ok = s.dayNum(j)
	if !ok {
		return 0, 0, 0, j, false
	}
	next = j + 1
	if s.ordinalAt(next) {
		next++
	}
	if m, isMonth := s.monthAt(next); isMonth {
		month = m
		next++
		if s.isDot(next) {
			next++
		}
		if y, isYear := s.yearAt(next); isYear {
			year = y
			next++
		} else if s.isDot(next - 1) {
			next-- // the dot ends the sentence, not the month
		}
	}
	return day, month, year, next, true
}

func (s dateReader) consume(from, to int, d Date) {
	start, end := s.lx[from].start, s.lx[to-1].end
	s.dates = append(s.dates, datedToken{date: d, text: strings.TrimSpace(s.text(start, end))})
	for k := from; k < to; k++ {
		s.lx[k].gone = true
	}
	s.lx[from] = lexeme{kind: lxBarrier, start: start, end: end}
}

// findDates reads the dates, in text order, and checks that each one exists.
func (s dateReader) findDates() *ParseError {
	for i := 0; i < len(s.lx); i++ {
		l := s.at(i)
		if l == nil {
			continue
		}
		if err := s.dateAt(i); err != nil {
			return err
		}
	}
	// What is left of date words is either harmless or a refusal.
	for i := range s.lx {
		l := s.at(i)
		if l == nil || l.kind != lxWord || l.noun != nil {
			continue
		}
		w := l.info()
		switch {
		case w.month != 0 && w.number < 0:
			return &ParseError{Kind: ErrBadDate, Token: s.text(l.start, l.end)}
		case (w.mod == modPast || w.mod == modNext) && w.status == 0:
			return &ParseError{Kind: ErrBadDate, Token: s.text(l.start, l.end)}
		case w.ordinal:
			return &ParseError{Kind: ErrUnknownWord, Token: s.text(l.start, l.end)}
		}
	}
	return nil
}

func (s dateReader) dateAt(i int) *ParseError {
	l := &s.lx[i]
	switch {
	case l.kind == lxDate:
		d, err := s.dateToken(i)
		if err != nil {
			return err
		}
		s.consume(i, i+1, d)
		return nil
	case l.kind == lxNum:
		if day, month, year, next, ok := s.dayPart(i); ok && month != 0 {
			d, err := s.dayMonth(i, next, day, month, year)
			if err != nil {
				return err
			}
			s.consume(i, next, d)
			return nil
		}
		if _, ok := s.dayNum(i); ok && s.ordinalAt(i+1) {
			if s.countable(i + 2) {
				return &ParseError{Kind: ErrAmbiguous, Token: strings.TrimSpace(s.text(l.start, s.lx[i+2].end))}
			}
			return s.dayOfMonth(i, i, i+2)
		}
		if d, ok := s.dottedDate(i); ok {
			s.consume(i, i+1, d)
		}
		return nil
	case l.kind != lxWord || l.noun != nil || l.w == nil:
		return nil
	}
	w := *l.w
	switch {
	case w.dateRel != nil:
		next := i + 1
		if n := s.at(next); n != nil && n.kind == lxWord && n.info().timeOfDay {
			next++
		}
		s.consume(i, next, s.today.AddDays(-w.dateRel.daysAgo))
		return nil
	case w.isWeekday:
		return s.weekdayAt(i)
	case w.dayMarker:
		if _, _, _, _, ok := s.dayPart(i + 1); ok {
			return s.dayOfMonth(i, i+1, -1)
		}
		if w.mod == 0 {
			s.lx[i].w = fillerInfo
		}
		return nil
	case w.month != 0 && w.number < 0:
		return s.monthFirst(i)
	case w.timeOfDay:
		s.lx[i].w = fillerInfo
	}
	return nil
}

// monthFirst reads "nov 28", "november 28th, 2026". A month with no day, or
// whose number counts something ("nov 3 rdv"), is refused later.
func (s dateReader) monthFirst(i int) *ParseError {
	month, _ := s.monthAt(i)
	j := i + 1
	if s.isDot(j) {
		j++
	}
	day, ok := s.dayNum(j)
	if !ok {
		return nil
	}
	next := j + 1
	if s.ordinalAt(next) {
		next++
	}
	if s.countable(next) {
		return nil
	}
	if n := s.at(next); n != nil && n.kind == lxBarrier && s.text(n.start, n.end) == "," {
		if _, isYear := s.yearAt(next + 1); isYear {
			next++
		}
	}
	year, hasYear := s.yearAt(next)
	if hasYear {
		next++
	}
	d, err := s.dayMonth(i, next, day, month, year)
	if err != nil {
		return err
	}
	s.consume(i, next, d)
	return nil
}

// dayOfMonth reads "le 28", "the 28th", "le 28 nov" starting at from, with
// the day number at j. end, when not -1, is where the span ends.
func (s dateReader) dayOfMonth(from, j, end int) *ParseError {
	day, month, year, next, _ := s.dayPart(j)
	if end >= 0 {
		next = end
	}
	if month != 0 {
		d, err := s.dayMonth(from, next, day, month, year)
		if err != nil {
			return err
		}
		s.consume(from, next, d)
		return nil
	}
	span := strings.TrimSpace(s.text(s.lx[from].start, s.lx[next-1].end))
	d, ok := s.nearestDay(day)
	if !ok {
		return &ParseError{Kind: ErrImpossibleDate, Token: span}
	}
	if s.countable(next) {
		// "le 3 rdv": the 3rd, or 3 meetings?
		s.doubt(Doubt{Kind: DoubtAmbiguous, Token: strings.TrimSpace(s.text(s.lx[from].start, s.lx[next].end)),
			Reading: d.String(), pos: s.lx[from].start})
	}
	s.consume(from, next, d)
	return nil
}

// weekdayAt reads a weekday with what qualifies it: "vendredi dernier",
// "last friday", "on monday", "jeudi 26", "jeudi 26 nov", "jeudi 26/11".
func (s dateReader) weekdayAt(i int) *ParseError {
	l := s.lx[i]
	w := *l.w
	// "mon rdv" is French for "my meeting", not Monday.
	if l.norm == "mon" {
		if n := s.at(i + 1); n != nil && n.kind == lxWord && (n.noun != nil || n.info().narrow || n.info().status != 0) {
			s.lx[i].w = fillerInfo
			return nil
		}
	}
	from, next := i, i+1
	mod := modKind(0)
	if p := s.at(i - 1); p != nil && p.kind == lxWord && p.noun == nil && p.info().mod != 0 {
		mod, from = p.info().mod, i-1
	}
	if n := s.at(next); n != nil && n.kind == lxWord && n.noun == nil && (n.info().mod == modPast || n.info().mod == modNext) {
		mod = n.info().mod
		next++
	}
	english := englishDays[l.norm]
	j := next
	if n := s.at(j); n != nil && n.kind == lxWord && n.info().dayMarker {
		j++
	}
	var exact Date
	hasExact := false
	if n := s.at(j); n != nil && n.kind == lxDate {
		d, err := s.dateToken(j)
		if err != nil {
			return err
		}
		exact, hasExact, next = d, true, j+1
	} else if m, isMonth := s.monthAt(j); isMonth {
		// "thursday nov 26"
		if day, ok := s.dayNum(j + 1); ok && !s.countable(j+2) {
			k := j + 2
			if s.ordinalAt(k) {
				k++
			}
			year, hasYear := s.yearAt(k)
			if hasYear {
				k++
			}
			d, err := s.dayMonth(j, k, day, m, year)
			if err != nil {
				return err
			}
			exact, hasExact, next = d, true, k
		}
	} else if day, month, year, k, ok := s.dayPart(j); ok && (month != 0 || !s.countable(k)) {
		if month != 0 {
			d, err := s.dayMonth(j, k, day, month, year)
			if err != nil {
				return err
			}
			exact = d
		} else {
			d, valid := s.nearestDay(day)
			if !valid {
				span := strings.TrimSpace(s.text(s.lx[from].start, s.lx[k-1].end))
				return &ParseError{Kind: ErrImpossibleDate, Token: span}
			}
			exact = d
		}
		hasExact, next = true, k
	}
	if hasExact {
		if exact.Weekday() != w.weekday {
			return s.mismatch(i, next, exact, english)
		}
		s.consume(from, next, exact)
		return nil
	}
	back := (int(s.today.Weekday()) - int(w.weekday) + 7) % 7
	// "2 rdv calés pour jeudi", "meetings booked for friday": a weekday
	// after "pour" or "for" is most often the day the meeting will take
	// place, while a bare weekday is read as the latest one, so the entry
	// would silently go to last week's. It is not the entry's day; with no
	// other date ("1 rdv pris hier pour lundi"), ask for the past form.
	if p := s.at(from - 1); (mod == 0 || mod == modThis) && p != nil && p.kind == lxWord && p.noun == nil &&
		(p.norm == "pour" || p.norm == "for") {
		token := strings.TrimSpace(s.text(p.start, s.lx[next-1].end))
		sug := weekdayNames[english][w.weekday] + " dernier"
		switch {
		case back == 0 && english:
			sug = "today"
		case back == 0:
			sug = "aujourd'hui"
		case english:
			sug = "last " + weekdayNames[english][w.weekday]
		}
		if s.forDay == nil {
			s.forDay = &ParseError{Kind: ErrAmbiguous, Token: token, Suggestion: sug}
		}
		for k := from - 1; k < next; k++ {
			s.lx[k].gone = true
		}
		s.lx[from-1] = lexeme{kind: lxBarrier, start: p.start, end: s.lx[next-1].end}
		return nil
	}
	switch mod {
	case modPast:
		if back == 0 {
			back = 7
		}
	case modNext:
		fwd := (int(w.weekday) - int(s.today.Weekday()) + 7) % 7
		if fwd == 0 {
			fwd = 7
		}
		back = -fwd
	}
	s.consume(from, next, s.today.AddDays(-back))
	return nil
}

func (s dateReader) mismatch(i, next int, d Date, english bool) *ParseError {
	token := strings.TrimSpace(s.text(s.lx[i].start, s.lx[next-1].end))
	rest := s.text(s.lx[i].end, s.lx[next-1].end)
	return &ParseError{Kind: ErrWeekdayMismatch, Token: token,
		Suggestion: weekdayNames[english][d.Weekday()] + rest, Date: d}
}

// nearestDay is the day numbered day closest to today: "le 28" on 2
// December is 28 November, on 23 November it is 28 November too, in the
// future. Ties go to the past.
func (s dateReader) nearestDay(day int) (Date, bool) {
	best, found := Date{}, false
	for off := -3; off <= 1; off++ {
		y, m := s.today.Year, s.today.Month+time.Month(off)
		for m < 1 {
			m += 12
			y--
		}
		for m > 12 {
			m -= 12
			y++
		}
		if day < 1 || day > daysIn(y, m) {
			continue
		}
		d := Date{Year: y, Month: m, Day: day}
		dist := absInt(s.today.DaysSince(d))
		if !found || dist < absInt(s.today.DaysSince(best)) || dist == absInt(s.today.DaysSince(best)) && d.Before(best) {
			best, found = d, true
		}
	}
	return best, found
}

// dayMonth builds a date from a day and month; without a year it is the
// nearest such date (28/11 typed in January is last November).
func (s dateReader) dayMonth(from, next, day int, month time.Month, year int) (Date, *ParseError) {
	span := strings.TrimSpace(s.text(s.lx[from].start, s.lx[next-1].end))
	if year != 0 {
		if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) {
			return Date{}, &ParseError{Kind: ErrImpossibleDate, Token: span}
		}
		return Date{Year: year, Month: month, Day: day}, nil
	}
	best, found := Date{}, false
	if month >= 1 && month <= 12 {
		for y := s.today.Year - 1; y <= s.today.Year+1; y++ {
			if day < 1 || day > daysIn(y, month) {
				continue
			}
			d := Date{Year: y, Month: month, Day: day}
			if !found || absInt(s.today.DaysSince(d)) < absInt(s.today.DaysSince(best)) {
				best, found = d, true
			}
		}
	}
	if !found {
		return Date{}, &ParseError{Kind: ErrImpossibleDate, Token: span}
	}
	return best, nil
}

// dateToken reads a date-shaped chunk: ISO year first, or day first.
func (s dateReader) dateToken(i int) (Date, *ParseError) {
	l := s.lx[i]
	text := s.text(l.start, l.end)
	bad := &ParseError{Kind: ErrImpossibleDate, Token: text}
	if len(text) >= 8 && strings.Count(text, "-") == 2 && strings.Index(text, "-") == 4 {
		parts := strings.Split(text, "-")
		y, _ := atoiDigits(parts[0])
		m, _ := atoiDigits(parts[1])
		d, _ := atoiDigits(parts[2])
		if m < 1 || m > 12 || d < 1 || d > daysIn(y, time.Month(m)) {
			return Date{}, bad
		}
		return Date{Year: y, Month: time.Month(m), Day: d}, nil
	}
	sep := "/"
	for _, c := range []string{".", "-"} {
		if strings.Contains(text, c) {
			sep = c
		}
	}
	parts := strings.Split(text, sep)
	d, _ := atoiDigits(parts[0])
	m, _ := atoiDigits(parts[1])
	year := 0
	if len(parts) == 3 {
		year, _ = atoiDigits(parts[2])
		switch len(parts[2]) {
		case 2:
			year += 2000
		case 4:
		default:
			return Date{}, &ParseError{Kind: ErrBadDate, Token: text}
		}
	}
	if m < 1 || m > 12 {
		return Date{}, bad
	}
	return s.dayMonth(i, i+1, d, time.Month(m), year)
}

// dottedDate reads "28.11" as a date when no amount is in sight: an amount
// has a currency or "k" beside it, or follows a word that takes amounts
// ("1 vente 12.05" is 12.05 of revenue).
func (s dateReader) dottedDate(i int) (Date, bool) {
	l := s.lx[i]
	if l.neg {
		return Date{}, false
	}
	dd, mm, ok := strings.Cut(l.digits, ".")
	if !ok || !inRange(len(dd), 1, 2) || len(mm) != 2 || !allASCIIDigits(dd) || !allASCIIDigits(mm) {
		return Date{}, false
	}
	day, _ := atoiDigits(dd)
	month, _ := atoiDigits(mm)
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return Date{}, false
	}
	moneyish := func(x *lexeme) bool {
		if x == nil {
			return false
		}
		if x.kind == lxCur {
			return true
		}
		if x.kind != lxWord {
			return false
		}
		if x.noun != nil {
			switch x.noun.class {
			case ncSale, ncDeal, ncProposal, ncRenewal, ncRevenue:
				return true
			}
			return false
		}
		w := x.info()
		return w.currency != "" || w.kilo || w.mega || w.link || w.status == stWon || w.pipeline
	}
	if moneyish(s.at(i-1)) || moneyish(s.at(i+1)) {
		return Date{}, false
	}
	d, err := s.dayMonth(i, i+1, day, time.Month(month), 0)
	return d, err == nil
}
