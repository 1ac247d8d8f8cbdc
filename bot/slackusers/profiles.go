// Package slackusers reads each user's timezone and language from Slack's
// users.info, cached, for the bot's Profiles.
package slackusers

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/logctx"
	"github.com/kpibot/kpibot/prompts"
)

// UserInfoer is the one Slack Web API call Profiles needs.
type UserInfoer interface {
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
}

// Profiles reads users' timezone and locale from Slack's users.info, with
// a cache: a rep logs once or twice a day, and users.info is rate limited
// per workspace. It implements bot.Profiles.
type Profiles struct {
	api      UserInfoer
	fallback prompts.Lang
	timeout  time.Duration
	ttl      time.Duration
	retry    time.Duration
	now      func() time.Time
	log      *slog.Logger

	mu      sync.Mutex
	cache   map[string]cachedProfile
	failing bool
}

type cachedProfile struct {
	p       bot.Profile
	ok      bool
	expires time.Time
}

// New returns a lookup through api. fallback is the language for users
// whose Slack locale kpibot does not speak.
func New(api UserInfoer, fallback prompts.Lang, now func() time.Time, log *slog.Logger) *Profiles {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Profiles{
		api:      api,
		fallback: fallback,
		// Short enough to leave the command most of Slack's 3 seconds.
		timeout: 800 * time.Millisecond,
		ttl:     time.Hour,
		// A failed lookup is not retried for a while, so an unreachable
		// Slack does not add a timeout to every command.
		retry: 5 * time.Minute,
		now:   now,
		log:   log,
		cache: map[string]cachedProfile{},
	}
}

// Profile implements bot.Profiles.
func (s *Profiles) Profile(ctx context.Context, workspace, user string) (bot.Profile, bool) {
	key := workspace + "/" + user
	now := s.now()
	s.mu.Lock()
	c, hit := s.cache[key]
	s.mu.Unlock()
	if hit && now.Before(c.expires) {
		return c.p, c.ok
	}

	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	u, err := s.api.GetUserInfoContext(ctx, user)
	var p bot.Profile
	if err == nil {
		p.Lang = prompts.LangFromLocale(u.Locale, s.fallback)
		if loc, lerr := time.LoadLocation(u.TZ); lerr == nil && u.TZ != "" {
			p.Loc = loc
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		// Log once per outage, not once per command.
		if !s.failing {
			logctx.Logger(ctx, s.log).Warn("slack users.info failed; using the workspace timezone and language", "err", err)
		}
		s.failing = true
		s.cache[key] = cachedProfile{expires: now.Add(s.retry)}
		return bot.Profile{}, false
	}
	if s.failing {
		logctx.Logger(ctx, s.log).Info("slack users.info works again")
	}
	s.failing = false
	s.cache[key] = cachedProfile{p: p, ok: true, expires: now.Add(s.ttl)}
	return p, true
}
