package testkit

import (
	"testing"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
)

// CheckBlockKitLimits fails the test when msg breaks a Slack Block Kit
// limit or has no fallback text.
func CheckBlockKitLimits(t testing.TB, msg slack.Msg) {
	t.Helper()
	blocks := msg.Blocks.BlockSet
	if len(blocks) > 50 {
		t.Errorf("%d blocks, Slack allows 50", len(blocks))
	}
	checkBlocks(t, blocks)
	if msg.Text == "" {
		t.Error("no fallback text: notifications and screen readers need one")
	}
}

// CheckHomeLimits fails the test when a Home tab breaks a Block Kit
// limit: 100 blocks, and each block's own.
func CheckHomeLimits(t testing.TB, v slack.HomeTabViewRequest) {
	t.Helper()
	if v.Type != slack.VTHomeTab {
		t.Errorf("view type %q, want home", v.Type)
	}
	if n := len(v.Blocks.BlockSet); n > 100 {
		t.Errorf("%d blocks in a Home tab, Slack allows 100", n)
	}
	checkBlocks(t, v.Blocks.BlockSet)
}

// checkBlocks checks each block's own limits.
func checkBlocks(t testing.TB, blocks []slack.Block) {
	t.Helper()
	ids := map[string]bool{}
	tableChars := 0
	for i, b := range blocks {
		if id := b.ID(); id != "" {
			if ids[id] {
				t.Errorf("block %d: block_id %q twice, Slack refuses the view", i, id)
			}
			ids[id] = true
		}
		if a, ok := b.(*slack.ActionBlock); ok && len(a.Elements.ElementSet) > 25 {
			t.Errorf("block %d: %d elements, Slack allows 25", i, len(a.Elements.ElementSet))
		}
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
		case *slack.DataTableBlock:
			if err := views.CheckDataTable(b); err != nil {
				t.Errorf("block %d: %v", i, err)
			}
			tableChars += views.DataTableChars(b)
		}
	}
	if tableChars > views.MaxTableChars {
		t.Errorf("%d characters in the tables' cells, Slack allows %d a message", tableChars, views.MaxTableChars)
	}
}
