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
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/admin"
	"github.com/kpibot/kpibot/bot/console"
	"github.com/kpibot/kpibot/bot/deliver"
	"github.com/kpibot/kpibot/bot/demo"
	"github.com/kpibot/kpibot/bot/metrics"
	"github.com/kpibot/kpibot/bot/respond"
	"github.com/kpibot/kpibot/bot/secretbox"
	"github.com/kpibot/kpibot/bot/slackhttp"
	"github.com/kpibot/kpibot/bot/slackoauth"
	"github.com/kpibot/kpibot/bot/slackrate"
	"github.com/kpibot/kpibot/bot/slackscopes"
	"github.com/kpibot/kpibot/bot/slacksocket"
	"github.com/kpibot/kpibot/bot/slackusers"
	"github.com/kpibot/kpibot/bot/tenancy"
	"github.com/kpibot/kpibot/bot/views"
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
	// InTerminal says a person types at In; otherwise the console echoes
	// each command it reads, so its output reads as a transcript.
	InTerminal bool
	// Listening, when set, is told the address of the Slack listener (in
	// HTTP mode) or else of the admin listener, once it accepts
	// connections, so a caller need not poll for it. In HTTP mode both
	// listen by then.
	Listening func(addr string)
	// AdminListening, when set, is told the admin listener's address.
	AdminListening func(addr string)
}

// Run is the whole program once configuration is read. It returns when ctx
// is done, the console ends, or a server fails; in-flight commands finish
// first.
func Run(ctx context.Context, cfg Config, args []string, stdio IO, log *slog.Logger) error {
	mode := cfg.Mode()
	user := "demo"
	startDemo := false
	if len(args) > 0 {
		if admin, ok := adminCommands[args[0]]; ok {
			return admin(ctx, cfg, args[1:], stdio)
		}
		if args[0] != "console" && args[0] != "demo" {
			return fmt.Errorf("unknown command %q (try kpibot --help)", args[0])
		}
		startDemo = args[0] == "demo"
		fs := flag.NewFlagSet("console", flag.ContinueOnError)
		fs.SetOutput(stdio.Err)
		fs.StringVar(&user, "user", user, "name of the user typing")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		mode = ModeConsole
	}

	reg := metrics.New(metrics.Options{Version: Version(), Revision: Revision(), Rituals: ritualNames})
	openCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	store, err := storage.Open(openCtx, storage.Config{URI: cfg.MongoURI, DataDir: cfg.DataDir, Observer: reg})
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
	if mode == ModeConsole {
		// The console's log may be the terminal (at debug): it never
		// shows the configuration there.
		log.Info("kpibot starting", "version", Version(), "mode", mode, "store", store.String())
	} else {
		log.Info("kpibot starting", "version", Version(), "config", cfg, "store", store.String())
	}

	hcfg := bot.HandlerConfig{Store: store, TZ: cfg.TZ, Lang: cfg.Lang, Currency: cfg.Currency, Logger: log}
	var api *slack.Client
	var consoleOut *console.Outbox
	var deliverer *deliver.Deliverer
	var profiles *slackusers.Profiles
	var tokens *tenancy.Tokens // OAuth mode only
	if mode != ModeConsole {
		// One budget per method and workspace (Slack's tiers are per
		// method per workspace per app), read from each call's context:
		// the deliverer waits for it before each call's deadline starts;
		// every other call waits for it in its client's transport.
		budget := slackrate.New(nil)
		token := cfg.BotToken
		if cfg.OAuth() {
			// One client for every workspace: its transport gives each
			// call the token of the workspace in the call's context.
			keys, err := secretbox.ParseKeys(cfg.EncryptionKey)
			if err != nil {
				return fmt.Errorf("KPIBOT_ENCRYPTION_KEY: %w", err)
			}
			tokens = tenancy.New(store, keys, nil)
			token = tenancy.Placeholder
		}
		client := func(paced bool) *slack.Client {
			// The metrics transport counts and times each call by method
			// and status.
			var tr http.RoundTripper = reg.SlackTransport(nil)
			if paced {
				tr = budget.Transport(tr)
			}
			if tokens != nil {
				tr = tokens.Transport(tr)
			}
			opts := []slack.Option{
				slack.OptionAppLevelToken(cfg.AppToken),
				// Every call also has its own context deadline; this bounds
				// whatever a caller leaves unbounded, so no call hangs for good.
				slack.OptionHTTPClient(&http.Client{Timeout: slackHTTPTimeout, Transport: tr}),
			}
			if cfg.SlackAPIURL != "" {
				opts = append(opts, slack.OptionAPIURL(strings.TrimSuffix(cfg.SlackAPIURL, "/")+"/"))
			}
			return slack.New(token, opts...)
		}
		api = client(true)
		if tokens == nil {
			if err := checkBotToken(ctx, api, store, log); err != nil {
				return err
			}
		}
		profiles = slackusers.New(api, store, cfg.Lang, nil, log)
		hcfg.Profiles = profiles
		deliverer = deliver.New(deliver.Config{API: client(false), Budget: budget, Logger: log})
		hcfg.Outbox = deliverer
	} else {
		// In the console, rituals print what Slack would receive, and where.
		consoleOut = console.NewOutbox(stdio.Out, filepath.Join(cfg.DataDir, "charts"))
		consoleOut.Lang, consoleOut.ShowIDs = cfg.Lang, cfg.LogLevel <= slog.LevelDebug
		hcfg.Outbox = consoleOut
		// No Slack to ask who the admins are: the demo's first user is.
		hcfg.DemoWorkspace = console.Workspace
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
	if tokens != nil {
		hcfg.Tokens = tokens
	}
	handler := bot.NewHandler(hcfg)
	if api != nil {
		handler.SetSlackUI(api)
	}
	defer handler.Stop()
	reg.WatchLLM(coach)
	if deliverer != nil {
		reg.WatchDeliveries(deliverer.Stats)
	}
	responder := respond.New(respond.Config{Handler: handler, Lang: cfg.Lang, Metrics: reg, Logger: log})
	defer responder.Wait()
	var socket *slacksocket.Server
	if mode == ModeSocket {
		socket = slacksocket.New(socketmode.New(api), responder, log)
	}

	// Health and metrics have a listener of their own, in every mode; the
	// Slack listener serves Slack's request URLs only. /readyz fails from
	// the moment shutdown starts, before the servers drain.
	var stopping atomic.Bool
	checks := []admin.Check{
		{Name: "shutdown", Check: func(context.Context) error {
			if stopping.Load() || ctx.Err() != nil {
				return errShuttingDown
			}
			return nil
		}},
		{Name: "storage", Check: store.Ping},
	}
	if socket != nil {
		checks = append(checks, admin.Check{Name: "socket", Check: socket.Ready})
	}
	adminListening := func(addr string) {
		if stdio.AdminListening != nil {
			stdio.AdminListening(addr)
		}
		if mode != ModeHTTP && stdio.Listening != nil {
			stdio.Listening(addr)
		}
	}
	stopAdmin, err := serve(ctx, "admin", cfg.AdminAddr, admin.NewHandler(admin.Config{Checks: checks, Metrics: reg, Logger: log}), log, adminListening)
	if err != nil {
		if mode != ModeConsole {
			return err
		}
		// The console works without health checks; a second console on
		// the same machine must not fail over a busy port.
		log.Warn("admin endpoints not served", "addr", cfg.AdminAddr, "err", err)
	} else {
		// The admin listener stops last: /readyz says "shutdown" and
		// /metrics is scraped while in-flight work finishes.
		defer func() {
			responder.Wait()
			handler.Stop()
			stopAdmin()
		}()
	}
	var web http.Handler
	if mode == ModeHTTP {
		web = slackhttp.NewHandler(slackhttp.Config{SigningSecret: cfg.SigningSecret, Responder: responder, Logger: log})
	}
	if tokens != nil {
		web = withInstall(web, slackoauth.NewHandler(slackoauth.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			RedirectURL: cfg.RedirectURL(), Scopes: slackscopes.RequiredScopes(),
			APIURL: apiBase(cfg.SlackAPIURL), AuthorizeURL: authorizeURL(cfg.SlackAPIURL),
			Installer: tokens, Admins: store, Lang: cfg.Lang, Logger: log,
		}))
		log.Info("installs served", "install", cfg.PublicURL+slackoauth.InstallPath, "redirect", cfg.RedirectURL())
	}
	if web != nil {
		listening := stdio.Listening
		if mode != ModeHTTP {
			listening = nil // the caller is told the admin address in Socket Mode
		}
		stopWeb, err := serve(ctx, "slack", cfg.Addr, web, log, listening)
		if err != nil {
			return err
		}
		defer stopWeb()
	}

	if deliverer != nil {
		// Every replica runs the scheduler; claims in storage make each
		// occurrence post once.
		done := make(chan struct{})
		go func() {
			defer close(done)
			runRituals(ctx, handler, store, deliverer, reg, log)
		}()
		defer func() { <-done }()
		refreshed := make(chan struct{})
		go func() {
			defer close(refreshed)
			refreshProfiles(ctx, store, profiles, log)
		}()
		defer func() { <-refreshed }()
	}

	// Runs first of the deferred calls: not ready before anything drains.
	defer stopping.Store(true)
	switch mode {
	case ModeSocket:
		log.Info("serving Slack over Socket Mode")
		return socket.Run(ctx)
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
			Store:   storeLabel(cfg),
			Connect: cfg.Mode() == ModeConsole,
			Echo:    !stdio.InTerminal,
			Outbox:  consoleOut,
			Log:     log,
			// The demo team: /kpi demo, or kpibot demo at once.
			Demo: func(ctx context.Context) (string, string, error) {
				_, err := demo.Seed(ctx, store, handler, time.Now(), cfg.TZ, demoSeed, cfg.Lang)
				return demo.Workspace, strings.TrimPrefix(demo.Manager, views.ConsolePrefix), err
			},
			StartDemo: startDemo,
		}
		return c.Run(ctx)
	}
}

// demoSeed makes every demo team the same, from one day to the next
// only as far as its dates move.
const demoSeed = 2026

// storeLabel says where the console's data lives, in the console's
// language, without credentials.
func storeLabel(cfg Config) string {
	if cfg.MongoURI != "" {
		return prompts.Text(cfg.Lang, "console.store.mongodb", nil)
	}
	return prompts.Text(cfg.Lang, "console.store.embedded", map[string]string{"Dir": cfg.DataDir})
}

// withInstall serves the OAuth install pages beside Slack's request URLs
// (next, nil in Socket Mode, where the listener serves only them).
func withInstall(next, install http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(slackoauth.InstallPath, install)
	mux.Handle(slackoauth.CallbackPath, install)
	if next != nil {
		mux.Handle("/", next)
	}
	return mux
}

// apiBase is Slack's Web API base URL with its trailing slash, slack-go's
// own when unset.
func apiBase(u string) string {
	if u == "" {
		return slack.APIURL
	}
	return strings.TrimSuffix(u, "/") + "/"
}

// authorizeURL is Slack's authorize page beside the Web API at apiURL
// (https://slack.com/api/ → https://slack.com/oauth/v2/authorize), for a
// proxy or a test; slack.com's when unset.
func authorizeURL(apiURL string) string {
	if apiURL == "" {
		return slackoauth.DefaultAuthorizeURL
	}
	u, err := url.Parse(apiURL)
	if err != nil {
		return slackoauth.DefaultAuthorizeURL
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/api") + "/oauth/v2/authorize"
	u.RawQuery = ""
	return u.String()
}

// badTokenErrors are auth.test's answers for a token that will never
// work: kpibot stops at once rather than fail every call.
var badTokenErrors = map[string]bool{"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true, "token_expired": true, "not_allowed_token_type": true}

// checkBotToken asks Slack who SLACK_BOT_TOKEN is (auth.test). A token
// Slack refuses stops kpibot with a clear message; Slack unreachable is
// only logged, as every call then falls back the way it can. A
// workspace that had uninstalled the app has its rituals back once its
// token works again.
func checkBotToken(ctx context.Context, api *slack.Client, store *storage.Store, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	auth, err := api.AuthTestContext(ctx)
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && badTokenErrors[se.Err] {
		return fmt.Errorf("SLACK_BOT_TOKEN: Slack refused it (%s). Copy the Bot User OAuth Token (xoxb-…) again from the app's OAuth & Permissions page, and install the app in the workspace if it is not", se.Err)
	}
	if err != nil {
		log.Warn("slack auth.test failed; serving anyway", "err", err)
		return nil
	}
	log.Info("connected to Slack", "workspace", auth.TeamID, "team", auth.Team, "bot_user", auth.UserID)
	if err := store.Reinstated(ctx, auth.TeamID); err != nil {
		log.Error("workspace not reinstated", "workspace", auth.TeamID, "err", err)
	}
	return nil
}

// slackHTTPTimeout bounds one HTTP exchange with Slack's Web API. A file
// upload is the longest (a chart of a few hundred kilobytes).
const slackHTTPTimeout = 30 * time.Second

// errShuttingDown is the readiness of a process that is stopping.
var errShuttingDown = errors.New("shutting down")

// ritualNames are the rituals' metric labels, exported at zero from the start.
var ritualNames = []string{string(rituals.Reminder), string(rituals.Digest), string(rituals.Review), string(rituals.Alert), string(rituals.Coaching)}

// serve listens on addr and serves h until the returned stop is called;
// name says which listener it is in the log.
func serve(ctx context.Context, name, addr string, h http.Handler, log *slog.Logger, listening func(string)) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s listener: listen on %s: %w", name, addr, err)
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
			log.Error("http server stopped", "listener", name, "err", err)
		}
	}()
	log.Info("http listening", "listener", name, "addr", ln.Addr().String())
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
func runRituals(ctx context.Context, h *bot.Handler, store *storage.Store, out bot.Outbox, reg *metrics.Registry, log *slog.Logger) {
	runner := &rituals.Runner{
		// Outcome kinds are the metric's outcome labels.
		Observe: func(o rituals.Outcome) {
			reg.ObserveRitual(string(o.Ritual), o.Kind, o.Lag)
			if o.Kind == rituals.OutcomeStopped {
				reg.ObserveSlackPermanent(o.Reason)
			}
		},
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
	// The first pass reads every team, catches up what was missed while
	// the bot was down and fills the index of next-due times; the later
	// ones read the teams due within a tick, and the ones the runner
	// waits on.
	indexed := false
	for {
		var (
			jobs []rituals.Job
			rep  rituals.TickReport
			err  error
		)
		if !indexed {
			if jobs, err = h.RitualJobs(ctx, store, time.Now()); err == nil {
				rep, indexed = runner.Tick(ctx, jobs), true
			}
		} else {
			var teams []rituals.TeamRef
			if teams, jobs, err = h.DueRitualJobs(ctx, store, time.Now(), ritualTick, runner.Busy()); err == nil {
				rep = runner.TickTeams(ctx, teams, jobs)
			}
		}
		if err != nil {
			log.Error("rituals: reading jobs", "err", err)
		} else if rep.Posted+rep.Skipped+rep.Failed > 0 {
			log.Info("rituals tick", "jobs", len(jobs), "posted", rep.Posted, "skipped", rep.Skipped, "lost_claims", rep.LostClaims, "failed", rep.Failed)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// profileRefresh is how often stale profiles are looked for; each is
// refreshed at most once per slackusers.MaxAge.
const profileRefresh = time.Hour

// refreshProfiles keeps the stored profile of every manager and rep at
// most a day old, off the scheduler's tick: a rep who never ran a command
// still gets reminders in their own timezone and language.
func refreshProfiles(ctx context.Context, store *storage.Store, profiles *slackusers.Profiles, log *slog.Logger) {
	tick := time.NewTicker(profileRefresh)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		teams, err := store.AllTeams(ctx)
		if err != nil {
			log.Error("profiles: reading teams", "err", err)
			continue
		}
		members := map[string][]string{}
		for _, t := range teams {
			members[t.Workspace] = append(append(members[t.Workspace], t.Manager), t.Reps...)
		}
		for ws, users := range members {
			n, err := profiles.RefreshStale(ctx, ws, users)
			if n > 0 || err != nil {
				log.Info("profiles refreshed", "workspace", ws, "refreshed", n, "err", err)
			}
		}
	}
}
