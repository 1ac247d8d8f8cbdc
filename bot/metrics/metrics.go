// Package metrics counts what operators watch (commands, rituals,
// deliveries, LLM fallbacks) and serves it in Prometheus' text format.
package metrics

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/kpibot/kpibot/bot/deliver"
)

// Counters counts what operators watch, in Prometheus' text format on
// /metrics. A handful of counters does not need a client library. A nil
// *Counters counts nothing.
type Counters struct {
	mu       sync.Mutex
	commands map[string]*commandCounts

	ritualsPosted, ritualsSkipped, ritualsFailed atomic.Int64

	// Delivery reads the Slack deliverer's counters when set.
	Delivery func() deliver.Stats
	// LLMFallbacks reads how often coaching drafts fell back to the
	// templates, when an LLM is configured.
	LLMFallbacks func() int64
}

type commandCounts struct {
	total, failed, late atomic.Int64
	seconds             atomic.Int64 // microseconds, summed
}

// New returns empty counters.
func New() *Counters { return &Counters{commands: map[string]*commandCounts{}} }

func (m *Counters) command(name string) *commandCounts {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.commands[name]
	if !ok {
		c = &commandCounts{}
		m.commands[name] = c
	}
	return c
}

// ObserveCommand records one command: its duration, whether it failed,
// and whether its answer went through response_url after "saving…".
func (m *Counters) ObserveCommand(name string, micros int64, failed, late bool) {
	if m == nil {
		return
	}
	c := m.command(name)
	c.total.Add(1)
	c.seconds.Add(micros)
	if failed {
		c.failed.Add(1)
	}
	if late {
		c.late.Add(1)
	}
}

// ObserveRituals adds a scheduler pass's outcome.
func (m *Counters) ObserveRituals(posted, skipped, failed int) {
	if m == nil {
		return
	}
	m.ritualsPosted.Add(int64(posted))
	m.ritualsSkipped.Add(int64(skipped))
	m.ritualsFailed.Add(int64(failed))
}

// ServeHTTP writes the counters in Prometheus' text exposition format.
func (m *Counters) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	m.write(w)
}

func (m *Counters) write(w io.Writer) {
	m.mu.Lock()
	names := make([]string, 0, len(m.commands))
	for n := range m.commands {
		names = append(names, n)
	}
	m.mu.Unlock()
	slices.Sort(names)
	fmt.Fprintln(w, "# HELP kpibot_commands_total Slash commands handled.\n# TYPE kpibot_commands_total counter")
	for _, n := range names {
		fmt.Fprintf(w, "kpibot_commands_total{command=%q} %d\n", n, m.command(n).total.Load())
	}
	fmt.Fprintln(w, "# HELP kpibot_command_failures_total Slash commands that failed on our side.\n# TYPE kpibot_command_failures_total counter")
	for _, n := range names {
		fmt.Fprintf(w, "kpibot_command_failures_total{command=%q} %d\n", n, m.command(n).failed.Load())
	}
	fmt.Fprintln(w, "# HELP kpibot_command_late_total Answers sent through response_url after a 'saving…' acknowledgement.\n# TYPE kpibot_command_late_total counter")
	for _, n := range names {
		fmt.Fprintf(w, "kpibot_command_late_total{command=%q} %d\n", n, m.command(n).late.Load())
	}
	fmt.Fprintln(w, "# HELP kpibot_command_seconds_total Time spent handling commands.\n# TYPE kpibot_command_seconds_total counter")
	for _, n := range names {
		fmt.Fprintf(w, "kpibot_command_seconds_total{command=%q} %.6f\n", n, float64(m.command(n).seconds.Load())/1e6)
	}
	fmt.Fprintln(w, "# HELP kpibot_ritual_occurrences_total Ritual occurrences by outcome.\n# TYPE kpibot_ritual_occurrences_total counter")
	fmt.Fprintf(w, "kpibot_ritual_occurrences_total{outcome=\"posted\"} %d\n", m.ritualsPosted.Load())
	fmt.Fprintf(w, "kpibot_ritual_occurrences_total{outcome=\"skipped\"} %d\n", m.ritualsSkipped.Load())
	fmt.Fprintf(w, "kpibot_ritual_occurrences_total{outcome=\"failed\"} %d\n", m.ritualsFailed.Load())
	if m.LLMFallbacks != nil {
		fmt.Fprintln(w, "# HELP kpibot_llm_fallbacks_total Coaching drafts that fell back to the templates (timeout, error, empty, refused, rejected by the guardrail).\n# TYPE kpibot_llm_fallbacks_total counter")
		fmt.Fprintf(w, "kpibot_llm_fallbacks_total %d\n", m.LLMFallbacks())
	}
	if m.Delivery != nil {
		s := m.Delivery()
		fmt.Fprintln(w, "# HELP kpibot_slack_deliveries_total Ritual messages by outcome; found means already posted before a retry.\n# TYPE kpibot_slack_deliveries_total counter")
		fmt.Fprintf(w, "kpibot_slack_deliveries_total{outcome=\"posted\"} %d\n", s.Posted)
		fmt.Fprintf(w, "kpibot_slack_deliveries_total{outcome=\"found\"} %d\n", s.Found)
		fmt.Fprintf(w, "kpibot_slack_deliveries_total{outcome=\"failed\"} %d\n", s.Failed)
		fmt.Fprintln(w, "# HELP kpibot_slack_rate_limited_total Slack API calls answered 429 and retried.\n# TYPE kpibot_slack_rate_limited_total counter")
		fmt.Fprintf(w, "kpibot_slack_rate_limited_total %d\n", s.Retried429)
	}
}
