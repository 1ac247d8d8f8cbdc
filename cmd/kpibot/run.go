package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/console"
	"github.com/kpibot/kpibot/bot/deliver"
	"github.com/kpibot/kpibot/bot/metrics"
	"github.com/kpibot/kpibot/bot/respond"
	"github.com/kpibot/kpibot/bot/slackhttp"
	"github.com/kpibot/kpibot/bot/slacksocket"
	"github.com/kpibot/kpibot/bot/slackusers"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
	"github.com/kpibot/kpibot/storage"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// IO is the process's standard streams, injected so tests can drive Run.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
	// Listening, when set, is told the HTTP address once it accepts
	// connections, so a caller need not poll for it.
	Listening func(addr string)
}

// Run is the whole program once configuration is read. It returns when ctx
// is done, the console ends, or a server fails; in-flight commands finish
// first.
func Run(ctx context.Context, cfg Config, args []string, stdio IO, log *slog.Logger) error {
	mode := cfg.Mode()
	user := "demo"
	if len(args) > 0 {
		if admin, ok := adminCommands[args[0]]; ok {
			return admin(ctx, cfg, args[1:], stdio)
		}
		if args[0] != "console" {
			return fmt.Errorf("unknown command %q (try kpibot --help)", args[0])
		}
		fs := flag.NewFlagSet("console", flag.ContinueOnError)
		fs.SetOutput(stdio.Err)
		fs.StringVar(&user, "user", user, "name of the user typing")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		mode = ModeConsole
	}

	openCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	store, err := storage.Open(openCtx, storage.Config{URI: cfg.MongoURI, DataDir: cfg.DataDir})
	cancel()
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := store.Close(closeCtx); err != nil {
			log.Error("closing storage", "err", err)
		}
	}()
	log.Info("kpibot starting", "version", Version(), "config", cfg, "store", store.String())

	hcfg := bot.HandlerConfig{Store: store, TZ: cfg.TZ, Lang: cfg.Lang, Currency: cfg.Currency, Logger: log}
	var api *slack.Client
	var deliverer *deliver.Deliverer
	if mode != ModeConsole {
		opts := []slack.Option{
			slack.OptionAppLevelToken(cfg.AppToken),
			// Every call also has its own context deadline; this bounds
			// whatever a caller leaves unbounded, so no call hangs for good.
			slack.OptionHTTPClient(&http.Client{Timeout: slackHTTPTimeout}),
		}
		if cfg.SlackAPIURL != "" {
			opts = append(opts, slack.OptionAPIURL(strings.TrimSuffix(cfg.SlackAPIURL, "/")+"/"))
		}
		api = slack.New(cfg.BotToken, opts...)
		hcfg.Profiles = slackusers.New(api, cfg.Lang, nil, log)
		deliverer = deliver.New(deliver.Config{API: api, Logger: log})
		hcfg.Outbox = deliverer
	} else {
		// In the console, rituals print what Slack would receive, and where.
		hcfg.Outbox = console.NewOutbox(stdio.Out, filepath.Join(cfg.DataDir, "charts"))
	}
	coach := prompts.NewCoach(prompts.CoachConfig{APIKey: cfg.OpenAIKey, BaseURL: cfg.OpenAIBaseURL, Model: cfg.OpenAIModel, Logger: log})
	// A misconfigured LLM is said once at start; coaching goes on with
	// the templates either way.
	checkCtx, cancelCheck := context.WithTimeout(ctx, 10*time.Second)
	_ = coach.Check(checkCtx)
	cancelCheck()
	hcfg.Drafter = coach
	host, _ := os.Hostname()
	hcfg.Replica = fmt.Sprintf("%s/%d", host, os.Getpid())
	handler := bot.NewHandler(hcfg)
	if api != nil {
		handler.SetSlackUI(api)
	}
	defer handler.Wait()
	counters := metrics.New()
	counters.LLMFallbacks = coach.Fallbacks
	if deliverer != nil {
		counters.Delivery = deliverer.Stats
	}
	responder := respond.New(respond.Config{Handler: handler, Lang: cfg.Lang, Metrics: counters, Logger: log})
	defer responder.Wait()

	var web http.Handler = slackhttp.NewHealthHandler(store.Ping, counters)
	if mode == ModeHTTP {
		web = slackhttp.NewHandler(slackhttp.Config{SigningSecret: cfg.SigningSecret, Responder: responder, Ready: store.Ping, Metrics: counters, Logger: log})
	}
	stopWeb, err := serve(ctx, cfg.Addr, web, log, stdio.Listening)
	if err != nil {
		if mode != ModeConsole {
			return err
		}
		// The console works without health checks; a second console on
		// the same machine must not fail over a busy port.
		log.Warn("health endpoints not served", "addr", cfg.Addr, "err", err)
	} else {
		defer stopWeb()
	}

	if deliverer != nil {
		// Every replica runs the scheduler; claims in storage make each
		// occurrence post once.
		done := make(chan struct{})
		go func() {
			defer close(done)
			runRituals(ctx, handler, store, deliverer, counters, log)
		}()
		defer func() { <-done }()
	}

	switch mode {
	case ModeSocket:
		log.Info("serving Slack over Socket Mode")
		return slacksocket.New(socketmode.New(api), responder, log).Run(ctx)
	case ModeHTTP:
		log.Info("serving Slack over HTTP", "addr", cfg.Addr, "commands", "/slack/commands", "interactions", "/slack/interactions", "events", "/slack/events")
		<-ctx.Done()
		return nil
	default:
		c := &console.Terminal{
			Handler: handler,
			In:      stdio.In,
			Out:     stdio.Out,
			User:    user,
			Lang:    cfg.Lang,
			Store:   store.String(),
			Connect: cfg.Mode() == ModeConsole,
		}
		return c.Run(ctx)
	}
}

// slackHTTPTimeout bounds one HTTP exchange with Slack's Web API. A file
// upload is the longest (a chart of a few hundred kilobytes).
const slackHTTPTimeout = 30 * time.Second

// serve listens on addr and serves h until the returned stop is called.
func serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger, listening func(string)) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "err", err)
		}
	}()
	log.Info("http listening", "addr", ln.Addr().String())
	if listening != nil {
		listening(ln.Addr().String())
	}
	return func() {
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
		<-done
	}, nil
}

// ritualTick is how often the scheduler looks at what is due: rituals are
// set to the minute, and a claim's lease covers a missed tick.
const ritualTick = 30 * time.Second

// runRituals ticks the rituals scheduler until ctx is done. Jobs are read
// from storage on every tick, so schedule changes apply live.
func runRituals(ctx context.Context, h *bot.Handler, store *storage.Store, out bot.Outbox, counters *metrics.Counters, log *slog.Logger) {
	runner := &rituals.Runner{
		Claimer: store,
		Poster:  bot.NewRitualPoster(h, out),
		Holder:  h.Replica(),
		Logger:  log,
		// A week back: occurrences missed while every replica was down are
		// caught up inside their grace window, or recorded as skipped.
		LookBackTo: time.Now().Add(-7 * 24 * time.Hour),
	}
	tick := time.NewTicker(ritualTick)
	defer tick.Stop()
	for {
		jobs, err := h.RitualJobs(ctx, store, time.Now())
		if err != nil {
			log.Error("rituals: reading jobs", "err", err)
		} else if rep := runner.Tick(ctx, jobs); rep.Posted+rep.Skipped+rep.Failed > 0 {
			counters.ObserveRituals(rep.Posted, rep.Skipped, rep.Failed)
			log.Info("rituals tick", "jobs", len(jobs), "posted", rep.Posted, "skipped", rep.Skipped, "lost_claims", rep.LostClaims, "failed", rep.Failed)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
