// Package metrics holds what operators watch (commands, Slack API calls,
// rituals, deliveries, the coaching LLM, storage) on a dedicated
// Prometheus registry, served on the admin listener's /metrics.
//
// Names follow Prometheus' conventions: counters end in _total, durations
// are in seconds. Label values are bounded: a command, a Slack method, a
// ritual, a storage operation or an outcome, never a user, a workspace or
// a text.
package metrics

import (
	"net/http"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kpibot/kpibot/bot/deliver"
)

// The outcomes of a command: answered in time, failed on our side,
// answered through response_url after "saving…", or refused because too
// many were in progress.
const (
	OutcomeOK    = "ok"
	OutcomeError = "error"
	OutcomeLate  = "late"
	OutcomeBusy  = "busy"
)

// The outcomes of a ritual occurrence, as rituals reports them: posted on
// time, posted late inside its grace window (caught up), recorded as not
// to run, or failed (each failure is also logged).
const (
	RitualPosted   = "posted"
	RitualCaughtUp = "caught_up"
	RitualSkipped  = "skipped"
	RitualFailed   = "failed"
	// RitualStopped is an occurrence Slack refused for good (a revoked
	// token, an archived channel): not retried.
	RitualStopped = "stopped"
)

// SlackPermanentErrors are Slack's error codes that stop a ritual's
// retries, the values of kpibot_slack_permanent_errors_total's label.
var SlackPermanentErrors = []string{"invalid_auth", "account_inactive", "token_revoked", "channel_not_found", "not_in_channel", "is_archived"}

// Options describes the build and the label values known in advance. Known
// values are exported at zero from the start, so that an alert on the
// first failure sees it: increase() needs a sample before it.
type Options struct {
	Version, Revision string
	// Rituals are the ritual names the scheduler runs.
	Rituals []string
}

// Commands whose names are labels as they are; any other is "other", so
// that a misconfigured Slack app cannot grow the series without bound.
var knownCommands = []string{"/log", "/kpi"}

// Registry is kpibot's metrics on a Prometheus registry of its own (not
// the global default). A nil *Registry records nothing; its methods are
// safe for concurrent use.
type Registry struct {
	reg     *prometheus.Registry
	handler http.Handler

	commands          *prometheus.CounterVec
	commandSeconds    *prometheus.HistogramVec
	slackRequests     *prometheus.CounterVec
	slackSeconds      *prometheus.HistogramVec
	ritualOccurrences *prometheus.CounterVec
	ritualLag         *prometheus.HistogramVec
	slackPermanent    *prometheus.CounterVec
	storageSeconds    *prometheus.HistogramVec
	storageErrors     *prometheus.CounterVec
}

// New returns a registry with kpibot's metrics, its build info, and the
// standard Go runtime and process collectors.
func New(opts Options) *Registry {
	m := &Registry{
		reg: prometheus.NewRegistry(),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kpibot_commands_total",
			Help: "Slash commands handled, by command and outcome: ok, error (failed on our side), late (answered through response_url after 'saving…'), busy (refused, too many in progress).",
		}, []string{"command", "outcome"}),
		commandSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kpibot_command_duration_seconds",
			Help: "Time to handle a slash command, from its start to its answer, busy refusals excluded.",
			// Slack waits 3 s for the acknowledgement; kpibot says "saving…" at 2 s.
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 3, 5, 10, 15},
		}, []string{"command"}),
		slackRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kpibot_slack_api_requests_total",
			Help: "Slack Web API HTTP requests, by method and HTTP status (\"error\" when no answer came: connection error or timeout). Slack answers 200 to most failures, with ok:false in the body, which is not read here.",
		}, []string{"method", "status"}),
		slackSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kpibot_slack_api_request_duration_seconds",
			Help:    "Time from sending a Slack Web API request to its answer's headers, by method.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method"}),
		ritualOccurrences: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kpibot_ritual_occurrences_total",
			Help: "Ritual occurrences this replica handled, by ritual and outcome: posted (on time), caught_up (posted late, inside the grace window), skipped (holiday, outside the grace window, never posted), failed (claim, post or record failed; retried).",
		}, []string{"ritual", "outcome"}),
		ritualLag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kpibot_ritual_lag_seconds",
			Help:    "Time from an occurrence's scheduled time to its post being recorded, by ritual.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600},
		}, []string{"ritual"}),
		slackPermanent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kpibot_slack_permanent_errors_total",
			Help: "Ritual occurrences not posted, and not retried, because Slack refused them for good, by Slack's error: invalid_auth, account_inactive, token_revoked (the workspace's posts pause), channel_not_found, not_in_channel, is_archived.",
		}, []string{"error"}),
		storageSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kpibot_storage_operation_duration_seconds",
			Help:    "Time of one storage collection operation (the embedded store's fsync included), by operation; a cursor's iteration after find or aggregate is not counted.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"op"}),
		storageErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kpibot_storage_operation_errors_total",
			Help: "Storage collection operations that failed, by operation; \"no document\" and duplicate-key answers are not failures.",
		}, []string{"op"}),
	}
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "kpibot_build_info",
		Help: "Always 1; the labels say which build is running.",
	}, []string{"version", "goversion", "revision"})
	build.WithLabelValues(opts.Version, runtime.Version(), opts.Revision).Set(1)
	m.reg.MustRegister(
		m.commands, m.commandSeconds, m.slackRequests, m.slackSeconds,
		m.ritualOccurrences, m.ritualLag, m.slackPermanent, m.storageSeconds, m.storageErrors,
		build,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	for _, c := range knownCommands {
		for _, o := range []string{OutcomeOK, OutcomeError, OutcomeLate, OutcomeBusy} {
			m.commands.WithLabelValues(c, o)
		}
		m.commandSeconds.WithLabelValues(c)
	}
	for _, r := range opts.Rituals {
		for _, o := range []string{RitualPosted, RitualCaughtUp, RitualSkipped, RitualFailed, RitualStopped} {
			m.ritualOccurrences.WithLabelValues(r, o)
		}
	}
	for _, e := range SlackPermanentErrors {
		m.slackPermanent.WithLabelValues(e)
	}
	return m
}

// ServeHTTP serves the metrics in Prometheus' exposition format.
func (m *Registry) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.handler.ServeHTTP(w, r) }

// Gatherer is the registry itself, for tests and other exporters.
func (m *Registry) Gatherer() prometheus.Gatherer { return m.reg }

func commandLabel(name string) string {
	for _, c := range knownCommands {
		if name == c {
			return c
		}
	}
	return "other"
}

// ObserveCommand records one command: how long it took (not for a busy
// refusal, which did nothing) and its outcome, one of the Outcome*.
func (m *Registry) ObserveCommand(command string, took time.Duration, outcome string) {
	if m == nil {
		return
	}
	command = commandLabel(command)
	m.commands.WithLabelValues(command, outcome).Inc()
	if outcome != OutcomeBusy {
		m.commandSeconds.WithLabelValues(command).Observe(took.Seconds())
	}
}

// ObserveRitual records one occurrence's outcome (one of the Ritual*);
// for a posted or caught-up one, lag is from its scheduled time to its
// post.
func (m *Registry) ObserveRitual(ritual, outcome string, lag time.Duration) {
	if m == nil {
		return
	}
	m.ritualOccurrences.WithLabelValues(ritual, outcome).Inc()
	if outcome == RitualPosted || outcome == RitualCaughtUp {
		m.ritualLag.WithLabelValues(ritual).Observe(max(lag, 0).Seconds())
	}
}

// ObserveSlackPermanent counts one occurrence stopped for Slack's error
// code; a code not in SlackPermanentErrors counts as "other", so the
// series stay bounded.
func (m *Registry) ObserveSlackPermanent(code string) {
	if m == nil {
		return
	}
	if !slices.Contains(SlackPermanentErrors, code) {
		code = "other"
	}
	m.slackPermanent.WithLabelValues(code).Inc()
}

// ObserveOperation records one storage operation; it implements
// storage.Observer. err is nil for answers that are not failures.
func (m *Registry) ObserveOperation(op string, took time.Duration, err error) {
	if m == nil {
		return
	}
	m.storageSeconds.WithLabelValues(op).Observe(took.Seconds())
	if err != nil {
		m.storageErrors.WithLabelValues(op).Inc()
	}
}

// SlackTransport instruments the HTTP transport of the Slack Web API
// client: each request is counted by method (from the URL path, as in
// …/api/chat.postMessage) and HTTP status, and timed to its answer's
// headers. Requests that are not Web API calls (a file's upload URL) are
// method "other". next is http.DefaultTransport when nil.
func (m *Registry) SlackTransport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	if m == nil {
		return next
	}
	return &slackTransport{next: next, m: m}
}

type slackTransport struct {
	next http.RoundTripper
	m    *Registry
}

func (t *slackTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	method := slackMethod(req.URL.Path)
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	status := "error"
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
	}
	t.m.slackRequests.WithLabelValues(method, status).Inc()
	t.m.slackSeconds.WithLabelValues(method).Observe(time.Since(start).Seconds())
	return resp, err
}

// webAPIMethod is the shape of a Web API method name: chat.postMessage,
// apps.connections.open, files.getUploadURLExternal.
var webAPIMethod = regexp.MustCompile(`^[a-z]+(\.[a-zA-Z]+){1,3}$`)

func slackMethod(path string) string {
	name := path
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			name = path[i+1:]
			break
		}
	}
	if len(name) > 64 || !webAPIMethod.MatchString(name) {
		return "other"
	}
	return name
}

// WatchDeliveries exports the Slack deliverer's counters, read at each
// scrape: messages by outcome, the API calls it retried after a 429, and
// the posts under way.
func (m *Registry) WatchDeliveries(stats func() deliver.Stats) {
	if m == nil || stats == nil {
		return
	}
	m.reg.MustRegister(&deliveryCollector{stats: stats})
}

var (
	deliveriesDesc = prometheus.NewDesc("kpibot_slack_deliveries_total",
		"Bot messages (rituals, alerts, coaching) by outcome: posted, found (already posted, found before a retry), failed.", []string{"outcome"}, nil)
	retriesDesc = prometheus.NewDesc("kpibot_slack_api_retries_total",
		"Slack Web API calls of the deliverer retried after a 429 answer and its Retry-After.", nil, nil)
	inFlightDesc = prometheus.NewDesc("kpibot_slack_deliveries_in_flight",
		"Bot messages being delivered now, waits for Slack's pace included.", nil, nil)
)

type deliveryCollector struct{ stats func() deliver.Stats }

func (c *deliveryCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- deliveriesDesc
	ch <- retriesDesc
	ch <- inFlightDesc
}

func (c *deliveryCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(deliveriesDesc, prometheus.CounterValue, float64(s.Posted), "posted")
	ch <- prometheus.MustNewConstMetric(deliveriesDesc, prometheus.CounterValue, float64(s.Found), "found")
	ch <- prometheus.MustNewConstMetric(deliveriesDesc, prometheus.CounterValue, float64(s.Failed), "failed")
	ch <- prometheus.MustNewConstMetric(retriesDesc, prometheus.CounterValue, float64(s.Retried429))
	ch <- prometheus.MustNewConstMetric(inFlightDesc, prometheus.GaugeValue, float64(s.InFlight))
}

// LLM is what the coaching drafter counts (*prompts.Coach).
type LLM interface {
	// Calls counts the requests made to the LLM.
	Calls() int64
	// FallbacksByReason counts the drafts that fell back to the templates,
	// by reason, every known reason present.
	FallbacksByReason() map[string]int64
}

// WatchLLM exports the coaching LLM's counters, read at each scrape.
func (m *Registry) WatchLLM(llm LLM) {
	if m == nil || llm == nil {
		return
	}
	m.reg.MustRegister(&llmCollector{llm: llm})
}

var (
	llmCallsDesc = prometheus.NewDesc("kpibot_llm_requests_total",
		"Requests to the coaching LLM (none while OPENAI_API_KEY is unset).", nil, nil)
	llmFallbacksDesc = prometheus.NewDesc("kpibot_llm_fallbacks_total",
		"Coaching drafts that fell back to the question templates although an LLM is configured, by reason (timeout, http_error, unreachable, empty, refusal, guardrail…).", []string{"reason"}, nil)
)

type llmCollector struct{ llm LLM }

func (c *llmCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- llmCallsDesc
	ch <- llmFallbacksDesc
}

func (c *llmCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(llmCallsDesc, prometheus.CounterValue, float64(c.llm.Calls()))
	for reason, n := range c.llm.FallbacksByReason() {
		ch <- prometheus.MustNewConstMetric(llmFallbacksDesc, prometheus.CounterValue, float64(n), labelValue(reason))
	}
}

// labelValue turns "http error" into "http_error".
func labelValue(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == ' ' || c == '-' {
			b[i] = '_'
		}
	}
	return string(b)
}
