package views

import (
	"html"
	"strings"

	"github.com/slack-go/slack"
)

// PlainText renders a Block Kit message for a terminal: one paragraph per
// block, mrkdwn emphasis dropped, Slack's escapes undone.
func PlainText(msg slack.Msg) string {
	var parts []string
	for _, b := range msg.Blocks.BlockSet {
		switch b := b.(type) {
		case *slack.HeaderBlock:
			parts = append(parts, strings.ToUpper(plain(b.Text)))
		case *slack.SectionBlock:
			var lines []string
			if t := plain(b.Text); t != "" {
				lines = append(lines, t)
			}
			for _, f := range b.Fields {
				lines = append(lines, plain(f))
			}
			parts = append(parts, strings.Join(lines, "\n"))
		case *slack.ContextBlock:
			var elems []string
			for _, e := range b.ContextElements.Elements {
				if t, ok := e.(*slack.TextBlockObject); ok {
					elems = append(elems, plain(t))
				}
			}
			parts = append(parts, "  "+strings.Join(elems, " · "))
		case *slack.DividerBlock:
			parts = append(parts, "────────")
		case *slack.ActionBlock:
			var buttons []string
			for _, e := range b.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok && btn.Text != nil {
					buttons = append(buttons, "["+plain(btn.Text)+"]")
				}
			}
			parts = append(parts, "  "+strings.Join(buttons, " "))
		}
	}
	if len(parts) == 0 {
		return msg.Text
	}
	return strings.Join(parts, "\n")
}

// Unemphasise drops mrkdwn emphasis, as a terminal shows it.
func Unemphasise(s string) string { return emphasis.Replace(s) }

var emphasis = strings.NewReplacer("*", "", "`", "")

func plain(t *slack.TextBlockObject) string {
	if t == nil {
		return ""
	}
	s := t.Text
	if t.Type == slack.MarkdownType {
		s = emphasis.Replace(s)
	}
	return html.UnescapeString(s)
}
