package bot

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// SettingsStore keeps each workspace's currency and team words.
type SettingsStore interface {
	WorkspaceSettings(ctx context.Context, workspace string) (storage.Workspace, error)
	SetCurrency(ctx context.Context, workspace, code string) (storage.Workspace, error)
	SetTeamWords(ctx context.Context, workspace string, words []storage.TeamWord, rev int64) (storage.Workspace, error)
	SetOutStatus(ctx context.Context, workspace string, list []string) (storage.Workspace, error)
	SetHolidayCalendar(ctx context.Context, workspace, calendar string) (storage.Workspace, error)
}

// workspaceConfig is what a workspace's settings make of /log: the
// currency amounts are read and shown in, the vocabulary with the team's
// words, and the parser built from both. It is never changed once built,
// so every request of the workspace can share it.
type workspaceConfig struct {
	currency string
	vocab    *kpi.Vocabulary
	parser   *kpi.Parser
	words    []storage.TeamWord
	rev      int64
}

// settings answers /kpi settings and gives every part of the bot its
// workspace's configuration. The parser of a workspace is built once and
// kept until its settings change: each use reads the workspace's
// settings counter (one small read by ID), so a change made on any
// replica is seen by all at their next command.
type settings struct {
	store SettingsStore
	// base is the deployment's vocabulary (HandlerConfig.Vocabulary), and
	// currency the default currency of workspaces that chose none.
	base     *kpi.Vocabulary
	currency string
	env

	mu    sync.Mutex
	cache map[string]*workspaceConfig
}

func newSettings(store SettingsStore, base *kpi.Vocabulary, currency string, e env) *settings {
	if base == nil {
		base = kpi.DefaultVocabulary()
	}
	currency = strings.ToUpper(strings.TrimSpace(currency))
	if currency == "" {
		currency = kpi.DefaultCurrency
	}
	return &settings{store: store, base: base, currency: currency, env: e, cache: map[string]*workspaceConfig{}}
}

// of returns the workspace's configuration, rebuilt if its settings
// changed since it was last built.
func (s *settings) of(ctx context.Context, workspace string) (*workspaceConfig, error) {
	w, err := s.store.WorkspaceSettings(ctx, workspace)
	if err != nil {
		return nil, fmt.Errorf("bot: workspace settings: %w", err)
	}
	return s.config(w), nil
}

// config returns the configuration of w, from the cache when it is at
// w's settings counter.
func (s *settings) config(w storage.Workspace) *workspaceConfig {
	currency := w.Currency
	if currency == "" {
		currency = s.currency
	}
	s.mu.Lock()
	c := s.cache[w.ID]
	s.mu.Unlock()
	if c != nil && c.rev == w.SettingsRev && c.currency == currency {
		return c
	}
	vocab := s.vocabulary(w.ID, w.Words)
	c = &workspaceConfig{
		currency: currency,
		vocab:    vocab,
		parser:   kpi.NewParser(vocab).WithDoubts().WithPipeline().WithCurrency(currency),
		words:    w.Words,
		rev:      w.SettingsRev,
	}
	s.mu.Lock()
	s.cache[w.ID] = c
	s.mu.Unlock()
	return c
}

// vocabulary is the built-in table, the deployment's own words and the
// workspace's. A stored word the table now refuses (kpi learnt it as a
// built-in since) is left out, and logged: the built-in reading wins.
func (s *settings) vocabulary(workspace string, words []storage.TeamWord) *kpi.Vocabulary {
	v := kpi.DefaultVocabulary()
	for _, w := range s.base.TeamWords() {
		_ = v.Add(w.Phrase, w.Metric)
	}
	for _, w := range words {
		if err := v.Add(w.Phrase, kpi.Metric(w.Metric)); err != nil {
			s.log.Warn("team word left out", "workspace", workspace, "word", w.Phrase, "err", err)
		}
	}
	return v
}

// currencyOf is the workspace's currency.
func (s *settings) currencyOf(ctx context.Context, workspace string) (string, error) {
	c, err := s.of(ctx, workspace)
	if err != nil {
		return "", err
	}
	return c.currency, nil
}

// entryCurrency is the currency of a stored entry's amounts: the one it
// was logged in, or the default for entries from before workspaces had
// one.
func (s *settings) entryCurrency(c storage.CheckIn) string {
	if c.Currency != "" {
		return c.Currency
	}
	return s.currency
}

// command answers /kpi settings [currency CODE].
func (s *settings) command(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	const example = "`/kpi settings currency USD`"
	if len(r.args) == 0 {
		c, err := s.of(ctx, r.cmd.Workspace)
		if err != nil {
			return slack.Msg{}, err
		}
		return views.Settings(lang, c.currency, len(c.words)), nil
	}
	switch strings.ToLower(r.args[0]) {
	case "currency", "devise", "monnaie":
	case "status", "statut", "statuts":
		return s.outStatus(ctx, r)
	default:
		return views.BadUsage(lang, r.cmd.Text, example), nil
	}
	if !r.who.admin {
		return deniedAdmin(r)
	}
	if len(r.args) != 2 {
		return views.BadUsage(lang, r.cmd.Text, example), nil
	}
	code := strings.ToUpper(strings.TrimSpace(r.args[1]))
	if !prompts.KnownCurrency(code) {
		return views.Usage(lang, "kpi.settings.currency.unknown", map[string]string{
			"Token": views.Escape(r.args[1]), "Codes": strings.Join(prompts.Currencies(), ", "),
		}, example), nil
	}
	before, err := s.of(ctx, r.cmd.Workspace)
	if err != nil {
		return slack.Msg{}, err
	}
	w, err := s.store.SetCurrency(ctx, r.cmd.Workspace, code)
	if err != nil {
		return slack.Msg{}, err
	}
	s.config(w)
	return views.CurrencySet(lang, code, before.currency), nil
}

// outStatus answers /kpi settings status [default | list]: the Slack
// statuses (emojis, words) that say a rep is out, which suppress that
// day's reminder; an admin sets the workspace's list, or goes back to
// kpi's default.
func (s *settings) outStatus(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	rest := strings.TrimSpace(strings.Join(r.args[1:], " "))
	if rest != "" {
		if !r.who.admin {
			return deniedAdmin(r)
		}
		var list []string
		if !strings.EqualFold(rest, "default") && !strings.EqualFold(rest, "défaut") && !strings.EqualFold(rest, "defaut") {
			for _, term := range strings.Split(rest, ",") {
				if term = strings.TrimSpace(term); term != "" && len(list) < 50 && len([]rune(term)) <= 40 {
					list = append(list, term)
				}
			}
			if len(list) == 0 {
				return views.BadUsage(lang, r.cmd.Text, "`/kpi settings status :palm_tree:, vacances, ooo`"), nil
			}
		}
		if _, err := s.store.SetOutStatus(ctx, r.cmd.Workspace, list); err != nil {
			return slack.Msg{}, err
		}
	}
	w, err := s.store.WorkspaceSettings(ctx, r.cmd.Workspace)
	if err != nil {
		return slack.Msg{}, err
	}
	list, def := w.OutStatus, w.OutStatus == nil
	if def {
		list = kpi.DefaultOutStatus
	}
	escaped := make([]string, len(list))
	for i, t := range list {
		escaped[i] = "`" + strings.ReplaceAll(t, "`", "'") + "`"
	}
	return views.Reply(lang, "kpi.settings.status", map[string]any{"List": strings.Join(escaped, ", "), "Default": def}), nil
}
