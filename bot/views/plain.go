package views

import (
	"html"
	"strings"
	"unicode"

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
			if b.Accessory != nil && b.Accessory.ButtonElement != nil && b.Accessory.ButtonElement.Text != nil {
				lines = append(lines, "  ["+plain(b.Accessory.ButtonElement.Text)+"]")
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

// Unemphasise renders mrkdwn as a reader sees it in Slack, for a
// terminal: bold, italic and strike lose their markers, code spans keep
// every character (an asterisk in `0 8 * * 1` is part of the example),
// and what Escape made inert shows as the user typed it.
func Unemphasise(s string) string {
	var b strings.Builder
	for s != "" {
		i := strings.IndexByte(s, '`')
		if i < 0 {
			b.WriteString(unmark(s))
			break
		}
		b.WriteString(unmark(s[:i]))
		s = s[i:]
		fence := "`"
		if strings.HasPrefix(s, "```") {
			fence = "```"
		}
		end := strings.Index(s[len(fence):], fence)
		if end < 0 || (fence == "`" && strings.Contains(s[1:1+end], "\n")) {
			// A lone backtick opens nothing in Slack either.
			b.WriteString(fence)
			s = s[len(fence):]
			continue
		}
		b.WriteString(s[len(fence) : len(fence)+end])
		s = s[len(fence)+end+len(fence):]
	}
	return unescape(b.String())
}

// unmark drops mrkdwn's emphasis markers outside code. Like Slack, it
// leaves a marker inside a word alone: SLACK_BOT_TOKEN and New_York keep
// their underscores.
func unmark(s string) string {
	if !strings.ContainsAny(s, "*_~") {
		return s
	}
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if r == '*' || r == '_' || r == '~' {
			inWord := i > 0 && i < len(rs)-1 && wordRune(rs[i-1]) && wordRune(rs[i+1])
			if !inWord {
				continue
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// unescape undoes Escape and Slack's entities: a terminal shows what the
// user typed.
func unescape(s string) string {
	for marker, inert := range lookalike {
		s = strings.ReplaceAll(s, inert, marker)
	}
	return html.UnescapeString(s)
}

func plain(t *slack.TextBlockObject) string {
	if t == nil {
		return ""
	}
	if t.Type == slack.MarkdownType {
		return Unemphasise(t.Text)
	}
	return html.UnescapeString(t.Text)
}
