package views

import (
	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// The buttons of a reading /log was unsure of. Their value is the
// reading's code, which the bot only compares with the clicking user's own
// waiting reading. The action IDs come back in block_actions payloads, so
// they must never be renamed.
const (
	ActionPendingSave   = "pending_save"
	ActionPendingEdit   = "pending_edit"
	ActionPendingCancel = "pending_cancel"
	PendingActionsBlock = "pending_actions"
)

// Doubt is a part of the text /log read with a guess: Kind is
// kpi.DoubtKind's name ("fuzzy", "ambiguous").
type Doubt struct {
	Kind    string
	Token   string
	Reading string
	Metric  kpi.Metric
}

// Ask shows what /log read when it was unsure, and asks before storing
// (before correcting the entry e.Code, when it is set):
// the reading, what was guessed, and buttons to save it, edit it in the
// check-in modal, or drop it. Nothing is stored until it is saved.
func Ask(lang prompts.Lang, e Entry, doubts []Doubt, code string, today kpi.Date) slack.Msg {
	key := prompts.Key("log.ask.title")
	if e.Code != "" {
		key = "log.ask.title.edit" // a correction of the entry e.Code
	}
	title := prompts.Text(lang, key, map[string]string{"Items": e.items(lang), "Day": prompts.Day(lang, e.Day, today), "Code": e.Code})
	blocks := []slack.Block{Section(title)}
	var lines []string
	for _, d := range doubts {
		lines = append(lines, doubtLine(lang, d))
	}
	if e.Note != "" {
		lines = append(lines, prompts.Text(lang, prompts.LogRecordedNote, map[string]string{"Note": Escape(e.Note)}))
	}
	if len(lines) > 0 {
		blocks = append(blocks, Context(lines...))
	}
	button := func(actionID string, key prompts.Key) *slack.ButtonBlockElement {
		return slack.NewButtonBlockElement(actionID, code, slack.NewTextBlockObject(slack.PlainTextType, prompts.Text(lang, key, nil), true, false))
	}
	blocks = append(blocks,
		slack.NewActionBlock(PendingActionsBlock,
			button(ActionPendingSave, "log.ask.save").WithStyle(slack.StylePrimary),
			button(ActionPendingEdit, "log.ask.edit"),
			button(ActionPendingCancel, "log.ask.cancel"),
		),
		Context(prompts.Text(lang, "log.ask.footer", nil)),
	)
	return Ephemeral(title, blocks...)
}

// doubtLine says what was guessed: the known word a typo was read as, or
// where an ambiguous part was counted.
func doubtLine(lang prompts.Lang, d Doubt) string {
	data := map[string]string{"Token": Escape(d.Token), "Reading": Escape(d.Reading)}
	switch {
	case d.Kind == kpi.DoubtFuzzy.String():
		return prompts.Text(lang, "log.ask.doubt.fuzzy", data)
	case d.Metric != "" && d.Metric != kpi.Revenue:
		data["Label"] = prompts.MetricLabel(lang, d.Metric, 2)
		return prompts.Text(lang, "log.ask.doubt.counted", data)
	}
	return prompts.Text(lang, "log.ask.doubt.ambiguous", data)
}

// NothingPending answers a save or a cancel when no reading waits: saved,
// dropped, replaced or expired.
func NothingPending(lang prompts.Lang) slack.Msg { return Reply(lang, "log.pending.none", nil) }

// PendingCancelled confirms that a reading was dropped, raw as typed.
func PendingCancelled(lang prompts.Lang, raw string) slack.Msg {
	return Reply(lang, "log.pending.cancelled", map[string]string{"Raw": Escape(raw)})
}
