// Package respond answers Slack commands for the Slack transports within
// Slack's 3-second acknowledgement deadline, and late through
// response_url when the answer takes longer.
package respond

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/logctx"
	"github.com/kpibot/kpibot/bot/metrics"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
)

// Slack drops a command that is not acknowledged within 3 seconds of
// sending it. The responder acknowledges with the answer when it is ready
// within AckWithin of the request's arrival, leaving a second for the
// network; otherwise it acknowledges with "saving…", the transport's
// handler returns and frees its connection, and the answer follows
// through the command's response_url.
const (
	DefaultAckWithin   = 2 * time.Second
	DefaultWorkTimeout = 15 * time.Second
	// At 800 /log a second and a few hundred milliseconds each, a few
	// hundred are at work at once; the bound is for a store that stalls.
	DefaultMaxBackground = 1024
)

// Config wires a Responder.
type Config struct {
	Handler bot.CommandHandler
	// Lang is the language of the "saving…" acknowledgement, which is sent
	// before the user's own language is known.
	Lang        prompts.Lang
	AckWithin   time.Duration
	WorkTimeout time.Duration
	// MaxBackground bounds the commands and interactions being worked on
	// at once, answered or not; past it a command is answered "busy" at
	// once and nothing is done. DefaultMaxBackground when zero.
	MaxBackground int
	// AfterFunc schedules the "saving…" acknowledgement; time.AfterFunc
	// when nil. Tests fire it at will. stop reports whether it was stopped
	// before it ran, as time.Timer.Stop does.
	AfterFunc func(d time.Duration, f func()) (stop func() bool)
	// Now is the clock the deadline is counted on; time.Now when nil.
	Now func() time.Time
	// HTTPClient posts late answers to response_url.
	HTTPClient *http.Client
	// Metrics counts commands; nil counts nothing.
	Metrics *metrics.Registry
	// Logger logs, with the request ID of the context (package logctx)
	// when there is one.
	Logger *slog.Logger
}

// Responder runs commands for the Slack transports within Slack's
// acknowledgement deadline.
type Responder struct {
	cfg      Config
	slots    chan struct{} // one per command or interaction being worked on
	inflight sync.WaitGroup
}

// New returns a Responder with cfg's defaults filled in.
func New(cfg Config) *Responder {
	if cfg.AckWithin <= 0 {
		cfg.AckWithin = DefaultAckWithin
	}
	if cfg.WorkTimeout <= 0 {
		cfg.WorkTimeout = DefaultWorkTimeout
	}
	if cfg.MaxBackground <= 0 {
		cfg.MaxBackground = DefaultMaxBackground
	}
	if cfg.AfterFunc == nil {
		cfg.AfterFunc = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Lang == "" {
		cfg.Lang = prompts.French
	}
	return &Responder{cfg: cfg, slots: make(chan struct{}, cfg.MaxBackground)}
}

// The states of one command's answer.
const (
	pending  = iota // neither the answer nor "saving…" has gone out
	answered        // the answer went out as the acknowledgement
	saving          // "saving…" went out; the answer goes to response_url
)

// Respond runs cmd, which arrived at arrived, and calls ack exactly once
// before it returns: with the answer when it is ready within AckWithin of
// arrived, or else with "saving…". It returns as soon as it has
// acknowledged, so the transport's handler frees its connection; the
// command goes on in the background, bounded by WorkTimeout, and its
// answer replaces "saving…" through cmd.ResponseURL. Wait waits for it.
//
// When MaxBackground commands are already being worked on, ack gets a
// "busy, try again in a minute" at once and nothing is done: a command is
// never left unanswered, and never half done.
func (r *Responder) Respond(ctx context.Context, cmd bot.Command, arrived time.Time, ack func(slack.Msg)) {
	log := logctx.Logger(ctx, r.cfg.Logger)
	if !r.take() {
		log.Warn("command refused: too many in progress", "command", cmd.Name, "workspace", cmd.Workspace, "max", r.cfg.MaxBackground)
		r.cfg.Metrics.ObserveCommand(cmd.Name, 0, metrics.OutcomeBusy)
		ack(views.Reply(r.cfg.Lang, "command.busy", nil))
		return
	}
	var (
		mu         sync.Mutex
		state      = pending
		done       = make(chan result, 1)
		savingSent = make(chan struct{})
	)
	r.inflight.Add(1)
	go func() {
		defer r.inflight.Done()
		defer r.release()
		// The work outlives the request that carried it: once
		// acknowledged, the command must still finish, or the user is
		// told it failed.
		work, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.WorkTimeout)
		defer cancel()
		start := r.cfg.Now()
		msg, err := r.handle(work, cmd, log)
		res := result{msg, err, r.cfg.Now().Sub(start)}
		mu.Lock()
		late := state == saving
		if !late {
			state = answered
		}
		mu.Unlock()
		if !late {
			done <- res
			return
		}
		// "saving…" went out first: let it be on its way, so the answer
		// cannot overtake it, then replace it.
		<-savingSent
		r.logResult(log, cmd, res, true)
		post, cancelPost := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancelPost()
		if err := r.postLate(post, cmd.ResponseURL, msg); err != nil {
			log.Error("late reply not delivered", "command", cmd.Name, "workspace", cmd.Workspace, "user", cmd.User, "err", err)
		}
	}()

	if cmd.ResponseURL == "" {
		// Nowhere to answer late (a transport without response_url): the
		// acknowledgement waits for the answer, bounded by WorkTimeout.
		res := <-done
		r.logResult(log, cmd, res, false)
		ack(res.msg)
		return
	}
	fire := make(chan struct{})
	stop := r.cfg.AfterFunc(r.cfg.AckWithin-r.cfg.Now().Sub(arrived), func() { close(fire) })
	defer stop()
	select {
	case res := <-done:
		r.logResult(log, cmd, res, false)
		ack(res.msg)
	case <-fire:
		mu.Lock()
		if state == pending {
			state = saving
			mu.Unlock()
			ack(views.Reply(r.cfg.Lang, prompts.LogSaving, nil))
			close(savingSent)
			return
		}
		mu.Unlock()
		res := <-done // answered just as the deadline passed
		r.logResult(log, cmd, res, false)
		ack(res.msg)
	}
}

// RespondInteraction runs an interaction, which arrived at arrived, and
// calls ack exactly once before it returns: with the interaction's answer
// (a view_submission's response_action) when it is ready within AckWithin,
// or else with nil, an empty acknowledgement, while the interaction goes
// on in the background. Past MaxBackground, ack gets nil at once and the
// interaction is dropped, logged.
func (r *Responder) RespondInteraction(ctx context.Context, cb slack.InteractionCallback, arrived time.Time, ack func(any)) {
	it, ok := r.Interactor()
	if !ok {
		ack(nil)
		return
	}
	log := logctx.Logger(ctx, r.cfg.Logger)
	if !r.take() {
		log.Warn("interaction dropped: too many in progress", "type", cb.Type, "workspace", cb.Team.ID, "max", r.cfg.MaxBackground)
		ack(nil)
		return
	}
	done := make(chan any, 1)
	r.inflight.Add(1)
	go func() {
		defer r.inflight.Done()
		defer r.release()
		resp, err := r.interact(it, context.WithoutCancel(ctx), cb, log)
		if err != nil {
			log.Error("interaction failed", "type", cb.Type, "workspace", cb.Team.ID, "user", cb.User.ID, "err", err)
		}
		done <- resp
	}()
	fire := make(chan struct{})
	stop := r.cfg.AfterFunc(r.cfg.AckWithin-r.cfg.Now().Sub(arrived), func() { close(fire) })
	defer stop()
	select {
	case resp := <-done:
		ack(resp)
	case <-fire:
		log.Warn("interaction acknowledged before it finished", "type", cb.Type, "workspace", cb.Team.ID)
		ack(nil)
	}
}

// interact runs an interaction, turning a panic into an error.
func (r *Responder) interact(it Interactor, ctx context.Context, cb slack.InteractionCallback, log *slog.Logger) (resp any, err error) {
	defer func() {
		if v := recover(); v != nil {
			resp, err = nil, LogPanic(log, v, "interaction", "type", string(cb.Type), "workspace", cb.Team.ID)
		}
	}()
	return it.Interact(ctx, cb)
}

func (r *Responder) take() bool {
	select {
	case r.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (r *Responder) release() { <-r.slots }

// handle runs the command, turning a panic into the failure answer: the
// user is told, the panic is logged once, and the process keeps serving.
func (r *Responder) handle(ctx context.Context, cmd bot.Command, log *slog.Logger) (msg slack.Msg, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = LogPanic(log, v, "command", "command", cmd.Name, "workspace", cmd.Workspace, "source", cmd.Source)
			msg = views.Reply(r.cfg.Lang, "command.failed", nil)
		}
	}()
	return r.cfg.Handler.Handle(ctx, cmd)
}

// Wait blocks until every command in flight is answered: graceful
// shutdown calls it so no check-in is cut halfway.
func (r *Responder) Wait() { r.inflight.Wait() }

type result struct {
	msg slack.Msg
	err error
	dur time.Duration
}

func (r *Responder) logResult(log *slog.Logger, cmd bot.Command, res result, late bool) {
	outcome := metrics.OutcomeOK
	switch {
	case res.err != nil:
		outcome = metrics.OutcomeError
	case late:
		outcome = metrics.OutcomeLate
	}
	r.cfg.Metrics.ObserveCommand(cmd.Name, res.dur, outcome)
	attrs := []any{"command", cmd.Name, "workspace", cmd.Workspace, "user", cmd.User, "source", cmd.Source, "duration_ms", res.dur.Milliseconds(), "late", late}
	if res.err != nil {
		log.Error("command failed", append(attrs, "err", res.err)...)
		return
	}
	log.Debug("command handled", attrs...)
}

// postLate replaces the "saving…" acknowledgement with the real answer.
func (r *Responder) postLate(ctx context.Context, responseURL string, msg slack.Msg) error {
	msg.ReplaceOriginal = true
	err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, r.cfg.HTTPClient, views.Wire(msg))
	if err != nil {
		// response_url lets anyone answer in the user's name for 30
		// minutes: keep it out of the logs.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("bot: post to response_url: %w", err)
	}
	return nil
}

// Interactor answers Slack interactions (button clicks, modal
// submissions); *bot.Handler is one.
type Interactor interface {
	Interact(ctx context.Context, cb slack.InteractionCallback) (response any, err error)
}

// Interactor returns the responder's handler when it also answers
// interactions, as *bot.Handler does, so it needs no wiring of its own.
func (r *Responder) Interactor() (Interactor, bool) {
	it, ok := r.cfg.Handler.(Interactor)
	return it, ok
}

// FromSlash converts slack-go's form of a slash command; source records
// which transport delivered it.
func FromSlash(s slack.SlashCommand, source string) bot.Command {
	ws := s.TeamID
	if ws == "" {
		// Org-wide installs may deliver commands without a team.
		ws = s.EnterpriseID
	}
	return bot.Command{
		Workspace:   ws,
		User:        s.UserID,
		UserName:    s.UserName,
		Channel:     s.ChannelID,
		Name:        s.Command,
		Text:        s.Text,
		Key:         s.TriggerID,
		ResponseURL: s.ResponseURL,
		Source:      source,
	}
}
