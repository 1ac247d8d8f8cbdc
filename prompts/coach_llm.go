package prompts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Defaults of the optional coaching LLM.
const (
	DefaultCoachModel   = "gpt-4o-mini"
	DefaultCoachTimeout = 8 * time.Second
)

// Where Draft's questions come from.
const (
	SourceTemplate = "template"
	SourceLLM      = "llm"
)

// CoachConfig configures the optional LLM that rephrases coaching questions.
type CoachConfig struct {
	APIKey, BaseURL, Model string        // from OPENAI_API_KEY / OPENAI_BASE_URL / OPENAI_MODEL; empty APIKey = LLM off; Model default "gpt-4o-mini"
	Timeout                time.Duration // per LLM call; default 8s
	HTTPClient             *http.Client  // default a plain client; the deadline comes from Timeout
	Logger                 *slog.Logger  // default slog.Default()
}

// CoachConfigFromEnv reads OPENAI_API_KEY, OPENAI_BASE_URL and OPENAI_MODEL
// through getenv (os.Getenv, or a lookup that resolves _FILE variants).
func CoachConfigFromEnv(getenv func(string) string) CoachConfig {
	return CoachConfig{
		APIKey:  strings.TrimSpace(getenv("OPENAI_API_KEY")),
		BaseURL: strings.TrimSpace(getenv("OPENAI_BASE_URL")),
		Model:   strings.TrimSpace(getenv("OPENAI_MODEL")),
	}
}

// Coach drafts coaching questions: templates, rephrased by an LLM when one
// is configured. It is safe for concurrent use.
type Coach struct {
	cfg       CoachConfig
	client    *openai.Client // nil when the LLM is off
	log       *slog.Logger
	fallbacks atomic.Int64
	calls     atomic.Int64
	// byReason counts fallbacks by reason, for metrics.
	mu       sync.Mutex
	byReason map[string]int64
	// warned is set once a configuration problem (bad key, bad URL) has
	// been logged as a warning at first use; later ones are logged at info
	// level so that a broken configuration does not flood the logs.
	warned atomic.Bool
}

// NewCoach applies the defaults of cfg. With an empty APIKey the LLM is off
// and Draft uses the templates only.
func NewCoach(cfg CoachConfig) *Coach {
	if cfg.Model == "" {
		cfg.Model = DefaultCoachModel
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultCoachTimeout
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Coach{cfg: cfg, log: cfg.Logger}
	if cfg.APIKey != "" {
		oc := openai.DefaultConfig(cfg.APIKey)
		if cfg.BaseURL != "" {
			oc.BaseURL = cfg.BaseURL
		}
		oc.HTTPClient = cfg.HTTPClient
		c.client = openai.NewClientWithConfig(oc)
	}
	return c
}

// Enabled reports whether an LLM is configured.
func (c *Coach) Enabled() bool { return c.client != nil }

// Fallbacks counts the drafts that fell back to the templates although the
// LLM is configured.
func (c *Coach) Fallbacks() int64 { return c.fallbacks.Load() }

// FallbackReasons are the reasons a draft falls back to the templates, as
// logged and as counted by FallbacksByReason.
var FallbackReasons = []string{"request", "timeout", "canceled", "http error", "unreachable", "bad response", "error", "empty", "refusal", "guardrail"}

// Calls counts the completion requests sent to the LLM.
func (c *Coach) Calls() int64 { return c.calls.Load() }

// FallbacksByReason counts the fallbacks by reason; every reason of
// FallbackReasons is present, zero or not.
func (c *Coach) FallbacksByReason() map[string]int64 {
	out := make(map[string]int64, len(FallbackReasons))
	for _, r := range FallbackReasons {
		out[r] = 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for r, n := range c.byReason {
		out[r] = n
	}
	return out
}

// Draft returns the questions for f: the template questions, rephrased and
// personalised by the LLM when it is configured. source is "template" or
// "llm". On a timeout, an error, an empty answer, a refusal, or an answer
// the guardrail rejects, it falls back to the templates silently for the
// user: it logs why (never the request or the answer) and counts it.
func (c *Coach) Draft(ctx context.Context, f CoachFacts, seed uint64) (questions []string, source string) {
	f = sanitizeFacts(f)
	templates := Questions(f, seed)
	if !c.Enabled() {
		return templates, SourceTemplate
	}
	start := time.Now()
	got, reason, status, cause := c.ask(ctx, f, templates)
	if reason != "" {
		c.fallback(reason, status, cause, time.Since(start))
		return templates, SourceTemplate
	}
	return got, SourceLLM
}

// ask runs one completion and returns the parsed questions, or why they
// cannot be used (with the HTTP status and a safe cause when there is one).
func (c *Coach) ask(ctx context.Context, f CoachFacts, templates []string) (qs []string, reason string, status int, cause string) {
	user, err := userMessage(f, templates)
	if err != nil {
		return nil, "request", 0, "encode facts"
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	c.calls.Add(1)
	resp, err := c.client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model: c.cfg.Model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: systemPrompt},
			{Role: openai.ChatMessageRoleUser, Content: user},
		},
	})
	if err != nil {
		reason, status, cause = classify(ctx, err)
		return nil, reason, status, cause
	}
	if len(resp.Choices) == 0 {
		return nil, "empty", 0, "no choice"
	}
	choice := resp.Choices[0]
	if choice.FinishReason == openai.FinishReasonContentFilter || strings.TrimSpace(choice.Message.Refusal) != "" {
		return nil, "refusal", 0, ""
	}
	content := strings.TrimSpace(thinkBlock.ReplaceAllString(choice.Message.Content, ""))
	if content == "" {
		return nil, "empty", 0, ""
	}
	if isRefusal(content) {
		return nil, "refusal", 0, ""
	}
	qs = parseAnswer(content)
	if len(qs) == 0 {
		return nil, "empty", 0, "no question line"
	}
	if why := Guard(qs); why != "" {
		return nil, "guardrail", 0, why
	}
	// The pseudonym is for the model's understanding only: the rep reads
	// these questions, addressed to them directly.
	if p := (phrase{tokens: tokens(f.Pseudonym)}); len(p.tokens) > 0 {
		for _, q := range qs {
			if _, ok := findPhrase(tokens(q), []phrase{p}); ok {
				return nil, "guardrail", 0, "names the pseudonym"
			}
		}
	}
	return qs, "", 0, ""
}

// fallback counts a fallback and logs why: a configuration problem once as
// a warning, everything else as a warning each time. Nothing of the request
// or the answer is logged, only the reason and numbers.
func (c *Coach) fallback(reason string, status int, cause string, took time.Duration) {
	c.fallbacks.Add(1)
	c.mu.Lock()
	if c.byReason == nil {
		c.byReason = map[string]int64{}
	}
	c.byReason[reason]++
	c.mu.Unlock()
	attrs := []any{
		"reason", reason, "model", c.cfg.Model,
		"took_ms", took.Milliseconds(), "fallbacks", c.fallbacks.Load(),
	}
	if status != 0 {
		attrs = append(attrs, "status", status)
	}
	if cause != "" {
		attrs = append(attrs, "cause", cause)
	}
	if hint := configHint(reason, status); hint != "" {
		attrs = append(attrs, "base_url", safeURL(c.baseURL()), "hint", hint)
		if c.warned.CompareAndSwap(false, true) {
			c.log.Warn("coaching LLM misconfigured; using the question templates", attrs...)
		} else {
			c.log.Info("coaching LLM misconfigured; using the question templates", attrs...)
		}
		return
	}
	c.log.Warn("coaching LLM draft unusable; using the question templates", attrs...)
}

// Check probes the configuration once at start with a cheap models list
// call within the deadline, and logs one clear warning if the URL, the key
// or the model is wrong. Coaching continues on templates either way; the
// error is only for the caller's own reporting. With the LLM off it logs
// that at info level and returns nil.
func (c *Coach) Check(ctx context.Context) error {
	if !c.Enabled() {
		c.log.Info("coaching LLM off (OPENAI_API_KEY unset): coaching questions come from the templates")
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	base := safeURL(c.baseURL())
	models, err := c.client.ListModels(ctx)
	if err != nil {
		reason, status, cause := classify(ctx, err)
		hint := configHint(reason, status)
		if hint == "" {
			hint = "the LLM server did not answer as expected; check OPENAI_BASE_URL"
		}
		attrs := []any{"base_url", base, "model", c.cfg.Model, "reason", reason, "hint", hint}
		if status != 0 {
			attrs = append(attrs, "status", status)
		}
		if cause != "" {
			attrs = append(attrs, "cause", cause)
		}
		c.log.Warn("coaching LLM misconfigured; coaching questions will come from the templates", attrs...)
		if status != 0 {
			return fmt.Errorf("prompts: coaching LLM check at %s: %s (HTTP %d): %s", base, reason, status, hint)
		}
		return fmt.Errorf("prompts: coaching LLM check at %s: %s: %s", base, reason, hint)
	}
	if len(models.Models) > 0 && !slices.ContainsFunc(models.Models, func(m openai.Model) bool { return m.ID == c.cfg.Model }) {
		hint := "the server does not list this model; check OPENAI_MODEL"
		c.log.Warn("coaching LLM misconfigured; coaching questions will come from the templates",
			"base_url", base, "model", c.cfg.Model, "reason", "unknown model", "hint", hint)
		return fmt.Errorf("prompts: coaching LLM check at %s: model %q: %s", base, c.cfg.Model, hint)
	}
	c.log.Info("coaching LLM ready", "base_url", base, "model", c.cfg.Model)
	return nil
}

func (c *Coach) baseURL() string {
	if c.cfg.BaseURL != "" {
		return c.cfg.BaseURL
	}
	return openai.DefaultConfig("").BaseURL
}

// classify turns a client error into a short reason, the HTTP status when
// the server answered, and a cause safe to log: the transport error without
// the URL's query, never the server's message (it may echo a masked key).
func classify(ctx context.Context, err error) (reason string, status int, cause string) {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "timeout", 0, ""
	}
	if errors.Is(err, context.Canceled) {
		return "canceled", 0, ""
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) && apiErr.HTTPStatusCode != 0 {
		return "http error", apiErr.HTTPStatusCode, ""
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) && reqErr.HTTPStatusCode != 0 {
		return "http error", reqErr.HTTPStatusCode, ""
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return "unreachable", 0, urlErr.Err.Error()
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return "bad response", 0, "not JSON"
	}
	return "error", 0, fmt.Sprintf("%T", err)
}

// configHint says what to fix when a failure points at the configuration.
func configHint(reason string, status int) string {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return "the API key was refused; check OPENAI_API_KEY"
	case status == http.StatusNotFound:
		return "no OpenAI-compatible API at this address or no such model; check OPENAI_BASE_URL and OPENAI_MODEL"
	case reason == "unreachable":
		return "the server cannot be reached; check OPENAI_BASE_URL"
	}
	return ""
}

// safeURL drops credentials and the query from u before it is logged.
func safeURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable OPENAI_BASE_URL)"
	}
	p.User, p.RawQuery, p.Fragment = nil, "", ""
	return p.String()
}

// llmFacts is the user message: exactly these keys, nothing else.
type llmFacts struct {
	Pseudonym  string             `json:"pseudonym"`
	Language   string             `json:"language"`
	Signals    []llmSignal        `json:"signals"`
	Rates      map[string]float64 `json:"rates"`
	Trend      map[string]float64 `json:"trend"`
	Objectives []llmObjective     `json:"objectives"`
	Questions  []string           `json:"questions"`
}

type llmSignal struct {
	Kind      string  `json:"kind"`
	Stage     string  `json:"stage"`
	Value     float64 `json:"value"`
	Reference float64 `json:"reference"`
	Count     int     `json:"count"`
	Private   bool    `json:"private,omitempty"`
}

type llmObjective struct {
	Target string  `json:"target"`
	Status string  `json:"status"`
	Ratio  float64 `json:"ratio"`
}

// userMessage writes the compact JSON the LLM gets from sanitised facts.
func userMessage(f CoachFacts, templates []string) (string, error) {
	m := llmFacts{
		Pseudonym:  f.Pseudonym,
		Language:   string(f.Lang),
		Signals:    make([]llmSignal, 0, len(f.Signals)),
		Rates:      roundRates(f.Rates),
		Trend:      roundRates(f.Trend),
		Objectives: make([]llmObjective, 0, len(f.Objectives)),
		Questions:  templates,
	}
	for _, s := range f.Signals {
		m.Signals = append(m.Signals, llmSignal{Kind: s.Kind, Stage: s.Stage, Value: round4(s.Value), Reference: round4(s.Reference), Count: s.Count, Private: s.Private})
	}
	for _, o := range f.Objectives {
		m.Objectives = append(m.Objectives, llmObjective{Target: o.Target, Status: o.Status, Ratio: round4(o.Ratio)})
	}
	raw, err := json.Marshal(m)
	return string(raw), err
}

func roundRates(in map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(in))
	for k, v := range in {
		out[k] = round4(v)
	}
	return out
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

var (
	// thinkBlock is the reasoning some local models print before answering.
	thinkBlock = regexp.MustCompile(`(?s)<think>.*?</think>`)
	// listMarker is a numbering or bullet at the start of a line.
	listMarker = regexp.MustCompile(`^(?:[-*•·–—]+|\(?\d{1,2}[.)]|[a-d][.)])\s*`)
)

// parseAnswer reads one question a line: list markers, markdown emphasis
// and surrounding quotes are stripped, empty lines and headings ("Voici
// quelques questions :") dropped, and at most MaxQuestions kept.
func parseAnswer(content string) []string {
	var out []string
	for _, line := range strings.Split(content, "\n") {
		line = strings.TrimSpace(line)
		line = strings.TrimSpace(listMarker.ReplaceAllString(line, ""))
		line = strings.ReplaceAll(line, "**", "")
		line = strings.TrimSpace(strings.Trim(line, `"“”«»`))
		if line == "" || strings.HasSuffix(line, ":") {
			continue
		}
		out = append(out, line)
		if len(out) == MaxQuestions {
			break
		}
	}
	return out
}

// isRefusal reports whether an answer starts like a refusal.
func isRefusal(content string) bool {
	s := strings.TrimLeftFunc(fold(content), func(r rune) bool {
		return r == '"' || r == '*' || r == ' ' || r == '«' || r == '“'
	})
	for _, p := range refusalPrefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
