package testkit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSecret is the signing secret of the tests' Slack app.
const TestSecret = "test-signing-secret"

// SlashBody builds a slash command form the way Slack sends it.
func SlashBody(user, text, trigger, responseURL string) string {
	return url.Values{
		"token":        {"legacy-verification-token"},
		"team_id":      {"T1"},
		"team_domain":  {"acme"},
		"channel_id":   {"C1"},
		"channel_name": {"sales"},
		"user_id":      {user},
		"user_name":    {"rep"},
		"command":      {"/log"},
		"text":         {text},
		"api_app_id":   {"A1"},
		"response_url": {responseURL},
		"trigger_id":   {trigger},
	}.Encode()
}

// SignedRequest signs body at ts with secret, as Slack does.
func SignedRequest(path, body, secret string, ts time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	// As Slack sends them: events as JSON, commands and interactions as
	// forms.
	if path == "/slack/events" {
		r.Header.Set("Content-Type", "application/json")
	} else {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	stamp := strconv.FormatInt(ts.Unix(), 10)
	r.Header.Set("X-Slack-Request-Timestamp", stamp)
	// Slack's v0 signature, computed here on its own so that the tests
	// check the verifier against the documented scheme, not against itself.
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return r
}

// ResponseHook stands in for a response_url: it records what is posted.
type ResponseHook struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
}

// NewResponseHook starts a hook; it stops with the test.
func NewResponseHook(t *testing.T) *ResponseHook {
	h := &ResponseHook{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Errorf("response_url got %q, not JSON", raw)
		}
		h.mu.Lock()
		h.bodies = append(h.bodies, body)
		h.mu.Unlock()
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// URL is the hook's response_url.
func (h *ResponseHook) URL() string { return h.srv.URL + "/actions/T1/1/secret" }

// Posts returns the bodies posted so far.
func (h *ResponseHook) Posts() []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.bodies)
}
