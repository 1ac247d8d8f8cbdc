package views

import (
	"strings"

	"github.com/slack-go/slack"
)

// Slack's Block Kit limits a message is composed to fit: 50 blocks, 3,000
// characters a section's text, 10 fields, 150 characters a header.
const (
	MaxMessageBlocks = 50
	MaxSectionText   = 3000
	MaxSectionFields = 10
	MaxHeaderText    = 150
)

// sectionBudget is how full a list fills a section: below Slack's 3,000
// characters, so a title and the closing "and N more" always fit.
const sectionBudget = 2900

// list lays out a titled list across as many sections as its lines need,
// showing at most max of them; the lines left out are counted in a closing
// line, more(n), so nothing is dropped without saying so. A line longer
// than a section is cut short with an ellipsis. An empty list is its title
// alone.
func list(title string, lines []string, max int, more func(n int) string) []slack.Block {
	shown := lines[:min(max, len(lines))]
	if rest := len(lines) - len(shown); rest > 0 {
		shown = append(shown[:len(shown):len(shown)], more(rest))
	}
	var blocks []slack.Block
	chunk := []string{title}
	size := runes(title)
	for _, line := range shown {
		line = cut(line, sectionBudget)
		if size+1+runes(line) > sectionBudget {
			blocks = append(blocks, Section(strings.Join(chunk, "\n")))
			chunk, size = nil, -1
		}
		chunk = append(chunk, line)
		size += 1 + runes(line)
	}
	return append(blocks, Section(strings.Join(chunk, "\n")))
}

// runes counts characters as Slack does.
func runes(s string) int { return len([]rune(s)) }

// cut shortens s to at most n characters, an ellipsis marking the cut.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
