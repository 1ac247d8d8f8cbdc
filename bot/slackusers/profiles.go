// Package slackusers keeps each Slack user's timezone and language: read
// from Slack (users.info) at most daily, stored (storage.UserProfile), and
// served from the store to the bot's commands and its scheduler.
package slackusers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/logctx"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// UserInfoer is the one Slack Web API call Profiles needs.
type UserInfoer interface {
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
}

// Store keeps the profiles; *storage.Store is one.
type Store interface {
	UserProfile(ctx context.Context, workspace, user string) (storage.UserProfile, error)
	SaveUserProfile(ctx context.Context, p storage.UserProfile) error
}

// Timings of Profiles.
const (
	// MaxAge is how old a stored profile may be before a command
	// refreshes it from users.info: people rarely move timezone, and
	// users.info is rate limited per workspace.
	MaxAge = 24 * time.Hour
	// memoryTTL is how long a profile read from the store is served from
	// memory: the scheduler asks for every rep on every tick, and another
	// replica's refresh shows within it.
	memoryTTL = 10 * time.Minute
	// lookupTimeout leaves a command most of Slack's 3 seconds.
	lookupTimeout = 800 * time.Millisecond
	// retryAfterFailure keeps a failed users.info from adding a timeout
	// to every command while Slack is unreachable.
	retryAfterFailure = 5 * time.Minute
)

// Profiles serves users' timezones and locales from the store, and
// refreshes a user's stored profile from Slack's users.info when they run
// a command and it is missing or older than MaxAge. It implements
// bot.Profiles (commands: may ask Slack) and bot.KnownProfiles (the
// scheduler: the store only, never Slack).
type Profiles struct {
	api      UserInfoer
	store    Store
	fallback prompts.Lang
	now      func() time.Time
	log      *slog.Logger

	mu      sync.Mutex
	cache   map[string]cached // workspace/user
	failing bool
	zones   map[string]*time.Location
}

// cached is what the store said of a user, and when it was read.
type cached struct {
	p      storage.UserProfile
	stored bool
	read   time.Time
	// failedAt is the time of the user's last failed users.info.
	failedAt time.Time
}

// New returns profiles kept in store and refreshed through api. fallback
// is the language of users whose Slack locale kpibot does not speak.
func New(api UserInfoer, store Store, fallback prompts.Lang, now func() time.Time, log *slog.Logger) *Profiles {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Profiles{
		api: api, store: store, fallback: fallback, now: now, log: log,
		cache: map[string]cached{}, zones: map[string]*time.Location{},
	}
}

// FromSlack is the stored profile of Slack's user object u, given at at:
// the one place where Slack's user fields become kpibot's.
func FromSlack(workspace string, u *slack.User, at time.Time) storage.UserProfile {
	return storage.UserProfile{
		Workspace: workspace, User: u.ID, TZ: u.TZ, Locale: u.Locale,
		Admin:       u.IsAdmin || u.IsOwner || u.IsPrimaryOwner,
		RefreshedAt: at,
	}
}

// KnownProfile implements bot.KnownProfiles: what the store says of the
// user, never asking Slack.
func (s *Profiles) KnownProfile(ctx context.Context, workspace, user string) (bot.Profile, bool) {
	c := s.stored(ctx, workspace, user)
	if !c.stored {
		return bot.Profile{}, false
	}
	return s.profile(c.p), true
}

// Profile implements bot.Profiles: the stored profile, refreshed first
// through users.info when missing or older than MaxAge. When Slack fails,
// a stale stored profile is still the best answer.
func (s *Profiles) Profile(ctx context.Context, workspace, user string) (bot.Profile, bool) {
	now := s.now()
	c := s.stored(ctx, workspace, user)
	if c.stored && now.Sub(c.p.RefreshedAt) < MaxAge {
		return s.profile(c.p), true
	}
	if !c.failedAt.IsZero() && now.Sub(c.failedAt) < retryAfterFailure {
		return s.profile(c.p), c.stored
	}
	p, err := s.Refresh(ctx, workspace, user)
	if err != nil {
		return s.profile(c.p), c.stored
	}
	return s.profile(p), true
}

// Refresh reads user from users.info and stores the answer. A failed
// lookup is logged once per outage and not tried again for a while by
// Profile.
func (s *Profiles) Refresh(ctx context.Context, workspace, user string) (storage.UserProfile, error) {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	u, err := s.api.GetUserInfoContext(ctx, user)
	if err == nil && (u == nil || u.ID == "") {
		err = errors.New("no user in the answer")
	}
	key := workspace + "/" + user
	s.mu.Lock()
	if err != nil {
		// Log once per outage, not once per command.
		if !s.failing {
			logctx.Logger(ctx, s.log).Warn("slack users.info failed; using the stored or the workspace timezone and language", "err", err)
		}
		s.failing = true
		c := s.cache[key]
		c.failedAt = s.now()
		s.cache[key] = c
		s.mu.Unlock()
		return storage.UserProfile{}, fmt.Errorf("slackusers: users.info of %s: %w", user, err)
	}
	if s.failing {
		logctx.Logger(ctx, s.log).Info("slack users.info works again")
	}
	s.failing = false
	s.mu.Unlock()
	p := FromSlack(workspace, u, s.now())
	return p, s.Save(ctx, p)
}

// Save stores p (from users.info, users.list or a user_change event) and
// serves it from now on.
func (s *Profiles) Save(ctx context.Context, p storage.UserProfile) error {
	s.mu.Lock()
	s.cache[p.Workspace+"/"+p.User] = cached{p: p, stored: true, read: s.now()}
	s.mu.Unlock()
	if err := s.store.SaveUserProfile(context.WithoutCancel(ctx), p); err != nil {
		// The answer still serves this process; the next command retries.
		logctx.Logger(ctx, s.log).Error("user profile not stored", "workspace", p.Workspace, "user", p.User, "err", err)
		return fmt.Errorf("slackusers: %w", err)
	}
	return nil
}

// RefreshStale refreshes, one users.info each, the users of a workspace
// whose stored profile is missing or older than MaxAge: reps who never ran
// a command still get reminders in their own timezone. It stops at the
// first failure (Slack down, or rate limited: the next pass goes on) and
// returns how many it refreshed.
func (s *Profiles) RefreshStale(ctx context.Context, workspace string, users []string) (int, error) {
	n := 0
	for _, u := range users {
		c := s.stored(ctx, workspace, u)
		if c.stored && s.now().Sub(c.p.RefreshedAt) < MaxAge {
			continue
		}
		if _, err := s.Refresh(ctx, workspace, u); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// stored is the user's cache entry, read again from the store once
// memoryTTL old.
func (s *Profiles) stored(ctx context.Context, workspace, user string) cached {
	key := workspace + "/" + user
	now := s.now()
	s.mu.Lock()
	c, hit := s.cache[key]
	s.mu.Unlock()
	if hit && now.Sub(c.read) < memoryTTL {
		return c
	}
	p, err := s.store.UserProfile(ctx, workspace, user)
	switch {
	case err == nil:
		c.p, c.stored = p, true
	case errors.Is(err, storage.ErrNotFound):
		c.p, c.stored = storage.UserProfile{}, false
	default:
		// Keep what memory had; read again next time.
		logctx.Logger(ctx, s.log).Error("user profile not read", "workspace", workspace, "user", user, "err", err)
		return c
	}
	c.read = now
	s.mu.Lock()
	s.cache[key] = c
	s.mu.Unlock()
	return c
}

// profile is the bot's view of a stored profile: a language kpibot speaks
// and a loaded timezone, nil when Slack gave none it knows.
func (s *Profiles) profile(p storage.UserProfile) bot.Profile {
	out := bot.Profile{Lang: prompts.LangFromLocale(p.Locale, s.fallback), Admin: p.Admin}
	if p.TZ == "" {
		return out
	}
	s.mu.Lock()
	loc, ok := s.zones[p.TZ]
	s.mu.Unlock()
	if !ok {
		// LoadLocation reads the zone database each time: once per zone.
		loc, _ = time.LoadLocation(p.TZ)
		s.mu.Lock()
		s.zones[p.TZ] = loc
		s.mu.Unlock()
	}
	out.Loc = loc
	return out
}

// ProfileChanged implements bot.ProfileListener: a user_change stores the
// user's new timezone and language at once, so the next command and
// reminder use them. What the event leaves out (Slack sends the locale
// only to some apps) is kept from the stored profile; a profile still
// missing a field stays due for a users.info at the user's next command.
func (s *Profiles) ProfileChanged(ctx context.Context, workspace, user string, change bot.ProfileChange) error {
	if change.Deleted || change.Bot {
		return nil
	}
	c := s.stored(ctx, workspace, user)
	p := c.p
	p.Workspace, p.User = workspace, user
	if change.TZ != "" {
		p.TZ = change.TZ
	}
	if change.Locale != "" {
		p.Locale = change.Locale
	}
	// A demoted admin loses the role at once, a promoted one gains it.
	p.Admin = change.Admin
	if p.TZ != "" && p.Locale != "" {
		p.RefreshedAt = s.now()
	}
	return s.Save(ctx, p)
}
