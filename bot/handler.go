package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// Store is all the storage the handler needs.
type Store interface {
	CheckInStore
	KPIStore
	RitualStore
	PracticeStore
	AlertClaimer
	HolidayStore
	CoachStore
}

// CheckInStore is the storage the handler needs for check-ins.
type CheckInStore interface {
	SaveCheckIn(ctx context.Context, c storage.CheckIn, weekStart string, dayCap int) (storage.CheckIn, bool, storage.Week, error)
	UndoLastCheckIn(ctx context.Context, workspace, user, day, weekStart string, at time.Time) (storage.CheckIn, error)
}

// Profile is what the handler needs to know about a user.
type Profile struct {
	Loc  *time.Location
	Lang prompts.Lang
}

// Profiles looks users up. ok is false when the user is unknown or the
// lookup failed; the handler then uses the workspace defaults, because a
// failed lookup must never fail the user's command.
type Profiles interface {
	Profile(ctx context.Context, workspace, user string) (p Profile, ok bool)
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
	// Vocabulary is the /log word table; kpi's default when nil.
	Vocabulary *kpi.Vocabulary
	// Outbox sends the messages of rituals run with /kpi ritual run; nil
	// leaves that command unavailable.
	Outbox Outbox
	// Drafter proposes coaching questions; templates only when nil.
	Drafter Drafter
	// Replica names this process in claims; random when empty.
	Replica string
	Logger  *slog.Logger
}

// Handler is the transport-free core: it takes a command and returns the
// message to show.
type Handler struct {
	store    Store
	profiles Profiles
	now      func() time.Time
	tz       *time.Location
	lang     prompts.Lang
	parser   *kpi.Parser
	vocab    *kpi.Vocabulary
	outbox   Outbox
	ui       slackUI
	drafter  Drafter
	replica  string
	log      *slog.Logger

	background sync.WaitGroup
}

// NewHandler returns a Handler with cfg's defaults filled in.
func NewHandler(cfg HandlerConfig) *Handler {
	h := &Handler{
		store:    cfg.Store,
		profiles: cfg.Profiles,
		now:      cfg.Now,
		tz:       cfg.TZ,
		lang:     cfg.Lang,
		outbox:   cfg.Outbox,
		drafter:  cfg.Drafter,
		replica:  cfg.Replica,
		log:      cfg.Logger,
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.tz == nil {
		h.tz = time.UTC
	}
	if h.lang == "" {
		h.lang = prompts.French
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.replica == "" {
		h.replica = randomKey()
	}
	v := cfg.Vocabulary
	if v == nil {
		v = kpi.DefaultVocabulary()
	}
	h.parser, h.vocab = kpi.NewParser(v), v
	return h
}

// Handle answers one command.
func (h *Handler) Handle(ctx context.Context, cmd Command) (slack.Msg, error) {
	p := h.profile(ctx, cmd)
	switch cmd.Name {
	case "/log":
		return h.checkIn(ctx, cmd, p)
	case "/kpi":
		return h.kpiCmd(ctx, cmd, p)
	default:
		return views.Reply(p.Lang, prompts.CommandUnknown, map[string]string{"Command": views.Escape(cmd.Name)}), nil
	}
}

func (h *Handler) profile(ctx context.Context, cmd Command) Profile {
	p := Profile{Loc: h.tz, Lang: h.lang}
	if h.profiles == nil {
		return p
	}
	if got, ok := h.profiles.Profile(ctx, cmd.Workspace, cmd.User); ok {
		if got.Loc != nil {
			p.Loc = got.Loc
		}
		if got.Lang != "" {
			p.Lang = got.Lang
		}
	}
	return p
}

// checkIn handles /log <text>, /log help and /log undo.
func (h *Handler) checkIn(ctx context.Context, cmd Command, p Profile) (slack.Msg, error) {
	text := strings.TrimSpace(cmd.Text)
	switch strings.ToLower(text) {
	case "", "help", "aide", "?":
		return views.LogHelp(p.Lang), nil
	case "undo", "annuler":
		return h.undo(ctx, cmd, p)
	}
	now := h.now().In(p.Loc)
	entry, err := h.parser.Parse(text, now)
	if err != nil {
		var pe *kpi.ParseError
		if !errors.As(err, &pe) {
			return views.Reply(p.Lang, prompts.LogFailed, nil), fmt.Errorf("bot: parse /log: %w", err)
		}
		return views.ParseError(p.Lang, text, pe), nil
	}

	weekStart, weekEnd := kpi.WeekOf(entry.Date)
	c, created, week, err := h.store.SaveCheckIn(ctx, storage.CheckIn{
		Workspace:    cmd.Workspace,
		User:         cmd.User,
		Key:          cmd.Key,
		Day:          entry.Date.String(),
		TZ:           p.Loc.String(),
		Raw:          cmd.Text,
		Counts:       countsToStore(entry.Counts),
		RevenueCents: entry.RevenueCents,
		HasRevenue:   entry.HasRevenue,
		Note:         entry.Note,
		Source:       cmd.Source,
		CreatedAt:    h.now(),
	}, weekStart.String(), kpi.MaxPerMetric)
	var capErr *storage.CapError
	if errors.As(err, &capErr) {
		return views.TooManyInADay(p.Lang, kpi.Metric(capErr.Metric), capErr.Total, entry.Date, capErr.Cap), nil
	}
	if errors.Is(err, storage.ErrKeyConflict) {
		h.log.Warn("check-in refused: its key belongs to another user", "workspace", cmd.Workspace, "user", cmd.User, "source", cmd.Source)
		return views.KeyConflict(p.Lang), nil
	}
	if err != nil {
		return views.Reply(p.Lang, prompts.LogFailed, nil), fmt.Errorf("bot: save check-in: %w", err)
	}
	if created {
		h.checkAlertsAfter(ctx, cmd.Workspace, cmd.User)
	}
	day, _ := kpi.ParseDate(c.Day)
	e := views.Entry{Day: day, Tally: tallyOf(c), Note: c.Note}
	return views.Recorded(p.Lang, e, !created, kpi.DateOf(now), weekStart, weekEnd, tally(week.Live())), nil
}

func (h *Handler) undo(ctx context.Context, cmd Command, p Profile) (slack.Msg, error) {
	today := kpi.DateOf(h.now().In(p.Loc))
	monday, _ := kpi.WeekOf(today)
	c, err := h.store.UndoLastCheckIn(ctx, cmd.Workspace, cmd.User, today.String(), monday.String(), h.now())
	if errors.Is(err, storage.ErrNotFound) {
		return views.NothingToUndo(p.Lang, today), nil
	}
	if err != nil {
		return views.Reply(p.Lang, prompts.LogUndoFailed, nil), fmt.Errorf("bot: undo check-in: %w", err)
	}
	return views.Undone(p.Lang, today, c.Raw, tallyOf(c)), nil
}

// tallyOf is what one stored check-in counts.
func tallyOf(c storage.CheckIn) views.Tally {
	return views.Tally{Counts: countsFromStore(c.Counts), RevenueCents: c.RevenueCents, HasRevenue: c.HasRevenue}
}

// tally adds check-ins up.
func tally(cs []storage.CheckIn) views.Tally {
	t := views.Tally{Counts: map[kpi.Metric]int{}}
	for _, c := range cs {
		t.Add(tallyOf(c))
	}
	return t
}

// randomKey names what needs a unique name: a replica without one, a
// claim's holder, a manual coaching occurrence.
func randomKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func countsToStore(in map[kpi.Metric]int) map[string]int {
	out := make(map[string]int, len(in))
	for m, n := range in {
		out[string(m)] = n
	}
	return out
}

func countsFromStore(in map[string]int) map[kpi.Metric]int {
	out := make(map[kpi.Metric]int, len(in))
	for m, n := range in {
		out[kpi.Metric(m)] = n
	}
	return out
}
