package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/tenancy"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
	"github.com/kpibot/kpibot/storage"
)

// Store is all the storage the bot needs; *storage.Store is one.
// NewHandler hands each part of the bot the few methods it uses.
type Store interface {
	CheckInStore
	FigureStore
	TeamStore
	ObjectiveStore
	RitualStore
	HolidayStore
	PracticeStore
	AlertClaimer
	CoachStore
	SettingsStore
	EventClaimer
	InstallStore
	PrivacyStore
	CommitmentStore
	EraseStore
	MySettingsStore
	StatusStore
	LangStore
}

// Profile is what the handler needs to know about a user.
type Profile struct {
	Loc  *time.Location
	Lang prompts.Lang
	// Admin: Slack counts the user among the workspace's admins or owners.
	Admin bool
}

// Profiles looks users up. ok is false when the user is unknown or the
// lookup failed; the handler then uses the workspace defaults, because a
// failed lookup must never fail the user's command.
type Profiles interface {
	Profile(ctx context.Context, workspace, user string) (p Profile, ok bool)
}

// KnownProfiles is what the scheduler's side of the bot reads instead of
// Profiles when the Profiles in HandlerConfig implements it: what is
// already known of a user (stored), never a Slack call. The scheduler
// asks for every rep on every tick, where a users.info per rep would run
// into Slack's rate limits and, failing, put reminders in the wrong
// timezone. Profiles that do not implement it give the scheduler the
// workspace defaults.
type KnownProfiles interface {
	KnownProfile(ctx context.Context, workspace, user string) (p Profile, ok bool)
}

// HandlerConfig wires a Handler.
type HandlerConfig struct {
	Store Store
	// Profiles may be nil (the console): every user gets the defaults.
	Profiles Profiles
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// TZ and Lang are the workspace defaults.
	TZ   *time.Location
	Lang prompts.Lang
	// Vocabulary is the /log word table; kpi's default when nil. Each
	// workspace adds its team words to it.
	Vocabulary *kpi.Vocabulary
	// Currency is the ISO code of the currency of workspaces that chose
	// none (KPIBOT_CURRENCY); kpi.DefaultCurrency when empty.
	Currency string
	// Outbox sends the messages of rituals run with /kpi ritual run; nil
	// leaves that command unavailable.
	Outbox Outbox
	// Drafter proposes coaching questions; templates only when nil.
	Drafter Drafter
	// ProfileListener hears of user_change events; when nil, Profiles
	// does if it is one (slackusers.Profiles is).
	ProfileListener ProfileListener
	// DemoWorkspace is the console's local demo workspace, where the
	// first user is the admin because there is no Slack to ask. Anywhere
	// else admins are Slack's admins and owners and the installer.
	DemoWorkspace string
	// Tokens is told of each revoked workspace (OAuth mode); nil in
	// single-workspace mode.
	Tokens TokenCache
	// Replica names this process in claims; random when empty.
	Replica string
	Logger  *slog.Logger
}

// Handler is the transport-free core: it takes a command or an
// interaction and returns what to show, routing each to the part of the
// bot that owns it. Each part holds only the storage and services it uses.
type Handler struct {
	store   Store
	teams   TeamStore // who is asking, for /kpi's permissions
	demo    string    // HandlerConfig.DemoWorkspace
	users   users
	figures figures
	now     func() time.Time
	replica string
	log     *slog.Logger

	checkIns     *checkIns
	numbers      *numbers
	goals        *goals
	roster       *roster
	calendar     *calendar
	reminders    *reminders
	coaching     *coaching
	practices    *practices
	alerts       *alerts
	interactions *interactions
	settings     *settings
	events       *events
	privacy      *privacy
	home         *home
	forget       *forget
	mySettings   *mySettings
	export       *export
}

// NewHandler returns a Handler with cfg's defaults filled in, its parts
// wired together.
func NewHandler(cfg HandlerConfig) *Handler {
	now, replica, log := cfg.Now, cfg.Replica, cfg.Logger
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	if replica == "" {
		replica = randomKey()
	}
	langStore, _ := cfg.Store.(LangStore)
	u := users{profiles: cfg.Profiles, tz: cfg.TZ, lang: cfg.Lang, langs: newLangCache(langStore, now)}
	if u.tz == nil {
		u.tz = time.UTC
	}
	if u.lang == "" {
		u.lang = prompts.French
	}
	vocab := cfg.Vocabulary
	if vocab == nil {
		vocab = kpi.DefaultVocabulary()
	}
	store := cfg.Store
	prefs, _ := store.(reminderPrefs)

	e := env{users: u, now: now, log: log}
	set := newSettings(store, vocab, cfg.Currency, e)
	fig := figures{store: store, settings: set}
	h := &Handler{store: store, teams: store, demo: cfg.DemoWorkspace, users: u, figures: fig, now: now, replica: replica, log: log, settings: set}
	h.alerts = &alerts{store: store, figures: fig, outbox: cfg.Outbox, replica: replica, env: e}
	h.checkIns = &checkIns{store: store, settings: set, alerts: h.alerts, env: e}
	h.privacy = &privacy{store: store}
	h.forget = &forget{store: store, teams: store, outbox: cfg.Outbox, env: e}
	h.export = &export{store: store, figures: fig, settings: set, outbox: cfg.Outbox, env: e}
	h.numbers = &numbers{figures: fig, commitments: store, settings: set, privacy: store}
	h.goals = &goals{store: store, figures: fig, settings: set, outbox: cfg.Outbox, env: e}
	h.roster = &roster{store: store, outbox: cfg.Outbox, env: e}
	h.practices = &practices{store: store, now: now}
	h.reminders = &reminders{store: store, prefs: prefs, env: e}
	h.coaching = &coaching{store: store, figures: fig, outbox: cfg.Outbox, drafter: cfg.Drafter, commands: h, env: e}
	h.calendar = &calendar{store: store, outbox: cfg.Outbox, reminders: h.reminders, replica: replica, env: e}
	h.calendar.poster = NewRitualPoster(h, cfg.Outbox)
	listener := cfg.ProfileListener
	if listener == nil {
		listener, _ = cfg.Profiles.(ProfileListener)
	}
	h.home = &home{numbers: h.numbers, checkIns: h.checkIns, store: store, actorOf: h.actor, env: e}
	h.checkIns.home = h.home
	h.mySettings = &mySettings{store: store, home: h.home, env: e}
	h.events = &events{store: store, profiles: listener, tokens: cfg.Tokens, home: h.home, replica: replica, env: e}
	h.interactions = &interactions{store: store, settings: set, commands: h, checkIns: h.checkIns, reminders: h.reminders, coaching: h.coaching, roster: h.roster, home: h.home, forget: h.forget, mySettings: h.mySettings, numbers: h.numbers, actor: h.actor, env: e}
	return h
}

// Handle answers one command.
func (h *Handler) Handle(ctx context.Context, cmd Command) (slack.Msg, error) {
	// Every Slack call the command makes, now or in the background, uses
	// the token of the workspace it came from.
	ctx = tenancy.With(ctx, cmd.Workspace)
	p := h.users.profile(ctx, cmd.Workspace, cmd.User)
	switch cmd.Name {
	case "/log":
		return h.checkIns.handle(ctx, cmd, p)
	case "/kpi":
		return h.kpi(ctx, cmd, p)
	default:
		return views.Reply(p.Lang, prompts.CommandUnknown, map[string]string{"Command": views.Escape(cmd.Name)}), nil
	}
}

// Interact answers one interaction: a click on a reminder's or a coaching
// draft's button, or the submission of the check-in or the coaching
// modal. response is what Slack must receive in the acknowledgement (the
// HTTP body, or the Socket Mode ack payload), nil for an empty
// acknowledgement. A non-nil error is for the log; the response stands
// either way.
//
// The work outlives the request that carried it, within interactBudget:
// a check-in whose answer Slack dropped is still stored once.
func (h *Handler) Interact(ctx context.Context, cb slack.InteractionCallback) (any, error) {
	return h.interactions.interact(tenancy.With(ctx, interactionCommand(cb).Workspace), cb)
}

// HandleEvent acts on one Slack event, once however often Slack
// delivers it. The transports acknowledge the event first: Slack wants
// its answer within 3 seconds, and nothing the bot does with an event
// goes back in that answer. A non-nil error is for the log.
func (h *Handler) HandleEvent(ctx context.Context, ev Event) error {
	return h.events.handle(tenancy.With(ctx, ev.Workspace), ev)
}

// SetSlackUI gives the handler the Slack client it needs to open the
// check-in and coaching modals (views.open) and snooze reminders
// (chat.scheduleMessage). Without one, those buttons tell the user to use
// /log. Call it before serving.
func (h *Handler) SetSlackUI(ui slackUI) {
	h.interactions.ui, h.reminders.ui, h.coaching.ui, h.home.ui, h.checkIns.ui, h.mySettings.ui = ui, ui, ui, ui, ui, ui
	// A client that reads profiles (*slack.Client does) also reads the
	// Slack status of reps the bot heard nothing of today, at reminder time.
	if sp, ok := ui.(statusProfiler); ok {
		h.reminders.status = sp
	}
}

// RitualJobs builds the jobs of every stored team, for the scheduler's
// first pass, and fills the index of next-due times when teams is a
// DueIndex; see calendar.jobs.
func (h *Handler) RitualJobs(ctx context.Context, teams TeamLister, now time.Time) ([]rituals.Job, error) {
	return h.calendar.jobs(ctx, teams, now)
}

// DueRitualJobs builds the jobs of the teams due within window and of the
// busy ones, for the scheduler's later passes (rituals.Runner.TickTeams):
// their cost follows the teams due, not the teams stored. Settings change
// live, as every write they depend on marks the team due; see
// calendar.dueJobs.
func (h *Handler) DueRitualJobs(ctx context.Context, idx DueIndex, now time.Time, window time.Duration, busy []rituals.TeamRef) ([]rituals.TeamRef, []rituals.Job, error) {
	return h.calendar.dueJobs(ctx, idx, now, window, busy)
}

// Wait blocks until background work (alerts after check-ins) is done:
// graceful shutdown calls it.
func (h *Handler) Wait() {
	h.alerts.wait()
	h.home.wait()
}

// Stop drops the background work that can wait for a person's next
// visit (App Home refreshes not yet started), cancels the refreshes under
// way, and waits for the rest as Wait does: graceful shutdown calls it.
func (h *Handler) Stop() {
	h.home.refresher.stop()
	h.Wait()
}

// Replica is the name this process uses in claims.
func (h *Handler) Replica() string { return h.replica }

// env is what most parts of the bot share: who people are, the clock and
// the log.
type env struct {
	users users
	now   func() time.Time
	log   *slog.Logger
}

// users looks people up, with the workspace defaults for whatever the
// lookup does not say.
type users struct {
	profiles Profiles
	tz       *time.Location
	lang     prompts.Lang
	// langs are the languages people chose over their Slack locale.
	langs *langCache
}

// profile is user's timezone and language.
func (u users) profile(ctx context.Context, workspace, user string) Profile {
	p := Profile{Loc: u.tz, Lang: u.lang}
	if u.profiles == nil {
		return u.chosen(ctx, workspace, user, p)
	}
	if got, ok := u.profiles.Profile(ctx, workspace, user); ok {
		if got.Loc != nil {
			p.Loc = got.Loc
		}
		if got.Lang != "" {
			p.Lang = got.Lang
		}
	}
	return u.chosen(ctx, workspace, user, p)
}

// chosen is p with the language user chose in their settings, if any,
// over their Slack locale.
func (u users) chosen(ctx context.Context, workspace, user string, p Profile) Profile {
	if lang, ok := u.langs.of(ctx, workspace, user); ok {
		p.Lang = lang
	}
	return p
}

// slackAdmin says whether Slack counts user among the workspace's admins
// and owners; known is false when Slack could not be asked and nothing
// of the user is stored, and then nobody gains a role.
func (u users) slackAdmin(ctx context.Context, workspace, user string) (admin, known bool) {
	if u.profiles == nil {
		return false, false
	}
	p, ok := u.profiles.Profile(ctx, workspace, user)
	return ok && p.Admin, ok
}

// known is user's timezone and language as already known, with no Slack
// call: for the scheduler and what it posts.
func (u users) known(ctx context.Context, workspace, user string) Profile {
	p := Profile{Loc: u.tz, Lang: u.lang}
	kp, ok := u.profiles.(KnownProfiles)
	if !ok {
		return u.chosen(ctx, workspace, user, p)
	}
	if got, ok := kp.KnownProfile(ctx, workspace, user); ok {
		if got.Loc != nil {
			p.Loc = got.Loc
		}
		if got.Lang != "" {
			p.Lang = got.Lang
		}
	}
	return u.chosen(ctx, workspace, user, p)
}

// randomKey names what needs a unique name: a replica without one, a
// claim's holder, a manual coaching occurrence.
func randomKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// *storage.Store is the Store of production.
var _ Store = (*storage.Store)(nil)
