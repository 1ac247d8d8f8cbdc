// Package slackhttp serves Slack's request URLs over HTTP: it verifies
// each request's signature, acknowledges within Slack's deadline, and
// translates commands, interactions and events for the bot. It serves
// nothing else: health and metrics are on the admin listener (package
// admin).
package slackhttp

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/kpibot/kpibot/bot/logctx"
	"github.com/kpibot/kpibot/bot/respond"
	"github.com/kpibot/kpibot/bot/views"
)

// MaxBodyBytes bounds what a Slack request may carry. Slash commands and
// events are a few kilobytes; a modal's state can reach tens.
const MaxBodyBytes = 64 << 10

// Config wires the HTTP transport.
type Config struct {
	SigningSecret string
	Responder     *respond.Responder
	// Now is the clock used for the signature window; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

// NewHandler serves Slack's request URLs, POST /slack/commands,
// /slack/interactions and /slack/events, and answers 404 to any other
// path. Each request gets an ID (package logctx) that its log lines
// carry and that is sent back as X-Request-Id.
func NewHandler(cfg Config) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &httpServer{cfg: cfg, verifier: newVerifier(cfg.SigningSecret, cfg.Now)}
	mux := http.NewServeMux()
	mux.Handle("/slack/commands", s.slack(formBody, s.command))
	mux.Handle("/slack/interactions", s.slack(formBody, s.interaction))
	mux.Handle("/slack/events", s.slack(jsonBody, s.event))
	return mux
}

type httpServer struct {
	cfg      Config
	verifier *verifier
}

// The bodies Slack sends: commands and interactions are forms, events
// are JSON.
const (
	formBody = "application/x-www-form-urlencoded"
	jsonBody = "application/json"
)

// slack wraps a handler with what every Slack request URL needs: POST
// only, the body's media type, a size limit, a verified signature, and a
// recovered panic. Refusals carry no detail.
func (s *httpServer) slack(mediaType string, next func(w http.ResponseWriter, r *http.Request, body []byte, arrived time.Time)) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		// Slack's 3 seconds run from when it sent the request: the
		// deadline counts from here, before the body is even read.
		arrived := time.Now()
		id := logctx.NewID()
		r = r.WithContext(logctx.With(r.Context(), id))
		log := logctx.Logger(r.Context(), s.cfg.Logger)
		rw.Header().Set("X-Request-Id", id)
		w := &trackingWriter{ResponseWriter: rw}
		defer func() {
			if v := recover(); v != nil {
				_ = respond.LogPanic(log, v, "slack request", "path", r.URL.Path)
				if !w.wrote {
					http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
				}
			}
			log.Debug("slack request served", "path", r.URL.Path, "status", w.status(), "duration_ms", time.Since(arrived).Milliseconds())
		}()
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != mediaType {
			http.Error(w, http.StatusText(http.StatusUnsupportedMediaType), http.StatusUnsupportedMediaType)
			return
		}
		if r.ContentLength > MaxBodyBytes {
			http.Error(w, http.StatusText(http.StatusRequestEntityTooLarge), http.StatusRequestEntityTooLarge)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				http.Error(w, http.StatusText(http.StatusRequestEntityTooLarge), http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
			return
		}
		if err := s.verifier.verify(r.Header, body); err != nil {
			log.Warn("slack request refused", "path", r.URL.Path, "remote", r.RemoteAddr)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		next(w, r, body, arrived)
	})
}

// trackingWriter remembers whether an answer was started, so a recovered
// panic answers only when nothing was sent yet.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
	code  int
}

func (w *trackingWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code = code
	}
	w.wrote = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *trackingWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.code = http.StatusOK
	}
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// status is the answer's status so far, for the log.
func (w *trackingWriter) status() int {
	if !w.wrote {
		return 0
	}
	return w.code
}

// Unwrap lets http.ResponseController reach the connection's Flush.
func (w *trackingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *httpServer) command(w http.ResponseWriter, r *http.Request, body []byte, arrived time.Time) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		return
	}
	sc := slack.SlashCommand{
		TeamID:       form.Get("team_id"),
		EnterpriseID: form.Get("enterprise_id"),
		ChannelID:    form.Get("channel_id"),
		UserID:       form.Get("user_id"),
		UserName:     form.Get("user_name"),
		Command:      form.Get("command"),
		Text:         form.Get("text"),
		ResponseURL:  form.Get("response_url"),
		TriggerID:    form.Get("trigger_id"),
	}
	cmd := respond.FromSlash(sc, "slack-http")
	if missing := missingFields(sc); len(missing) > 0 {
		logctx.Logger(r.Context(), s.cfg.Logger).Warn("slack command refused: fields missing", "missing", strings.Join(missing, ","), "command", cmd.Name)
		http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		return
	}
	// Respond acknowledges once, then returns: the handler ends and the
	// connection serves its next request while the command goes on.
	s.cfg.Responder.Respond(r.Context(), cmd, arrived, func(msg slack.Msg) {
		writeJSON(w, views.Wire(msg))
	})
}

// missingFields names the fields a command cannot be served without.
func missingFields(sc slack.SlashCommand) []string {
	var missing []string
	if sc.TeamID == "" && sc.EnterpriseID == "" {
		missing = append(missing, "team_id")
	}
	for _, f := range []struct{ name, value string }{{"user_id", sc.UserID}, {"command", sc.Command}, {"trigger_id", sc.TriggerID}} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	return missing
}

func (s *httpServer) interaction(w http.ResponseWriter, r *http.Request, body []byte, arrived time.Time) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		return
	}
	// The answer is the acknowledgement itself: a view_submission's
	// response_action, or an empty 200 for a click, whose effects
	// (views.open, response_url) happen before it within Slack's 3 s.
	if s.cfg.Responder == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	s.cfg.Responder.RespondInteraction(r.Context(), cb, arrived, func(resp any) {
		logctx.Logger(r.Context(), s.cfg.Logger).Debug("interaction acknowledged", "type", cb.Type, "workspace", cb.Team.ID, "answered", resp != nil)
		if resp == nil {
			w.WriteHeader(http.StatusOK)
			return
		}
		writeJSON(w, resp)
	})
}

func (s *httpServer) event(w http.ResponseWriter, r *http.Request, body []byte, _ time.Time) {
	log := logctx.Logger(r.Context(), s.cfg.Logger)
	if !json.Valid(body) {
		http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		return
	}
	// The signature is the proof of origin; the verification token
	// slackevents would check is deprecated.
	e, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		// An event the bot does not subscribe to, or a shape slack-go does
		// not know: acknowledged, or Slack would deliver it again.
		log.Debug("event not understood; acknowledged", "err", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	if v, ok := e.Data.(*slackevents.EventsAPIURLVerificationEvent); ok && e.Type == slackevents.URLVerification {
		writeJSON(w, map[string]string{"challenge": v.Challenge})
		return
	}
	retry, _ := strconv.Atoi(r.Header.Get("X-Slack-Retry-Num"))
	ev, ok := respond.FromEventsAPI(e, retry, "slack-http")
	if !ok || s.cfg.Responder == nil {
		log.Debug("event acknowledged", "type", e.Type, "workspace", e.TeamID)
		w.WriteHeader(http.StatusOK)
		return
	}
	if !s.cfg.Responder.RespondEvent(r.Context(), ev) {
		// Busy: Slack delivers it again in a minute.
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// writeJSON sends v with its length, so that a client has the whole
// answer as soon as it is flushed, even while the handler goes on.
func writeJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}
