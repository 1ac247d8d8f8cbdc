package deliver

import (
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
)

// ErrBlockKitLimits is returned, wrapped, for a message breaking a Block
// Kit limit; nothing is sent to Slack.
var ErrBlockKitLimits = errors.New("message breaks Block Kit limits")

// Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks).
const (
	blockKitMaxBlocks          = 50
	blockKitMaxSectionText     = 3000
	blockKitMaxSectionFields   = 10
	blockKitMaxFieldText       = 2000
	blockKitMaxHeaderText      = 150
	blockKitMaxContextElements = 10
	blockKitMaxCharts          = 2 // data_visualization blocks
)

// CheckBlockKitLimits returns an error wrapping ErrBlockKitLimits when msg
// breaks a Block Kit limit or has no fallback text, nil otherwise.
func CheckBlockKitLimits(msg slack.Msg) error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	blocks := msg.Blocks.BlockSet
	charts, tableChars := 0, 0
	if len(blocks) > blockKitMaxBlocks {
		add("%d blocks, Slack allows %d", len(blocks), blockKitMaxBlocks)
	}
	if msg.Text == "" {
		add("no fallback text")
	}
	for i, b := range blocks {
		switch b := b.(type) {
		case *slack.SectionBlock:
			if n := textLen(b.Text); n > blockKitMaxSectionText {
				add("block %d: section text of %d characters, Slack allows %d", i, n, blockKitMaxSectionText)
			}
			if len(b.Fields) > blockKitMaxSectionFields {
				add("block %d: %d fields, Slack allows %d", i, len(b.Fields), blockKitMaxSectionFields)
			}
			for j, f := range b.Fields {
				if n := textLen(f); n > blockKitMaxFieldText {
					add("block %d: field %d of %d characters, Slack allows %d", i, j, n, blockKitMaxFieldText)
				}
			}
		case *slack.HeaderBlock:
			if n := textLen(b.Text); n > blockKitMaxHeaderText {
				add("block %d: header of %d characters, Slack allows %d", i, n, blockKitMaxHeaderText)
			}
		case *slack.ContextBlock:
			if n := len(b.ContextElements.Elements); n > blockKitMaxContextElements {
				add("block %d: %d context elements, Slack allows %d", i, n, blockKitMaxContextElements)
			}
		case *slack.DataVisualizationBlock:
			charts++
			if err := b.Validate(); err != nil {
				add("block %d: %v", i, err)
			}
		case *slack.DataTableBlock:
			if err := views.CheckDataTable(b); err != nil {
				add("block %d: %v", i, err)
			}
			tableChars += views.DataTableChars(b)
		}
	}
	if tableChars > views.MaxTableChars {
		add("%d characters in the tables' cells, Slack allows %d a message", tableChars, views.MaxTableChars)
	}
	if charts > blockKitMaxCharts {
		add("%d charts, Slack allows %d", charts, blockKitMaxCharts)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrBlockKitLimits, strings.Join(problems, "; "))
	}
	return nil
}

func textLen(t *slack.TextBlockObject) int {
	if t == nil {
		return 0
	}
	return len([]rune(t.Text))
}
