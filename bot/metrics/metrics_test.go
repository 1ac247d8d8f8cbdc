package metrics

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot/deliver"
)

func scrape(t *testing.T, m *Registry) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return w.Body.String()
}

func TestSlackMethodLabels(t *testing.T) {
	for path, want := range map[string]string{
		"/api/chat.postMessage":             "chat.postMessage",
		"/chat.postMessage":                 "chat.postMessage",
		"/api/apps.connections.open":        "apps.connections.open",
		"/api/files.getUploadURLExternal":   "files.getUploadURLExternal",
		"/upload/v1/ABCDEF0123":             "other",
		"/":                                 "other",
		"/api/" + strings.Repeat("a.b", 40): "other",
	} {
		if got := slackMethod(path); got != want {
			t.Errorf("slackMethod(%q) = %q, want %q", path, got, want)
		}
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestCountsAndOutcomes(t *testing.T) {
	m := New(Options{Version: "v1", Revision: "abc", Rituals: []string{"review"}})
	m.ObserveCommand("/log", 30*time.Millisecond, OutcomeOK)
	m.ObserveCommand("/log", 0, OutcomeBusy)
	m.ObserveCommand("/somebody-elses", time.Second, OutcomeError)
	m.ObserveRitual("review", RitualCaughtUp, 2*time.Hour)
	m.ObserveOperation("find_one", time.Millisecond, nil)
	m.ObserveOperation("update_one", time.Millisecond, errors.New("disk full"))
	m.WatchDeliveries(func() deliver.Stats { return deliver.Stats{Posted: 3, Retried429: 2, InFlight: 1} })
	down := errors.New("connection refused")
	rt := m.SlackTransport(roundTrip(func(r *http.Request) (*http.Response, error) {
		if strings.HasSuffix(r.URL.Path, "users.info") {
			return nil, down
		}
		return &http.Response{StatusCode: http.StatusTooManyRequests, Body: io.NopCloser(strings.NewReader(""))}, nil
	}))
	for _, u := range []string{"http://slack.test/api/users.info", "http://slack.test/api/chat.postMessage"} {
		req, _ := http.NewRequest(http.MethodPost, u, nil)
		if resp, err := rt.RoundTrip(req); err == nil {
			resp.Body.Close()
		}
	}
	text := scrape(t, m)
	for _, want := range []string{
		`kpibot_commands_total{command="/log",outcome="ok"} 1`,
		`kpibot_commands_total{command="/log",outcome="busy"} 1`,
		`kpibot_commands_total{command="/kpi",outcome="error"} 0`,
		`kpibot_commands_total{command="other",outcome="error"} 1`,
		`kpibot_command_duration_seconds_count{command="/log"} 1`,
		`kpibot_ritual_occurrences_total{outcome="caught_up",ritual="review"} 1`,
		`kpibot_ritual_occurrences_total{outcome="failed",ritual="review"} 0`,
		`kpibot_ritual_lag_seconds_bucket{ritual="review",le="7200"} 1`,
		`kpibot_storage_operation_duration_seconds_count{op="find_one"} 1`,
		`kpibot_storage_operation_errors_total{op="update_one"} 1`,
		`kpibot_slack_api_requests_total{method="users.info",status="error"} 1`,
		`kpibot_slack_api_requests_total{method="chat.postMessage",status="429"} 1`,
		`kpibot_slack_deliveries_total{outcome="posted"} 3`,
		`kpibot_slack_api_retries_total 2`,
		`kpibot_slack_deliveries_in_flight 1`,
		`kpibot_build_info{goversion="go`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %s", want)
		}
	}
	if strings.Contains(text, `kpibot_storage_operation_errors_total{op="find_one"}`) {
		t.Error("an operation without error counted as one")
	}
	if t.Failed() {
		t.Log(text)
	}

	// A nil registry records nothing and does not fail.
	var none *Registry
	none.ObserveCommand("/log", time.Second, OutcomeOK)
	none.ObserveRitual("digest", RitualPosted, 0)
	none.ObserveOperation("find", 0, nil)
	none.WatchDeliveries(nil)
	if none.SlackTransport(nil) != http.DefaultTransport {
		t.Error("a nil registry instruments the transport")
	}
}
