// Package slacksocket serves Slack over a Socket Mode WebSocket: it
// acknowledges every envelope, hands commands to the responder and
// interactions to the bot, and needs no public URL.
package slacksocket

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/kpibot/kpibot/bot/logctx"
	"github.com/kpibot/kpibot/bot/respond"
	"github.com/kpibot/kpibot/bot/views"
)

// Server serves Slack over a Socket Mode WebSocket: no public URL is
// needed. slack-go's client reconnects on its own; this adapter only
// acknowledges envelopes and hands commands to the responder.
type Server struct {
	client    *socketmode.Client
	responder *respond.Responder
	log       *slog.Logger
	connected atomic.Bool
}

// ErrDisconnected is Ready's answer while the WebSocket is down.
var ErrDisconnected = errors.New("slacksocket: not connected to Slack")

// Ready reports whether the WebSocket to Slack is connected: nil from
// the connected event until the connection drops (slack-go then
// reconnects, and Ready is nil again once it has) or Run returns.
func (s *Server) Ready(context.Context) error {
	if !s.connected.Load() {
		return ErrDisconnected
	}
	return nil
}

// New returns the adapter for client, which must have been made from a
// slack.Client with an app-level token (xapp-…).
func New(client *socketmode.Client, r *respond.Responder, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	return &Server{client: client, responder: r, log: log}
}

// Run serves until ctx is done or the connection fails for good. Every
// envelope is acknowledged, each in its own goroutine so one slow command
// does not hold back the others.
func (s *Server) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer s.connected.Store(false)
	runErr := make(chan error, 1)
	go func() { runErr <- s.client.RunContext(ctx) }()

	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-runErr:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("bot: socket mode: %w", err)
		case ev, ok := <-s.client.Events:
			if !ok {
				return nil
			}
			arrived := time.Now()
			// The connection's state changes in order, here, not in the
			// envelopes' goroutines.
			if s.track(ev) {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.handle(ctx, ev, arrived)
			}()
		}
	}
}

// track follows the connection's state; it reports whether ev was only
// about the connection.
func (s *Server) track(ev socketmode.Event) bool {
	switch ev.Type {
	case socketmode.EventTypeConnecting:
		s.connected.Store(false)
		s.log.Info("socket mode connecting")
	case socketmode.EventTypeConnected, socketmode.EventTypeHello:
		if !s.connected.Swap(true) {
			s.log.Info("socket mode connected")
		}
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError, socketmode.EventTypeInvalidAuth:
		s.connected.Store(false)
		s.log.Warn("socket mode connection error; slack-go will retry", "type", string(ev.Type), "err", ev.Data)
	default:
		return false
	}
	return true
}

func (s *Server) handle(ctx context.Context, ev socketmode.Event, arrived time.Time) {
	// Each envelope's log lines carry its ID, Slack's envelope_id.
	if ev.Request != nil && ev.Request.EnvelopeID != "" {
		ctx = logctx.With(ctx, ev.Request.EnvelopeID)
	} else {
		ctx = logctx.With(ctx, logctx.NewID())
	}
	log := logctx.Logger(ctx, s.log)
	// Nothing above this goroutine recovers: one bad envelope must not end
	// the process, and Slack still gets its acknowledgement.
	var acked atomic.Bool // the responder may ack from its timer's goroutine
	defer func() {
		if v := recover(); v != nil {
			attrs := []any{"envelope_type", string(ev.Type)}
			_ = respond.LogPanic(log, v, "socket mode envelope", attrs...)
			if ev.Request != nil && !acked.Load() {
				s.ack(ctx, ev.Request, nil)
			}
		}
	}()
	ack := func(req *socketmode.Request, payload any) {
		acked.Store(true)
		s.ack(ctx, req, payload)
	}
	switch ev.Type {
	case socketmode.EventTypeSlashCommand:
		sc, ok := ev.Data.(slack.SlashCommand)
		if !ok || ev.Request == nil {
			return
		}
		s.responder.Respond(ctx, respond.FromSlash(sc, "slack-socket"), arrived, func(msg slack.Msg) {
			ack(ev.Request, views.Wire(msg))
		})
	case socketmode.EventTypeEventsAPI:
		if ev.Request == nil {
			return
		}
		e, ok := ev.Data.(slackevents.EventsAPIEvent)
		if !ok {
			ack(ev.Request, nil)
			return
		}
		be, ok := respond.FromEventsAPI(e, ev.Request.RetryAttempt, "slack-socket")
		if !ok || s.responder.RespondEvent(ctx, be) {
			ack(ev.Request, nil)
			return
		}
		// Busy: not acknowledged, so Slack delivers it again.
	case socketmode.EventTypeInteractive:
		if ev.Request == nil {
			return
		}
		// The answer rides in the ack: a view_submission's response_action,
		// or nothing for a click.
		cb, ok := ev.Data.(slack.InteractionCallback)
		if !ok {
			ack(ev.Request, nil)
			return
		}
		s.responder.RespondInteraction(ctx, cb, arrived, func(resp any) { ack(ev.Request, resp) })
	}
}

func (s *Server) ack(ctx context.Context, req *socketmode.Request, payload any) {
	if err := s.client.AckCtx(ctx, req.EnvelopeID, payload); err != nil {
		logctx.Logger(ctx, s.log).Error("socket mode ack failed", "type", req.Type, "err", err)
	}
}
