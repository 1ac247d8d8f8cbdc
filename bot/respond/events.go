package respond

import (
	"context"
	"log/slog"
	"time"

	"github.com/slack-go/slack/slackevents"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/logctx"
)

// EventHandler acts on Slack events; *bot.Handler is one.
type EventHandler interface {
	HandleEvent(ctx context.Context, ev bot.Event) error
}

// eventWork bounds the handling of one event once acknowledged.
const eventWork = 30 * time.Second

// RespondEvent takes ev for handling in the background and reports
// whether it did: the transport acknowledges a taken event at once, as
// Slack wants within 3 seconds, and leaves one it could not take
// unacknowledged (HTTP 503), so Slack delivers it again later. An event
// the handler does not act on is taken and dropped.
func (r *Responder) RespondEvent(ctx context.Context, ev bot.Event) bool {
	eh, ok := r.cfg.Handler.(EventHandler)
	if !ok {
		return true
	}
	log := logctx.Logger(ctx, r.cfg.Logger)
	if !r.take() {
		log.Warn("event left for redelivery: too many in progress", "event", ev.Type, "workspace", ev.Workspace, "max", r.cfg.MaxBackground)
		return false
	}
	r.inflight.Add(1)
	go func() {
		defer r.inflight.Done()
		defer r.release()
		work, cancel := context.WithTimeout(context.WithoutCancel(ctx), eventWork)
		defer cancel()
		if err := r.handleEvent(work, eh, ev, log); err != nil {
			log.Error("event failed", "event", ev.Type, "event_id", ev.ID, "workspace", ev.Workspace, "retry", ev.Retry, "err", err)
			return
		}
		log.Debug("event handled", "event", ev.Type, "event_id", ev.ID, "workspace", ev.Workspace, "retry", ev.Retry, "source", ev.Source)
	}()
	return true
}

// handleEvent runs the handler, turning a panic into an error.
func (r *Responder) handleEvent(ctx context.Context, eh EventHandler, ev bot.Event, log *slog.Logger) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = LogPanic(log, v, "event", "event", ev.Type, "workspace", ev.Workspace)
		}
	}()
	return eh.HandleEvent(ctx, ev)
}

// FromEventsAPI converts slack-go's decoding of an Events API callback;
// retry is Slack's redelivery number and source the transport. ok is
// false for what is not an event callback (url_verification,
// app_rate_limited).
func FromEventsAPI(e slackevents.EventsAPIEvent, retry int, source string) (ev bot.Event, ok bool) {
	cb, isCallback := e.Data.(*slackevents.EventsAPICallbackEvent)
	if e.Type != slackevents.CallbackEvent || !isCallback {
		return bot.Event{}, false
	}
	ws := e.TeamID
	if ws == "" {
		ws = e.EnterpriseID
	}
	ev = bot.Event{ID: cb.EventID, Workspace: ws, Type: e.InnerEvent.Type, Retry: retry, Source: source}
	switch in := e.InnerEvent.Data.(type) {
	case *slackevents.AppHomeOpenedEvent:
		ev.User, ev.Tab = in.User, in.Tab
	case *slackevents.TokensRevokedEvent:
		ev.BotTokensRevoked = len(in.Tokens.Bot) > 0
	case *slackevents.UserChangeEvent:
		u := in.User
		ev.User = u.ID
		p := &bot.ProfileChange{
			TZ: u.TZ, Locale: u.Locale,
			StatusText: u.Profile.StatusText, StatusEmoji: u.Profile.StatusEmoji,
			Deleted: u.Deleted, Bot: u.IsBot || u.IsAppUser,
			Admin: u.IsAdmin || u.IsOwner || u.IsPrimaryOwner,
		}
		if u.Profile.StatusExpiration > 0 {
			p.StatusExpires = time.Unix(int64(u.Profile.StatusExpiration), 0).UTC()
		}
		ev.Profile = p
	}
	return ev, true
}
