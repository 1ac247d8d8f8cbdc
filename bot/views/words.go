package views

import (
	"strings"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// TeamWord is a word a team added to /log, and the metric it counts.
type TeamWord struct {
	Phrase string
	Metric kpi.Metric
}

// TeamWords answers /kpi words list.
func TeamWords(lang prompts.Lang, words []TeamWord) slack.Msg {
	lines := []string{prompts.Text(lang, "kpi.words.list.title", nil)}
	if len(words) == 0 {
		lines = append(lines, prompts.Text(lang, "kpi.words.list.none", nil))
	}
	for _, w := range words {
		lines = append(lines, prompts.Text(lang, "kpi.words.list.line", map[string]string{"Phrase": Escape(w.Phrase), "Label": prompts.MetricLabel(lang, w.Metric, 2)}))
	}
	text := strings.Join(lines, "\n")
	return Ephemeral(text, Section(text), Context(prompts.Text(lang, "kpi.words.list.hint", nil)))
}
