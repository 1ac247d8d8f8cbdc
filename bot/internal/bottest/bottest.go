// Package bottest builds bot handlers for the tests of bot and of the
// transports around it: the handler every test starts from, profiles
// from a map, and a handler that panics.
package bottest

import (
	"context"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/prompts"
)

// NewHandler is a handler on store in Paris, in French, on the clock now,
// with profiles (nil: everyone gets the defaults) and no outbox.
func NewHandler(t testing.TB, store bot.Store, now func() time.Time, profiles bot.Profiles) *bot.Handler {
	t.Helper()
	return bot.NewHandler(bot.HandlerConfig{Store: store, Profiles: profiles, Now: now, TZ: testkit.Paris, Lang: prompts.French, Logger: testkit.Quiet})
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
