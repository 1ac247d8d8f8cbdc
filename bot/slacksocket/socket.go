// Package slacksocket serves Slack over a Socket Mode WebSocket: it
// acknowledges every envelope, hands commands to the responder and
// interactions to the bot, and needs no public URL.
package slacksocket

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

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
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.handle(ctx, ev, arrived)
			}()
		}
	}
}

func (s *Server) handle(ctx context.Context, ev socketmode.Event, arrived time.Time) {
	// Nothing above this goroutine recovers: one bad envelope must not end
	// the process, and Slack still gets its acknowledgement.
	var acked atomic.Bool // the responder may ack from its timer's goroutine
	defer func() {
		if v := recover(); v != nil {
			attrs := []any{"envelope_type", string(ev.Type)}
			if ev.Request != nil {
				attrs = append(attrs, "envelope_id", ev.Request.EnvelopeID)
			}
			_ = respond.LogPanic(s.log, v, "socket mode envelope", attrs...)
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
	case socketmode.EventTypeConnecting:
		s.log.Info("socket mode connecting")
	case socketmode.EventTypeConnected:
		s.log.Info("socket mode connected")
	case socketmode.EventTypeConnectionError:
		s.log.Warn("socket mode connection error; slack-go will retry", "err", ev.Data)
	case socketmode.EventTypeSlashCommand:
		sc, ok := ev.Data.(slack.SlashCommand)
		if !ok || ev.Request == nil {
			return
		}
		s.responder.Respond(ctx, respond.FromSlash(sc, "slack-socket"), arrived, func(msg slack.Msg) {
			ack(ev.Request, views.Wire(msg))
		})
	case socketmode.EventTypeEventsAPI:
		if ev.Request != nil {
			ack(ev.Request, nil)
		}
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
		s.log.Error("socket mode ack failed", "envelope_id", req.EnvelopeID, "type", req.Type, "err", err)
	}
}
