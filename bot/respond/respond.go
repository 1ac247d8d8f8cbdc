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
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/metrics"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
)

// Slack drops a command that is not acknowledged within 3 seconds. The
// responder acknowledges with the answer when it is ready within
// AckWithin, leaving margin for the network; otherwise a timer
// acknowledges with "saving…" and the answer follows through the
// command's response_url.
const (
	DefaultAckWithin   = 2 * time.Second
	DefaultWorkTimeout = 15 * time.Second
)

// Config wires a Responder.
type Config struct {
	Handler bot.CommandHandler
	// Lang is the language of the "saving…" acknowledgement, which is sent
	// before the user's own language is known.
	Lang        prompts.Lang
	AckWithin   time.Duration
	WorkTimeout time.Duration
	// AfterFunc schedules the "saving…" acknowledgement; time.AfterFunc
	// when nil. Tests fire it at will. stop reports whether it was stopped
	// before it ran, as time.Timer.Stop does.
	AfterFunc func(d time.Duration, f func()) (stop func() bool)
	// HTTPClient posts late answers to response_url.
	HTTPClient *http.Client
	// Metrics counts commands; nil counts nothing.
	Metrics *metrics.Counters
	Logger  *slog.Logger
}

// Responder runs commands for the Slack transports within Slack's
// acknowledgement deadline.
type Responder struct {
	cfg      Config
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
	if cfg.AfterFunc == nil {
		cfg.AfterFunc = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
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
	return &Responder{cfg: cfg}
}

// Respond runs cmd and calls ack exactly once: with the answer when it is
// ready in time, or with "saving…" from a timer, in which case the answer
// goes to cmd.ResponseURL when ready. It returns once the answer is
// delivered one way or the other.
//
// The command runs on the caller's goroutine, and only the rare late
// acknowledgement runs on another: handing every command to a fresh
// goroutine cost as much as the database write itself.
func (r *Responder) Respond(ctx context.Context, cmd bot.Command, ack func(slack.Msg)) {
	r.inflight.Add(1)
	defer r.inflight.Done()
	// The work outlives the request that carried it: once acknowledged,
	// the command must still finish, or the user is told it failed.
	work, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.WorkTimeout)
	defer cancel()

	var claimed atomic.Bool
	early := make(chan struct{})
	stop := func() bool { return false }
	if cmd.ResponseURL != "" {
		stop = r.cfg.AfterFunc(r.cfg.AckWithin, func() {
			defer close(early)
			if claimed.CompareAndSwap(false, true) {
				ack(views.Reply(r.cfg.Lang, prompts.LogSaving, nil))
			}
		})
	}

	start := time.Now()
	msg, err := r.handle(work, cmd)
	res := result{msg, err, time.Since(start)}
	if stop() || claimed.CompareAndSwap(false, true) {
		r.logResult(cmd, res, false)
		ack(msg)
		return
	}
	// The timer acknowledged first: wait until that is on its way, so the
	// answer cannot overtake it, then replace it.
	<-early
	r.logResult(cmd, res, true)
	post, cancelPost := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancelPost()
	if err := r.postLate(post, cmd.ResponseURL, msg); err != nil {
		r.cfg.Logger.Error("late reply not delivered", "command", cmd.Name, "workspace", cmd.Workspace, "user", cmd.User, "err", err)
	}
}

// handle runs the command, turning a panic into the failure answer: the
// user is told, the panic is logged once, and the process keeps serving.
func (r *Responder) handle(ctx context.Context, cmd bot.Command) (msg slack.Msg, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = LogPanic(r.cfg.Logger, v, "command", "command", cmd.Name, "workspace", cmd.Workspace, "source", cmd.Source)
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

func (r *Responder) logResult(cmd bot.Command, res result, late bool) {
	r.cfg.Metrics.ObserveCommand(cmd.Name, res.dur.Microseconds(), res.err != nil, late)
	attrs := []any{"command", cmd.Name, "workspace", cmd.Workspace, "user", cmd.User, "source", cmd.Source, "duration_ms", res.dur.Milliseconds(), "late", late}
	if res.err != nil {
		r.cfg.Logger.Error("command failed", append(attrs, "err", res.err)...)
		return
	}
	r.cfg.Logger.Debug("command handled", attrs...)
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
