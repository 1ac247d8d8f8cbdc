package views

import (
	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/prompts"
)

// exampleAmount is how 12,500 looks in currency: "12 500 $US", "$12,500".
func exampleAmount(lang prompts.Lang, currency string) string {
	return prompts.Money(lang, 1_250_000, currency)
}

// Settings answers /kpi settings: the workspace currency, and how many
// words the team added to /log.
func Settings(lang prompts.Lang, currency string, words int) slack.Msg {
	return Reply(lang, "kpi.settings.show", map[string]any{"Currency": currency, "Example": exampleAmount(lang, currency), "Words": words})
}

// CurrencySet confirms a new workspace currency; previous is the one
// before, whose amounts are kept but no longer counted.
func CurrencySet(lang prompts.Lang, currency, previous string) slack.Msg {
	data := map[string]string{"Currency": currency, "Previous": previous, "Example": exampleAmount(lang, currency)}
	if currency == previous {
		return Reply(lang, "kpi.settings.currency.same", data)
	}
	text := prompts.Text(lang, "kpi.settings.currency.done", data)
	return Ephemeral(text, Section(text), Context(prompts.Text(lang, "kpi.settings.currency.changed", data)))
}
