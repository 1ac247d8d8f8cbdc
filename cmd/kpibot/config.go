package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/kpibot/kpibot/bot/secretbox"
	"github.com/kpibot/kpibot/bot/slackoauth"
	"github.com/kpibot/kpibot/prompts"
)

// Config is everything kpibot reads from its environment.
type Config struct {
	BotToken      string
	SigningSecret string
	AppToken      string
	Addr          string
	SlackAPIURL   string
	MongoURI      string
	DataDir       string
	TZ            *time.Location
	Lang          prompts.Lang
	// Currency is the ISO code of the currency of workspaces that chose
	// none with /kpi settings currency.
	Currency string
	LogLevel slog.Level
	// OpenAI* configure the optional LLM that rephrases coaching questions.
	OpenAIKey, OpenAIBaseURL, OpenAIModel string
	// AdminAddr serves /healthz, /readyz and /metrics, in every mode.
	AdminAddr string
	// LogFormat is "json" or "text"; empty chooses by whether stderr is a
	// terminal.
	LogFormat string
	// ClientID and ClientSecret turn OAuth on: the app is installed in
	// many workspaces through /slack/install, each with its own token.
	ClientID, ClientSecret string
	// PublicURL is where Slack and browsers reach KPIBOT_ADDR, for the
	// OAuth redirect URL.
	PublicURL string
	// EncryptionKey seals the workspaces' tokens at rest: base64 keys,
	// the sealing one first.
	EncryptionKey string
}

// Mode is how kpibot talks to people.
type Mode string

// The modes, chosen from which Slack credentials are set.
const (
	ModeConsole Mode = "console"
	ModeSocket  Mode = "socket"
	ModeHTTP    Mode = "http"
)

// setting documents one environment variable; --help prints the table.
type setting struct {
	name, def, help string
	secret          bool
}

var settings = []setting{
	{name: "SLACK_BOT_TOKEN", help: "Bot token (xoxb-…). Needed to serve Slack.", secret: true},
	{name: "SLACK_SIGNING_SECRET", help: "Signing secret: serve Slack over HTTP (request URLs under /slack/).", secret: true},
	{name: "SLACK_APP_TOKEN", help: "App-level token (xapp-…): serve Slack over Socket Mode, no public URL needed.", secret: true},
	{name: "KPIBOT_ADDR", def: ":8080", help: "HTTP listen address of Slack's request URLs (/slack/...), in HTTP mode; it serves nothing else."},
	{name: "KPIBOT_ADMIN_ADDR", def: "127.0.0.1:9090", help: "Admin listen address: /healthz, /readyz and /metrics, in every mode; keep it private."},
	{name: "SLACK_CLIENT_ID", help: "OAuth: the app's client ID. With SLACK_CLIENT_SECRET, the app is installed in any number of workspaces through /slack/install, instead of SLACK_BOT_TOKEN."},
	{name: "SLACK_CLIENT_SECRET", help: "OAuth: the app's client secret.", secret: true},
	{name: "KPIBOT_PUBLIC_URL", help: "OAuth: the public https URL of KPIBOT_ADDR (https://kpibot.example.com); the redirect URL is its /slack/oauth/callback."},
	{name: "KPIBOT_ENCRYPTION_KEY", help: "OAuth: the keys that seal the workspaces' tokens at rest, base64, comma-separated, the sealing one first (kpibot keygen makes one).", secret: true},
	{name: "SLACK_API_URL", help: "Slack Web API base URL, for tests and proxies (default Slack's own)."},
	{name: "MONGODB_URI", help: "MongoDB or Atlas connection string. Unset: the embedded single-file store.", secret: true},
	{name: "KPIBOT_DATA_DIR", def: "./data", help: "Directory of the embedded store, used when MONGODB_URI is unset."},
	{name: "KPIBOT_TZ", def: "Europe/Paris", help: "Workspace default timezone, when Slack does not give the user's."},
	{name: "KPIBOT_LANG", def: "fr", help: "Workspace default language, fr or en, when Slack does not give the user's."},
	{name: "KPIBOT_CURRENCY", def: "EUR", help: "Default currency of amounts, an ISO code (EUR, USD, GBP…); a workspace admin can choose another with /kpi settings currency."},
	{name: "KPIBOT_LOG_LEVEL", def: "info", help: "debug, info, warn or error."},
	{name: "KPIBOT_LOG_FORMAT", help: "json or text (default: text when stderr is a terminal, json otherwise)."},
	{name: "OPENAI_API_KEY", help: "Optional: an OpenAI-compatible LLM rephrases coaching questions (only aggregates and a pseudonym are sent).", secret: true},
	{name: "OPENAI_BASE_URL", help: "OpenAI-compatible endpoint (Azure, Ollama, vLLM…); OpenAI's when unset."},
	{name: "OPENAI_MODEL", def: "gpt-4o-mini", help: "Model for coaching questions."},
}

// LoadConfig reads the environment through getenv and readFile (os.Getenv
// and os.ReadFile outside tests), and validates it. Every problem is
// reported at once, so a misconfigured deploy is fixed in one go.
func LoadConfig(getenv func(string) string, readFile func(string) ([]byte, error)) (Config, error) {
	var errs []error
	get := func(name string) string {
		v, err := lookup(getenv, readFile, name)
		if err != nil {
			errs = append(errs, err)
		}
		return v
	}
	cfg := Config{
		BotToken:      get("SLACK_BOT_TOKEN"),
		SigningSecret: get("SLACK_SIGNING_SECRET"),
		AppToken:      get("SLACK_APP_TOKEN"),
		Addr:          get("KPIBOT_ADDR"),
		AdminAddr:     get("KPIBOT_ADMIN_ADDR"),
		SlackAPIURL:   get("SLACK_API_URL"),
		MongoURI:      get("MONGODB_URI"),
		DataDir:       get("KPIBOT_DATA_DIR"),
		OpenAIKey:     get("OPENAI_API_KEY"),
		OpenAIBaseURL: get("OPENAI_BASE_URL"),
		OpenAIModel:   get("OPENAI_MODEL"),
		ClientID:      get("SLACK_CLIENT_ID"),
		ClientSecret:  get("SLACK_CLIENT_SECRET"),
		PublicURL:     strings.TrimSuffix(get("KPIBOT_PUBLIC_URL"), "/"),
		EncryptionKey: get("KPIBOT_ENCRYPTION_KEY"),
	}
	tz := get("KPIBOT_TZ")
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		errs = append(errs, fmt.Errorf("KPIBOT_TZ: %q is not an IANA timezone such as Europe/Paris or America/New_York", tz))
	}
	cfg.TZ = loc
	lang, ok := prompts.ParseLang(get("KPIBOT_LANG"))
	if !ok {
		errs = append(errs, fmt.Errorf("KPIBOT_LANG: %q is not supported; use fr or en", getenv("KPIBOT_LANG")))
	}
	cfg.Lang = lang
	cfg.Currency = strings.ToUpper(strings.TrimSpace(get("KPIBOT_CURRENCY")))
	if !prompts.KnownCurrency(cfg.Currency) {
		errs = append(errs, fmt.Errorf("KPIBOT_CURRENCY: %q is not a currency kpibot knows; use an ISO code, one of %s", getenv("KPIBOT_CURRENCY"), strings.Join(prompts.Currencies(), ", ")))
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(get("KPIBOT_LOG_LEVEL"))); err != nil {
		errs = append(errs, fmt.Errorf("KPIBOT_LOG_LEVEL: %q is not one of debug, info, warn, error", getenv("KPIBOT_LOG_LEVEL")))
	}
	switch cfg.LogFormat = strings.ToLower(strings.TrimSpace(get("KPIBOT_LOG_FORMAT"))); cfg.LogFormat {
	case "", "json", "text":
	default:
		errs = append(errs, fmt.Errorf("KPIBOT_LOG_FORMAT: %q is not json or text", getenv("KPIBOT_LOG_FORMAT")))
	}
	errs = append(errs, cfg.validate()...)
	return cfg, errors.Join(errs...)
}

func (c Config) validate() []error {
	var errs []error
	if c.BotToken != "" && !strings.HasPrefix(c.BotToken, "xoxb-") {
		errs = append(errs, errors.New("SLACK_BOT_TOKEN: expected a bot token starting with xoxb-"))
	}
	if c.AppToken != "" && !strings.HasPrefix(c.AppToken, "xapp-") {
		errs = append(errs, errors.New("SLACK_APP_TOKEN: expected an app-level token starting with xapp-"))
	}
	slackSet := c.BotToken != "" || c.AppToken != "" || c.SigningSecret != ""
	if (c.ClientID == "") != (c.ClientSecret == "") {
		errs = append(errs, errors.New("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET: set both for OAuth, or neither"))
	}
	switch {
	case c.OAuth():
		errs = append(errs, c.validateOAuth()...)
	case slackSet && c.BotToken == "":
		errs = append(errs, errors.New("SLACK_BOT_TOKEN: required to serve Slack (set it, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install through OAuth, or unset the other SLACK_* variables to use the console)"))
	}
	if c.BotToken != "" && c.AppToken == "" && c.SigningSecret == "" {
		errs = append(errs, errors.New("SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP) is"))
	}
	if c.Addr == "" {
		errs = append(errs, errors.New("KPIBOT_ADDR: must not be empty (default :8080)"))
	}
	if c.AdminAddr == "" {
		errs = append(errs, errors.New("KPIBOT_ADMIN_ADDR: must not be empty (default 127.0.0.1:9090)"))
	} else if c.AdminAddr == c.Addr && !strings.HasSuffix(c.Addr, ":0") {
		errs = append(errs, fmt.Errorf("KPIBOT_ADMIN_ADDR and KPIBOT_ADDR are both %s: the admin endpoints need a listener of their own", c.Addr))
	}
	if c.MongoURI == "" && c.DataDir == "" {
		errs = append(errs, errors.New("KPIBOT_DATA_DIR: must not be empty when MONGODB_URI is unset"))
	}
	return errs
}

// OAuth reports whether the app is installed through OAuth, in any number
// of workspaces, rather than with one SLACK_BOT_TOKEN.
func (c Config) OAuth() bool { return c.ClientID != "" && c.ClientSecret != "" }

// RedirectURL is the OAuth redirect URL, the callback under PublicURL.
func (c Config) RedirectURL() string { return c.PublicURL + slackoauth.CallbackPath }

func (c Config) validateOAuth() []error {
	var errs []error
	if c.BotToken != "" {
		errs = append(errs, errors.New("SLACK_BOT_TOKEN is set with SLACK_CLIENT_ID: with OAuth each workspace's token comes from its install (/slack/install); unset SLACK_BOT_TOKEN"))
	}
	if c.AppToken == "" && c.SigningSecret == "" {
		errs = append(errs, errors.New("SLACK_CLIENT_ID is set but neither SLACK_SIGNING_SECRET (HTTP) nor SLACK_APP_TOKEN (Socket Mode) is"))
	}
	if u, err := url.Parse(c.PublicURL); c.PublicURL == "" || err != nil || u.Host == "" || u.Scheme != "https" && !(u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1")) {
		errs = append(errs, fmt.Errorf("KPIBOT_PUBLIC_URL: %q must be the https URL where Slack reaches kpibot, such as https://kpibot.example.com (http only on localhost)", c.PublicURL))
	}
	if c.EncryptionKey == "" {
		errs = append(errs, errors.New("KPIBOT_ENCRYPTION_KEY: required with OAuth, to seal the workspaces' tokens; make one with kpibot keygen"))
	} else if _, err := secretbox.ParseKeys(c.EncryptionKey); err != nil {
		errs = append(errs, fmt.Errorf("KPIBOT_ENCRYPTION_KEY: %w", err))
	}
	return errs
}

// Mode says how the configuration serves people: Socket Mode when an app
// token is set, HTTP with a signing secret, the console otherwise.
func (c Config) Mode() Mode {
	switch {
	case c.AppToken != "":
		return ModeSocket
	case c.SigningSecret != "":
		return ModeHTTP
	}
	return ModeConsole
}

// lookup reads NAME, or the file named by NAME_FILE, or the default.
// Secrets come from files in Docker and Kubernetes; setting both is a
// mistake worth stopping for.
func lookup(getenv func(string) string, readFile func(string) ([]byte, error), name string) (string, error) {
	v, file := getenv(name), getenv(name+"_FILE")
	switch {
	case v != "" && file != "":
		return "", fmt.Errorf("%s and %s_FILE are both set; keep one", name, name)
	case file != "":
		b, err := readFile(file)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	case v != "":
		return v, nil
	}
	for _, s := range settings {
		if s.name == name {
			return s.def, nil
		}
	}
	return "", nil
}

// LogValue keeps secrets out of logs: the config can be logged as is.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("mode", string(c.Mode())),
		slog.String("slack_bot_token", redact(c.BotToken)),
		slog.String("slack_signing_secret", redact(c.SigningSecret)),
		slog.String("slack_app_token", redact(c.AppToken)),
		slog.String("addr", c.Addr),
		slog.String("admin_addr", c.AdminAddr),
		slog.String("slack_api_url", c.SlackAPIURL),
		slog.String("mongodb_uri", redact(c.MongoURI)),
		slog.String("data_dir", c.DataDir),
		slog.String("tz", c.TZ.String()),
		slog.String("lang", string(c.Lang)),
		slog.String("currency", c.Currency),
		slog.String("openai_api_key", redact(c.OpenAIKey)),
		slog.String("openai_base_url", c.OpenAIBaseURL),
		slog.Bool("oauth", c.OAuth()),
		slog.String("slack_client_id", c.ClientID),
		slog.String("slack_client_secret", redact(c.ClientSecret)),
		slog.String("public_url", c.PublicURL),
		slog.String("encryption_key", redact(c.EncryptionKey)),
	)
}

func redact(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// printHelp writes the usage and every setting.
func printHelp(w io.Writer) {
	fmt.Fprint(w, `kpibot: a Slack bot for sales teams' KPI rituals and coaching.

Usage:
  kpibot                        serve Slack when credentials are set, else open the local console
  kpibot console [--user NAME]  the local console, on the configured store
  kpibot demo                   the console, in a demo team: a manager, 8 reps, 12 weeks of history
  kpibot backup FILE            a consistent copy of the embedded store, while the bot runs or not
  kpibot restore FILE           a backup into an empty KPIBOT_DATA_DIR
  kpibot migrate --to URI       copy the embedded store into MongoDB (stop the bot first)
  kpibot keygen                 print a new KPIBOT_ENCRYPTION_KEY key
  kpibot reencrypt              seal every stored workspace token again under the first KPIBOT_ENCRYPTION_KEY key
  kpibot healthcheck            exit 0 if /readyz on KPIBOT_ADMIN_ADDR says ready, else 1 (container health checks)
  kpibot --help                 this help
  kpibot --version              the version

Settings (environment variables; each secret can also be read from NAME_FILE):
`)
	for _, s := range settings {
		def := ""
		if s.def != "" {
			def = " (default " + s.def + ")"
		}
		extra := ""
		if s.secret {
			extra = " [secret; " + s.name + "_FILE]"
		}
		fmt.Fprintf(w, "  %-22s %s%s%s\n", s.name, s.help, def, extra)
	}
}
