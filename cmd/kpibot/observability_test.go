package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Secrets of the observability tests, distinctive so that a leak shows.
const (
	obsToken  = "xoxb-obs-0123456789-token"
	obsSecret = "obs-signing-secret-9876543210"
)

// lockedBuffer collects the logs written by Run's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// running is Run in HTTP or Socket Mode in the background.
type running struct {
	slack, admin string // base URLs; slack is empty in Socket Mode
	logs         *lockedBuffer
	cancel       context.CancelFunc
	done         chan error
}

func startRun(t *testing.T, vars map[string]string) *running {
	t.Helper()
	vars["KPIBOT_LOG_LEVEL"] = "debug"
	vars["KPIBOT_LOG_FORMAT"] = "json"
	cfg := testConfig(t, vars)
	r := &running{logs: &lockedBuffer{}, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	listening, adminListening := make(chan string, 1), make(chan string, 1)
	stdio := IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard,
		Listening: func(a string) { listening <- a }, AdminListening: func(a string) { adminListening <- a }}
	go func() { r.done <- Run(ctx, cfg, nil, stdio, newLogger(r.logs, cfg, false)) }()
	select {
	case a := <-listening:
		r.admin = "http://" + <-adminListening
		if cfg.Mode() == ModeHTTP {
			r.slack = "http://" + a
		}
	case err := <-r.done:
		t.Fatalf("Run ended early: %v\n%s", err, r.logs)
	case <-time.After(30 * time.Second):
		t.Fatal("Run not listening after 30 s")
	}
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop ends Run once and reports its error.
func (r *running) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("Run did not return within 30 s of its end")
	}
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func signedLog(t *testing.T, base, text, trigger string) *http.Response {
	t.Helper()
	body := url.Values{"team_id": {"T1"}, "user_id": {"U1"}, "command": {"/log"}, "text": {text}, "trigger_id": {trigger}, "response_url": {base + "/unused"}}.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(obsSecret))
	io.WriteString(mac, "v0:"+ts+":"+body)
	req, _ := http.NewRequest(http.MethodPost, base+"/slack/commands", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// A /log over HTTP, then the admin listener's /metrics: the command's
// histogram, the Slack API call by method and status, the build info and
// the Go and process collectors; the Slack listener serves no /metrics;
// neither the metrics nor any log line carries the token or the signing
// secret; and the request's log lines all carry its ID.
func TestMetricsLogsAndListeners(t *testing.T) {
	// users.info is down: the command works all the same, and the call is
	// counted with its status.
	fakeSlack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer fakeSlack.Close()
	r := startRun(t, map[string]string{"SLACK_BOT_TOKEN": obsToken, "SLACK_SIGNING_SECRET": obsSecret, "SLACK_API_URL": fakeSlack.URL})

	if code, _ := get(t, r.admin+"/readyz"); code != http.StatusOK {
		t.Fatalf("readyz: %d", code)
	}
	before := len(r.logs.String())
	resp := signedLog(t, r.slack, "5 calls 2 demos", "t-obs-1")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/log: %d", resp.StatusCode)
	}
	requestID := resp.Header.Get("X-Request-Id")
	if len(requestID) != 16 {
		t.Fatalf("X-Request-Id %q", requestID)
	}
	for _, path := range []string{"/metrics", "/healthz", "/readyz"} {
		if code, _ := get(t, r.slack+path); code != http.StatusNotFound {
			t.Errorf("the Slack listener answers %s with %d, want 404", path, code)
		}
	}
	code, metricsText := get(t, r.admin+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("admin /metrics: %d", code)
	}
	for _, want := range []string{
		`kpibot_commands_total{command="/log",outcome="ok"} 1`,
		`kpibot_command_duration_seconds_bucket{command="/log",le="2"} 1`,
		`kpibot_command_duration_seconds_count{command="/log"} 1`,
		`kpibot_slack_api_requests_total{method="users.info",status="502"} 1`,
		`kpibot_slack_api_request_duration_seconds_count{method="users.info"} 1`,
		`kpibot_slack_api_retries_total 0`,
		`kpibot_slack_deliveries_in_flight 0`,
		`kpibot_ritual_occurrences_total{outcome="failed",ritual="digest"} 0`,
		`kpibot_storage_operation_duration_seconds_bucket{op="find_one_and_update"`,
		`kpibot_llm_requests_total 0`,
		`kpibot_build_info{goversion="go`,
		"go_goroutines ",
		"go_memstats_alloc_bytes ",
		"process_cpu_seconds_total ",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(metricsText, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	r.stop(t) // every log line is written
	logs := r.logs.String()
	for _, secret := range []string{obsToken, "xoxb-", obsSecret} {
		if strings.Contains(metricsText, secret) {
			t.Errorf("/metrics contains %q", secret)
		}
		if strings.Contains(logs, secret) {
			t.Errorf("the logs contain %q", secret)
		}
	}

	// Every line the request caused carries its ID, and only its ID.
	caused := map[string]bool{"slack request served": false, "command handled": false, "slack users.info failed; using the stored or the workspace timezone and language": false}
	sc := bufio.NewScanner(strings.NewReader(logs[before:]))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("a log line that is not JSON: %s", sc.Text())
		}
		msg, _ := line["msg"].(string)
		id, hasID := line["request_id"]
		if _, ok := caused[msg]; ok {
			caused[msg] = true
			if id != requestID {
				t.Errorf("%q has request_id %v, want %s", msg, id, requestID)
			}
		} else if hasID && id != requestID {
			t.Errorf("a line with another request's ID: %s", sc.Text())
		}
	}
	for msg, seen := range caused {
		if !seen {
			t.Errorf("no %q line:\n%s", msg, logs[before:])
		}
	}
}

// /readyz fails as soon as shutdown starts, while the Slack listener still
// drains: a request whose body is still arriving holds the drain open.
func TestReadyzFailsWhenShutdownStarts(t *testing.T) {
	r := startRun(t, map[string]string{"SLACK_BOT_TOKEN": obsToken, "SLACK_SIGNING_SECRET": obsSecret, "SLACK_API_URL": "http://127.0.0.1:1"})
	// The request in flight is written by hand, asking for "100 Continue":
	// the server sends it once the handler reads the body, so the request
	// is being served before shutdown starts. (A request whose headers the
	// server reads after shutdown started is dropped unanswered, and an
	// http.Client buffers a streamed body's first bytes with the headers.)
	conn, err := net.Dial("tcp", strings.TrimPrefix(r.slack, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "team_id=T1&user_id=U1"
	if _, err := fmt.Fprintf(conn, "POST /slack/commands HTTP/1.1\r\nHost: kpibot\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", len(body)); err != nil {
		t.Fatal(err)
	}
	answers := bufio.NewReader(conn)
	if line, err := answers.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("the server did not start reading the request: %q, %v", line, err)
	}
	if blank, err := answers.ReadString('\n'); err != nil || blank != "\r\n" {
		t.Fatalf("after 100 Continue: %q, %v", blank, err)
	}
	if code, _ := get(t, r.admin+"/readyz"); code != http.StatusOK {
		t.Fatalf("readyz before shutdown: %d", code)
	}
	r.cancel()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := get(t, r.admin+"/readyz")
		if code == http.StatusServiceUnavailable {
			if !strings.Contains(body, "shutdown") {
				t.Errorf("readyz during shutdown: %q", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz still %d after shutdown started", code)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := io.WriteString(conn, body); err != nil {
		t.Fatalf("the request in flight could not finish: %v", err)
	}
	resp, err := http.ReadResponse(answers, nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the request in flight got %d, want its 401 (unsigned)", resp.StatusCode)
	}
	r.cancel = nil
	if err := <-r.done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

// In Socket Mode, /readyz follows the WebSocket: 503 until it connects,
// 200 once Slack said hello, 503 again when the connection drops.
func TestReadyzFollowsTheSocket(t *testing.T) {
	allow := make(chan struct{})
	drop := make(chan struct{})
	var once sync.Once
	upgrader := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	mux := http.NewServeMux()
	mux.HandleFunc("/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"ok":true,"url":"ws://%s/link"}`, r.Host)
	})
	mux.HandleFunc("/link", func(w http.ResponseWriter, r *http.Request) {
		<-allow
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"hello","num_connections":1,"connection_info":{"app_id":"A1"}}`))
		first := false
		once.Do(func() { first = true })
		if first {
			<-drop // the first connection drops when the test says
			return
		}
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	})
	fake := httptest.NewServer(mux)
	defer fake.Close()
	defer close(allow)
	r := startRun(t, map[string]string{"SLACK_BOT_TOKEN": obsToken, "SLACK_APP_TOKEN": "xapp-obs", "SLACK_API_URL": fake.URL})

	waitFor := func(want int, wantBody string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			code, body := get(t, r.admin+"/readyz")
			if code == want && strings.Contains(body, wantBody) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("readyz %d %q, want %d %q; logs:\n%s", code, body, want, wantBody, r.logs)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor(http.StatusServiceUnavailable, "not ready: socket")
	allow <- struct{}{}
	waitFor(http.StatusOK, "ready")
	close(drop)
	waitFor(http.StatusServiceUnavailable, "not ready: socket")
	r.stop(t)
}
