package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

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
		text := prompts.Text(p.Lang, prompts.CommandUnknown, map[string]string{"Command": escape(cmd.Name)})
		return ephemeral(text, section(text)), nil
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
		return h.help(p.Lang), nil
	case "undo", "annuler":
		return h.undo(ctx, cmd, p)
	}
	now := h.now().In(p.Loc)
	entry, err := h.parser.Parse(text, now)
	if err != nil {
		var pe *kpi.ParseError
		if !errors.As(err, &pe) {
			return h.failure(p.Lang, prompts.LogFailed), fmt.Errorf("bot: parse /log: %w", err)
		}
		return h.parseError(p.Lang, text, pe), nil
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
		m := kpi.Metric(capErr.Metric)
		msg := prompts.Text(p.Lang, prompts.LogErrorTooManyDay, map[string]any{
			"Total": capErr.Total, "Label": prompts.MetricLabel(p.Lang, m, capErr.Total), "Day": prompts.Date(p.Lang, entry.Date), "Limit": capErr.Cap,
		})
		return h.refusal(p.Lang, msg), nil
	}
	if errors.Is(err, storage.ErrKeyConflict) {
		h.log.Warn("check-in refused: its key belongs to another user", "workspace", cmd.Workspace, "user", cmd.User, "source", cmd.Source)
		return h.refusal(p.Lang, prompts.Text(p.Lang, "log.error.key_conflict", nil)), nil
	}
	if err != nil {
		return h.failure(p.Lang, prompts.LogFailed), fmt.Errorf("bot: save check-in: %w", err)
	}
	if created {
		h.checkAlertsAfter(ctx, cmd.Workspace, cmd.User)
	}
	return h.recorded(p.Lang, c, !created, kpi.DateOf(now), weekStart, weekEnd, week.Live()), nil
}

func (h *Handler) recorded(lang prompts.Lang, c storage.CheckIn, repeat bool, today, from, to kpi.Date, week []storage.CheckIn) slack.Msg {
	day, _ := kpi.ParseDate(c.Day)
	items := prompts.Items(lang, countsFromStore(c.Counts), c.RevenueCents, c.HasRevenue)
	title := prompts.Text(lang, prompts.LogRecordedTitle, map[string]string{"Day": prompts.Day(lang, day, today), "Items": items})
	blocks := []slack.Block{section(title)}
	var notes []string
	if c.Note != "" {
		notes = append(notes, prompts.Text(lang, prompts.LogRecordedNote, map[string]string{"Note": escape(c.Note)}))
	}
	if repeat {
		notes = append(notes, prompts.Text(lang, prompts.LogAlready, nil))
	}
	if len(notes) > 0 {
		blocks = append(blocks, contextBlock(notes...))
	}

	counts, revenue, hasRevenue := totals(week)
	weekText := prompts.Text(lang, prompts.LogWeekTitle, map[string]string{"From": prompts.Date(lang, from), "To": prompts.Date(lang, to)}) + "\n"
	if line := prompts.Items(lang, counts, revenue, hasRevenue); line != "" {
		weekText += prompts.Text(lang, prompts.LogWeekLine, map[string]string{"Items": line})
	} else {
		weekText += prompts.Text(lang, prompts.LogWeekEmpty, nil)
	}
	blocks = append(blocks, section(weekText), contextBlock(prompts.Text(lang, prompts.LogFooter, nil)))
	return ephemeral(title, blocks...)
}

func (h *Handler) undo(ctx context.Context, cmd Command, p Profile) (slack.Msg, error) {
	today := kpi.DateOf(h.now().In(p.Loc))
	monday, _ := kpi.WeekOf(today)
	data := map[string]string{"Day": prompts.Date(p.Lang, today)}
	c, err := h.store.UndoLastCheckIn(ctx, cmd.Workspace, cmd.User, today.String(), monday.String(), h.now())
	if errors.Is(err, storage.ErrNotFound) {
		text := prompts.Text(p.Lang, prompts.LogUndoNone, data)
		return ephemeral(text, section(text)), nil
	}
	if err != nil {
		return h.failure(p.Lang, prompts.LogUndoFailed), fmt.Errorf("bot: undo check-in: %w", err)
	}
	data["Raw"] = escape(c.Raw)
	data["Items"] = prompts.Items(p.Lang, countsFromStore(c.Counts), c.RevenueCents, c.HasRevenue)
	text := prompts.Text(p.Lang, prompts.LogUndoDone, data)
	return ephemeral(text, section(text)), nil
}

func (h *Handler) help(lang prompts.Lang) slack.Msg {
	text := prompts.Text(lang, prompts.LogHelp, nil)
	return ephemeral(text, section(text))
}

func (h *Handler) failure(lang prompts.Lang, key prompts.Key) slack.Msg {
	text := prompts.Text(lang, key, nil)
	return ephemeral(text, section(text))
}

// refusal explains why nothing was stored, with an example to copy.
func (h *Handler) refusal(lang prompts.Lang, reason string) slack.Msg {
	text := "⚠️ " + reason + "\n" + prompts.Text(lang, prompts.LogErrorNothingSaved, nil)
	return ephemeral(text, section(text), contextBlock(prompts.Text(lang, prompts.LogErrorExample, nil)))
}

var parseErrorKeys = map[kpi.ErrorKind]prompts.Key{
	kpi.ErrEmpty:               prompts.LogErrorEmpty,
	kpi.ErrUnknownWord:         prompts.LogErrorUnknown,
	kpi.ErrNumberWithoutMetric: prompts.LogErrorNumberNoMetric,
	kpi.ErrMetricWithoutNumber: prompts.LogErrorMetricNoNumber,
	kpi.ErrNegative:            prompts.LogErrorNegative,
	kpi.ErrNotWhole:            prompts.LogErrorNotWhole,
	kpi.ErrTooMany:             prompts.LogErrorTooMany,
	kpi.ErrRevenueTooLarge:     prompts.LogErrorRevenueTooLarge,
	kpi.ErrBadAmount:           prompts.LogErrorBadAmount,
	kpi.ErrBadDate:             prompts.LogErrorBadDate,
	kpi.ErrFutureDate:          prompts.LogErrorFutureDate,
	kpi.ErrTooOld:              prompts.LogErrorTooOld,
	kpi.ErrTwoDates:            prompts.LogErrorTwoDates,
	kpi.ErrTooLong:             prompts.LogErrorTooLong,
}

func (h *Handler) parseError(lang prompts.Lang, text string, pe *kpi.ParseError) slack.Msg {
	key, ok := parseErrorKeys[pe.Kind]
	if !ok {
		key = prompts.LogErrorEmpty
	}
	if key == prompts.LogErrorUnknown && pe.Suggestion != "" {
		key = prompts.LogErrorUnknownSuggest
	}
	label := ""
	if pe.Metric != "" {
		label = prompts.MetricLabel(lang, pe.Metric, 2)
	}
	reason := prompts.Text(lang, key, map[string]any{
		"Token":      escape(pe.Token),
		"Suggestion": escape(pe.Suggestion),
		"Text":       escape(text),
		"Limit":      pe.Limit,
		"Label":      label,
	})
	return h.refusal(lang, reason)
}

func totals(cs []storage.CheckIn) (map[kpi.Metric]int, int64, bool) {
	counts := map[kpi.Metric]int{}
	var revenue int64
	var hasRevenue bool
	for _, c := range cs {
		for m, n := range c.Counts {
			counts[kpi.Metric(m)] += n
		}
		revenue += c.RevenueCents
		hasRevenue = hasRevenue || c.HasRevenue
	}
	return counts, revenue, hasRevenue
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
