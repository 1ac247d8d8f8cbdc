package bot

import (
	"context"
	"sync"
	"time"

	"github.com/kpibot/kpibot/prompts"
)

// LangStore reads the language each person chose over their Slack
// locale (the settings modal saves it, with their other choices).
type LangStore interface {
	UserLangs(ctx context.Context, workspace string) (map[string]string, error)
}

// langTTL is how long a workspace's chosen languages are served from
// memory: the scheduler asks for every rep on every tick, and another
// replica's change shows within it.
const langTTL = time.Minute

// langCache serves the languages people chose, one query per workspace
// and langTTL.
type langCache struct {
	store LangStore
	now   func() time.Time

	mu    sync.Mutex
	byWS  map[string]map[string]string
	until map[string]time.Time
}

func newLangCache(store LangStore, now func() time.Time) *langCache {
	return &langCache{store: store, now: now, byWS: map[string]map[string]string{}, until: map[string]time.Time{}}
}

// of is the language user chose, ok false when they chose none (or it
// could not be read: the Slack locale then stands).
func (c *langCache) of(ctx context.Context, workspace, user string) (prompts.Lang, bool) {
	if c == nil || c.store == nil {
		return "", false
	}
	now := c.now()
	c.mu.Lock()
	langs, fresh := c.byWS[workspace], now.Before(c.until[workspace])
	c.mu.Unlock()
	if !fresh {
		got, err := c.store.UserLangs(ctx, workspace)
		if err != nil {
			return "", false
		}
		c.mu.Lock()
		c.byWS[workspace], c.until[workspace] = got, now.Add(langTTL)
		c.mu.Unlock()
		langs = got
	}
	lang, ok := prompts.ParseLang(langs[user])
	return lang, ok && langs[user] != ""
}

// forget makes the next lookup in workspace read the store again: after
// a write of a language elsewhere (the settings modal's single write).
func (c *langCache) forget(workspace string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	delete(c.until, workspace)
	c.mu.Unlock()
}
