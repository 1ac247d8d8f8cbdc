package bot

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// Limits on a workspace's own /log words.
const (
	maxTeamWords     = 200
	maxTeamWordRunes = 40
)

// words answers /kpi words list|add|rm: the team's own /log words, which
// managers and admins add and remove, and every member may list. Stored
// per workspace; each replica rebuilds its parser when the workspace's
// settings counter moves (see settings).
func (s *settings) words(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	example := prompts.Text(lang, "kpi.words.example", nil)
	sub := ""
	if len(r.args) > 0 {
		sub = strings.ToLower(r.args[0])
	}
	switch sub {
	case "", "list", "ls", "liste":
		c, err := s.of(ctx, r.cmd.Workspace)
		if err != nil {
			return slack.Msg{}, err
		}
		return views.TeamWords(lang, teamWordsOf(c.words)), nil
	case "add", "ajouter", "rm", "remove", "del", "delete", "suppr", "supprimer", "retirer":
	default:
		return views.Usage(lang, "kpi.error.unknown_sub", map[string]string{"Sub": "words " + views.Escape(r.args[0])}, example), nil
	}
	if !r.who.admin && !r.who.manages {
		return denied(lang, "manager_admin")
	}
	add := sub == "add" || sub == "ajouter"
	args := r.args[1:]
	if add && len(args) < 2 || !add && len(args) < 1 {
		return views.BadUsage(lang, r.cmd.Text, example), nil
	}
	// Someone else may change the words at the same moment: the write only
	// applies to the words as read, else they are read again.
	for range 3 {
		c, err := s.of(ctx, r.cmd.Workspace)
		if err != nil {
			return slack.Msg{}, err
		}
		var msg slack.Msg
		var next []storage.TeamWord
		if add {
			msg, next = s.addWord(lang, c, strings.Join(args[:len(args)-1], " "), args[len(args)-1])
		} else {
			msg, next = s.removeWord(lang, c, strings.Join(args, " "))
		}
		if next == nil {
			return msg, nil
		}
		w, err := s.store.SetTeamWords(ctx, r.cmd.Workspace, next, c.rev)
		if errors.Is(err, storage.ErrStale) {
			continue
		}
		if err != nil {
			return slack.Msg{}, err
		}
		s.config(w)
		return msg, nil
	}
	return views.Reply(lang, "kpi.words.stale", nil), nil
}

// addWord checks phrase → metric against the vocabulary of c, and
// returns the answer and, when the words change, the new list (nil
// otherwise).
func (s *settings) addWord(lang prompts.Lang, c *workspaceConfig, phrase, metricTok string) (slack.Msg, []storage.TeamWord) {
	phrase = strings.Join(strings.Fields(phrase), " ")
	data := map[string]any{"Phrase": views.Escape(phrase), "Max": maxTeamWordRunes}
	metric, ok := teamWordMetric(c.vocab, metricTok)
	if !ok {
		return views.Usage(lang, "kpi.words.metric", map[string]string{"Token": views.Escape(metricTok)}, prompts.Text(lang, "kpi.words.example.add", nil)), nil
	}
	data["Label"] = prompts.MetricLabel(lang, metric, 2)
	if utf8.RuneCountInString(phrase) > maxTeamWordRunes {
		return views.Usage(lang, "kpi.words.invalid", data, prompts.Text(lang, "kpi.words.example.add", nil)), nil
	}
	// A scratch copy of the workspace's vocabulary says whether kpi takes
	// the word; the parser in use is never changed in place.
	v := s.vocabulary("", c.words)
	before, known := teamWordOf(c.words, phrase)
	if err := v.Add(phrase, metric); err != nil {
		if errors.Is(err, kpi.ErrBuiltinWord) {
			data["Label"] = ""
			if m, ok := kpi.DefaultVocabulary().Lookup(phrase); ok {
				data["Label"] = prompts.MetricLabel(lang, m, 2)
			}
			return views.Usage(lang, "kpi.words.builtin", data, prompts.Text(lang, "kpi.words.example.add", nil)), nil
		}
		return views.Usage(lang, "kpi.words.invalid", data, prompts.Text(lang, "kpi.words.example.add", nil)), nil
	}
	switch {
	case known && kpi.Metric(before.Metric) == metric:
		return views.Reply(lang, "kpi.words.same", data), nil
	case known:
		data["Before"] = prompts.MetricLabel(lang, kpi.Metric(before.Metric), 2)
		return views.Reply(lang, "kpi.words.retargeted", data), s.wordsOf(v)
	case len(c.words) >= maxTeamWords:
		return views.Usage(lang, "kpi.words.full", map[string]int{"Max": maxTeamWords}, prompts.Text(lang, "kpi.words.example.rm", nil)), nil
	}
	return views.Reply(lang, "kpi.words.added", data), s.wordsOf(v)
}

// removeWord takes phrase out of the words of c.
func (s *settings) removeWord(lang prompts.Lang, c *workspaceConfig, phrase string) (slack.Msg, []storage.TeamWord) {
	phrase = strings.Join(strings.Fields(phrase), " ")
	data := map[string]any{"Phrase": views.Escape(phrase)}
	v := s.vocabulary("", c.words)
	if _, known := teamWordOf(c.words, phrase); !known {
		if v.IsBuiltin(phrase) {
			return views.Usage(lang, "kpi.words.builtin.rm", data, prompts.Text(lang, "example.words.list", nil)), nil
		}
		return views.Usage(lang, "kpi.words.unknown", data, prompts.Text(lang, "example.words.list", nil)), nil
	}
	if err := v.Remove(phrase); err != nil {
		return views.Usage(lang, "kpi.words.unknown", data, prompts.Text(lang, "example.words.list", nil)), nil
	}
	return views.Reply(lang, "kpi.words.removed", data), s.wordsOf(v)
}

// wordsOf is the workspace's words in v: its team words but those of the
// deployment's own vocabulary. Never nil, so an empty list is a change.
func (s *settings) wordsOf(v *kpi.Vocabulary) []storage.TeamWord {
	base := map[string]bool{}
	for _, w := range s.base.TeamWords() {
		base[w.Phrase] = true
	}
	out := []storage.TeamWord{}
	for _, w := range v.TeamWords() {
		if !base[w.Phrase] {
			out = append(out, storage.TeamWord{Phrase: w.Phrase, Metric: string(w.Metric)})
		}
	}
	return out
}

// teamWordOf finds phrase among the workspace's words, as kpi keys them
// (case, accents and spacing aside).
func teamWordOf(words []storage.TeamWord, phrase string) (storage.TeamWord, bool) {
	for _, w := range words {
		if norm(w.Phrase) == norm(phrase) {
			return w, true
		}
	}
	return storage.TeamWord{}, false
}

// norm compares phrases as kpi does.
func norm(s string) string { return strings.Join(strings.Fields(kpi.Normalize(s)), " ") }

// teamWordMetric reads the metric a team word counts: a metric key
// ("meetings") or any word /log knows for it ("rdv", "appels"). Only
// counts: an amount has no word of its own.
func teamWordMetric(v *kpi.Vocabulary, tok string) (kpi.Metric, bool) {
	m := kpi.Metric(strings.ToLower(tok))
	if !m.Valid() {
		var ok bool
		if m, ok = v.Lookup(tok); !ok {
			return "", false
		}
	}
	return m, m != kpi.Revenue
}

// teamWordsOf is what views show of stored words.
func teamWordsOf(ws []storage.TeamWord) []views.TeamWord {
	out := make([]views.TeamWord, 0, len(ws))
	for _, w := range ws {
		out = append(out, views.TeamWord{Phrase: w.Phrase, Metric: kpi.Metric(w.Metric)})
	}
	return out
}
