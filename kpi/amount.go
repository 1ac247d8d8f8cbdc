package kpi

import "strings"

// quantity is a number as written, with what surrounds it ("k", a currency
// mark, thousands groups). It is interpreted only once the parser knows
// whether it counts something or is an amount of money, because "1,5" is a
// fine amount but not a number of meetings.
type quantity struct {
	text     string   // the span as typed, sign and currency included
	neg      bool     // written with a minus sign
	num      string   // the first number, without its sign
	groups   []string // thousands groups written after spaces: "12 000 €"
	hasK     bool     // followed by "k": thousands
	currency bool     // has a currency mark, so it can only be money
	hasM     bool     // followed by "M" and a currency: millions
	each     int64    // an amount given per item ("12k€ chacune"): the number of items, else 0
}

// count interprets q as a number of things. A decimal separator is refused
// even when the value is whole ("1,000 calls" could be 1 or 1000), except
// after "k" where "1.5k" is unambiguous.
func (q quantity) count() (int64, ErrorKind) {
	if q.neg {
		return 0, ErrNegative
	}
	if len(q.groups) > 0 {
		return 0, ErrNotWhole
	}
	intPart, frac := q.num, ""
	if i := strings.IndexAny(q.num, ".,"); i >= 0 {
		if !q.hasK || strings.ContainsAny(q.num[i+1:], ".,") {
			return 0, ErrNotWhole
		}
		intPart, frac = q.num[:i], q.num[i+1:]
	}
	exp := 0
	if q.hasK {
		exp = 3
	}
	v, exact, overflow := scaled(intPart, frac, exp)
	switch {
	case overflow:
		return 0, ErrTooMany
	case !exact:
		return 0, ErrNotWhole
	}
	return v, 0
}

// cents interprets q as an amount of money. Separators are read the way
// people write amounts: one '.' or ',' before 1 or 2 digits is a decimal
// mark in both French and English ("12,5", "12.50"); before exactly 3 digits
// it is a thousands separator ("12.000 €", "$12,000"), since no amount has
// thousandths. Mixed separators follow the last-one-is-decimal rule
// ("1,234.56", "1.234,56"). What stays ambiguous, such as "12,500k", is
// refused rather than guessed.
func (q quantity) cents() (int64, ErrorKind) {
	if q.neg {
		return 0, ErrNegative
	}
	var intPart, frac string
	if len(q.groups) > 0 {
		if q.hasK || q.hasM {
			return 0, ErrBadAmount
		}
		intPart = q.num
		for _, g := range q.groups {
			if i := strings.IndexAny(g, ".,"); i >= 0 {
				intPart += g[:i]
				frac = g[i+1:]
			} else {
				intPart += g
			}
		}
	} else {
		parts, seps := splitSeps(q.num)
		switch n := len(seps); {
		case n == 0:
			intPart = q.num
		case n == 1 && len(parts[1]) == 3 && !isThousandsHead(parts[0]):
			// "0.001" or "1234.567": neither decimals of money nor
			// thousands, so refuse rather than guess.
			return 0, ErrBadAmount
		case n == 1 && len(parts[1]) == 3:
			if q.hasK || q.hasM {
				return 0, ErrBadAmount
			}
			intPart = parts[0] + parts[1]
		case n == 1:
			intPart, frac = parts[0], parts[1]
		default:
			if q.hasK || q.hasM || !isThousandsHead(parts[0]) {
				return 0, ErrBadAmount
			}
			last := len(parts) - 1
			for i := 1; i < last; i++ {
				if len(parts[i]) != 3 || seps[i-1] != seps[0] {
					return 0, ErrBadAmount
				}
			}
			switch {
			case seps[n-1] == seps[0] && len(parts[last]) == 3:
				intPart = strings.Join(parts, "")
			case seps[n-1] != seps[0] && len(parts[last]) <= 2:
				intPart, frac = strings.Join(parts[:last], ""), parts[last]
			default:
				return 0, ErrBadAmount
			}
		}
	}
	exp := 2
	if q.hasK {
		exp += 3
	}
	if q.hasM {
		exp += 6
	}
	v, exact, overflow := scaled(intPart, frac, exp)
	switch {
	case overflow || v > MaxRevenueCents:
		return 0, ErrRevenueTooLarge
	case !exact:
		return 0, ErrBadAmount
	}
	return v, 0
}

// isThousandsHead: what comes before the first thousands separator is 1 to
// 3 digits with no leading zero ("12" in "12.000", not "0" in "0.001").
func isThousandsHead(s string) bool {
	return inRange(len(s), 1, 3) && allASCIIDigits(s) && s[0] != '0'
}

// splitSeps cuts "1.234,56" into ["1" "234" "56"] and [. ,].
func splitSeps(s string) (parts []string, seps []byte) {
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '.' || s[i] == ',' {
			parts = append(parts, s[last:i])
			seps = append(seps, s[i])
			last = i + 1
		}
	}
	return append(parts, s[last:]), seps
}

// maxDigits keeps every intermediate value far below the int64 limit, so a
// rep pasting a 400-digit number gets ErrTooMany or ErrRevenueTooLarge
// instead of a wrapped-around value.
const maxDigits = 15

// scaled returns intPart.frac × 10^exp as an integer. exact is false when
// that value has a fractional part; overflow is true when it has more than
// maxDigits digits. Both inputs are ASCII digit strings.
func scaled(intPart, frac string, exp int) (v int64, exact, overflow bool) {
	digits := strings.TrimLeft(intPart+frac, "0")
	shift := exp - len(frac)
	if shift < 0 {
		cut := min(-shift, len(digits))
		if strings.Trim(digits[len(digits)-cut:], "0") != "" {
			return 0, false, false
		}
		digits = digits[:len(digits)-cut]
		shift = 0
	}
	if digits == "" {
		return 0, true, false
	}
	if len(digits)+shift > maxDigits {
		return 0, true, true
	}
	for i := 0; i < len(digits); i++ {
		v = v*10 + int64(digits[i]-'0')
	}
	for ; shift > 0; shift-- {
		v *= 10
	}
	return v, true, false
}
