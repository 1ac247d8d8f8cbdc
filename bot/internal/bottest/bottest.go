// Package bottest builds bot handlers for the tests of bot and of the
// transports around it: the handler every test starts from, profiles
// from a map, and a handler that panics.
package bottest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/prompts"
)

// DemoWorkspace is the console's demo workspace (console.Workspace),
// where the first user is the admin.
const DemoWorkspace = "console-demo"

// NewHandler is a handler on store in Paris, in French, on the clock now,
// with profiles (nil: everyone gets the defaults) and no outbox.
func NewHandler(t testing.TB, store bot.Store, now func() time.Time, profiles bot.Profiles) *bot.Handler {
	t.Helper()
	return bot.NewHandler(bot.HandlerConfig{Store: store, Profiles: profiles, Now: now, TZ: testkit.Paris, Lang: prompts.French, Logger: testkit.Quiet, DemoWorkspace: DemoWorkspace})
}

// Profiles answers from a map, like stored profiles would, to commands
// and to the scheduler alike.
type Profiles map[string]bot.Profile

// Profile implements bot.Profiles.
func (f Profiles) Profile(_ context.Context, _, user string) (bot.Profile, bool) {
	p, ok := f[user]
	return p, ok
}

// KnownProfile implements bot.KnownProfiles.
func (f Profiles) KnownProfile(ctx context.Context, workspace, user string) (bot.Profile, bool) {
	return f.Profile(ctx, workspace, user)
}

// Panicky panics on every command and interaction, standing for any bug
// a payload may reach.
type Panicky struct{}

// Handle panics with a value.
func (Panicky) Handle(context.Context, bot.Command) (slack.Msg, error) { panic("boom") }

// Interact panics at run time.
func (Panicky) Interact(context.Context, slack.InteractionCallback) (any, error) {
	var m map[string]string
	//lint:ignore SA5000 a real runtime panic is the point
	m["x"] = "nil map"
	return nil, nil
}

// Heard is one profile change a Listener heard of.
type Heard struct {
	Workspace, User string
	Change          bot.ProfileChange
}

// Listener records the user_change events the bot passes on.
type Listener struct {
	mu    sync.Mutex
	heard []Heard
}

// ProfileChanged implements bot.ProfileListener.
func (l *Listener) ProfileChanged(_ context.Context, workspace, user string, p bot.ProfileChange) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.heard = append(l.heard, Heard{workspace, user, p})
	return nil
}

// Heard returns what it heard, in order.
func (l *Listener) Heard() []Heard {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.heard)
}
