package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kpibot/kpibot/bot/logctx"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/storage"
)

// The Slack events the bot handles; the manifests subscribe to exactly
// these (a test holds them to it).
const (
	EventAppHomeOpened  = "app_home_opened"
	EventAppUninstalled = "app_uninstalled"
	EventTokensRevoked  = "tokens_revoked"
	EventUserChange     = "user_change"
)

// HandledEvents lists the events HandleEvent acts on, in the manifests'
// order.
func HandledEvents() []string {
	return []string{EventAppHomeOpened, EventAppUninstalled, EventTokensRevoked, EventUserChange}
}

// Event is one Slack event, as both transports decode it, with what the
// bot needs of it and nothing of the wire.
type Event struct {
	// ID is Slack's event_id: the same on every redelivery.
	ID string
	// Workspace is the team the event is for (its enterprise for an
	// org-wide install).
	Workspace string
	Type      string
	// User is who the event is about: who opened App Home, whose profile
	// changed.
	User string
	// Retry is Slack's redelivery number (X-Slack-Retry-Num, or the
	// envelope's retry_attempt); 0 for the first delivery.
	Retry int
	// Tab is app_home_opened's tab: "home" or "messages".
	Tab string
	// Profile is user_change's new profile.
	Profile *ProfileChange
	// BotTokensRevoked is tokens_revoked's: whether a bot token is among
	// those revoked (a user token alone is none of the bot's business).
	BotTokensRevoked bool
	// Source is the transport that delivered it.
	Source string
}

// ProfileChange is what a user_change says about the user.
type ProfileChange struct {
	TZ, Locale              string
	StatusText, StatusEmoji string
	// StatusExpires is when the status clears; zero when it does not.
	StatusExpires time.Time
	Deleted, Bot  bool
	// Admin: the user is now one of the workspace's admins or owners; a
	// user_change carries the whole user object, so it is always said.
	Admin bool
}

// ProfileListener hears of users' new profiles (user_change), so a
// cached or stored profile follows Slack's at once instead of at its
// next lookup; slackusers.Profiles is one.
type ProfileListener interface {
	ProfileChanged(ctx context.Context, workspace, user string, p ProfileChange) error
}

// TokenCache forgets a workspace's token the moment it is revoked, so no
// call goes out with it afterwards; tenancy.Tokens is one.
type TokenCache interface {
	Forget(workspace string)
}

// EventClaimer makes each event handled once across redeliveries and
// replicas: the claims of the rituals, keyed by event_id.
type EventClaimer interface {
	AlertClaimer
	ReleaseOccurrence(ctx context.Context, id, holder string) error
}

// InstallStore keeps each workspace's installation.
type InstallStore interface {
	Installation(ctx context.Context, workspace string) (storage.Installation, error)
	RevokeInstallation(ctx context.Context, workspace, by string, at time.Time) error
}

// StatusStore keeps what each user's Slack status says of their
// absence, and each workspace's list of statuses that mean out.
type StatusStore interface {
	WorkspaceSettings(ctx context.Context, workspace string) (storage.Workspace, error)
	SaveStatusAbsence(ctx context.Context, a storage.StatusAbsence) error
	StatusAway(ctx context.Context, workspace, user, day string) (bool, error)
	LastStatus(ctx context.Context, workspace, user string) (storage.StatusAbsence, error)
}

// eventStore is what events read and write.
type eventStore interface {
	EventClaimer
	InstallStore
	StatusStore
}

// eventLease bounds how long a replica holds an event it is handling;
// Slack redelivers after 3 s, 1 min and 5 min, so a redelivery inside
// the lease waits for the first to finish or fail.
const eventLease = 2 * time.Minute

// events handles Slack events, each once.
type events struct {
	store    eventStore
	profiles ProfileListener // nil: nothing to tell
	tokens   TokenCache      // nil: single-workspace mode
	home     *home
	replica  string
	env
}

// errEventIncomplete is an event without what it must carry.
var errEventIncomplete = errors.New("bot: event without a workspace or an ID")

// handle acts on ev once: a redelivery, or the same event reaching
// another replica, finds it claimed and is only acknowledged. A failure
// releases the claim, so Slack's next redelivery tries again.
func (e *events) handle(ctx context.Context, ev Event) error {
	act := e.action(ev)
	if act == nil {
		return nil
	}
	if ev.Workspace == "" || ev.ID == "" {
		return errEventIncomplete
	}
	log := logctx.Logger(ctx, e.log)
	id := ev.Workspace + "/event/" + ev.ID
	holder := e.replica + "/" + randomKey()
	if _, err := e.store.ClaimOccurrence(ctx, ev.Workspace, id, holder, e.now(), eventLease); errors.Is(err, storage.ErrClaimed) {
		log.Debug("event redelivered: already handled", "event", ev.Type, "event_id", ev.ID, "workspace", ev.Workspace, "retry", ev.Retry)
		return nil
	} else if err != nil {
		return fmt.Errorf("bot: claim event %s: %w", ev.ID, err)
	}
	if err := act(ctx, ev); err != nil {
		if rerr := e.store.ReleaseOccurrence(context.WithoutCancel(ctx), id, holder); rerr != nil {
			log.Error("event claim not released", "event_id", ev.ID, "err", rerr)
		}
		return fmt.Errorf("bot: %s: %w", ev.Type, err)
	}
	return e.store.MarkOccurrenceDone(ctx, id, holder, "", e.now())
}

// action is what ev calls for, or nil when it calls for nothing.
func (e *events) action(ev Event) func(context.Context, Event) error {
	switch ev.Type {
	case EventAppHomeOpened:
		if ev.User != "" && e.home != nil && e.home.ui != nil {
			return e.home.opened
		}
	case EventAppUninstalled:
		return e.revoke
	case EventTokensRevoked:
		if ev.BotTokensRevoked {
			return e.revoke
		}
	case EventUserChange:
		if ev.Profile != nil && ev.User != "" && !ev.Profile.Bot {
			return e.userChanged
		}
	}
	return nil
}

// revoke deletes the workspace's token and stops its rituals; its data
// stays until an admin erases it.
func (e *events) revoke(ctx context.Context, ev Event) error {
	if err := e.store.RevokeInstallation(ctx, ev.Workspace, ev.Type, e.now()); err != nil {
		return err
	}
	if e.tokens != nil {
		e.tokens.Forget(ev.Workspace)
	}
	logctx.Logger(ctx, e.log).Info("app removed from a workspace: its token is deleted and its rituals stopped; its data is kept", "workspace", ev.Workspace, "event", ev.Type)
	return nil
}

// userChanged takes a user_change: the new profile for whoever keeps
// profiles, and the status, which says whether the user is out today.
func (e *events) userChanged(ctx context.Context, ev Event) error {
	if e.profiles != nil {
		if err := e.profiles.ProfileChanged(ctx, ev.Workspace, ev.User, *ev.Profile); err != nil {
			return err
		}
	}
	return e.statusChanged(ctx, ev)
}

// statusChanged records whether the user's new Slack status says they are
// out, from today (in their timezone) to the status's expiry: that day's
// reminder is then not sent, as with /kpi away.
func (e *events) statusChanged(ctx context.Context, ev Event) error {
	if ev.Profile.Deleted {
		return nil
	}
	list, err := outStatusList(ctx, e.store, ev.Workspace)
	if err != nil {
		return err
	}
	loc := e.users.profile(ctx, ev.Workspace, ev.User).Loc
	a := statusAbsence(ev.Workspace, ev.User, ev.Profile.StatusText, ev.Profile.StatusEmoji, ev.Profile.StatusExpires, list, e.now(), loc)
	if err := e.store.SaveStatusAbsence(ctx, a); err != nil {
		return err
	}
	logctx.Logger(ctx, e.log).Debug("slack status read", "workspace", ev.Workspace, "user", ev.User, "out", a.Out, "until", a.Until)
	return nil
}

// outStatusList is the workspace's list of statuses that mean out, kpi's
// default when it chose none.
func outStatusList(ctx context.Context, store interface {
	WorkspaceSettings(ctx context.Context, workspace string) (storage.Workspace, error)
}, workspace string) ([]string, error) {
	ws, err := store.WorkspaceSettings(ctx, workspace)
	if err != nil {
		return nil, err
	}
	if ws.OutStatus == nil {
		return kpi.DefaultOutStatus, nil
	}
	return ws.OutStatus, nil
}

// statusAbsence is what a Slack status (its text, emoji and expiry, zero
// when it does not expire), read at now, says of its owner's absence: out
// from today in their timezone loc to the expiry's day, or open while the
// status lasts; or not out. Events and users.profile.get both read
// statuses through it.
func statusAbsence(workspace, user, text, emoji string, expires time.Time, list []string, now time.Time, loc *time.Location) storage.StatusAbsence {
	a := storage.StatusAbsence{Workspace: workspace, User: user, At: now, Out: kpi.StatusOut(text, emoji, list)}
	if a.Out && !expires.IsZero() {
		if !expires.After(now) {
			a.Out = false // a status already expired says nothing
		} else {
			a.Until = kpi.DateOf(expires.In(loc)).String()
		}
	}
	if a.Out {
		a.From = kpi.DateOf(now.In(loc)).String()
	}
	return a
}

// installed reports whether the app is installed in workspace: a
// workspace that uninstalled it, or revoked its token, runs no ritual.
// A workspace without a record is installed (the single-workspace mode).
func installed(ctx context.Context, store InstallStore, workspace string) (bool, error) {
	in, err := store.Installation(ctx, workspace)
	if errors.Is(err, storage.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return in.Active(), nil
}
