package kpi

import (
	"strings"
	"unicode"
)

// DefaultOutStatus is what a Slack status says when its owner is out, for
// a workspace that chose no list of its own: an emoji (":palm_tree:"), or
// a word or phrase of the status text, matched whole, whatever its case
// and accents.
var DefaultOutStatus = []string{
	":palm_tree:", ":face_with_thermometer:", ":airplane:", ":desert_island:", ":thermometer:",
	"congé", "congés", "vacances", "ooo", "off", "malade", "sick", "out of office", "absent", "absente",
}

// StatusOut reports whether a Slack status (its text and emoji) says its
// owner is out, by list: a term starting with ':' is an emoji and must
// be the status emoji; any other is a word or a phrase the text holds as
// whole words, so "off" matches "day off" and not "office".
func StatusOut(text, emoji string, list []string) bool {
	words := " " + strings.Join(strings.Fields(fold(text)), " ") + " "
	emoji = strings.ToLower(strings.TrimSpace(emoji))
	for _, term := range list {
		term = strings.TrimSpace(term)
		switch {
		case term == "":
		case strings.HasPrefix(term, ":"):
			if emoji != "" && strings.EqualFold(term, emoji) {
				return true
			}
		default:
			if t := strings.Join(strings.Fields(fold(term)), " "); t != "" && strings.Contains(words, " "+t+" ") {
				return true
			}
		}
	}
	return false
}

// fold is s as Normalize folds it, with every character that is not a
// letter or a digit turned into a space.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return ' '
	}, Normalize(s))
}
