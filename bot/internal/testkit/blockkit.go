package testkit

import (
	"testing"

	"github.com/slack-go/slack"
)

// CheckBlockKitLimits fails the test when msg breaks a Slack Block Kit
// limit or has no fallback text.
func CheckBlockKitLimits(t testing.TB, msg slack.Msg) {
	t.Helper()
	blocks := msg.Blocks.BlockSet
	if len(blocks) > 50 {
		t.Errorf("%d blocks, Slack allows 50", len(blocks))
	}
	for i, b := range blocks {
		switch b := b.(type) {
		case *slack.SectionBlock:
			if b.Text != nil && len([]rune(b.Text.Text)) > 3000 {
				t.Errorf("block %d: section text of %d characters, Slack allows 3000", i, len([]rune(b.Text.Text)))
			}
			if len(b.Fields) > 10 {
				t.Errorf("block %d: %d fields, Slack allows 10", i, len(b.Fields))
			}
		case *slack.HeaderBlock:
			if len([]rune(b.Text.Text)) > 150 {
				t.Errorf("block %d: header of %d characters, Slack allows 150", i, len([]rune(b.Text.Text)))
			}
		case *slack.ContextBlock:
			if n := len(b.ContextElements.Elements); n > 10 {
				t.Errorf("block %d: %d context elements, Slack allows 10", i, n)
			}
		}
	}
	if msg.Text == "" {
		t.Error("no fallback text: notifications and screen readers need one")
	}
}
