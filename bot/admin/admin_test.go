package admin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestReadinessChecks(t *testing.T) {
	var storageDown, socketDown atomic.Bool
	var logs bytes.Buffer
	h := NewHandler(Config{
		Checks: []Check{
			{Name: "storage", Check: func(context.Context) error {
				if storageDown.Load() {
					return errors.New("ping: no answer")
				}
				return nil
			}},
			{Name: "socket", Check: func(context.Context) error {
				if socketDown.Load() {
					return errors.New("disconnected")
				}
				return nil
			}},
		},
		Metrics: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "m 1\n") }),
		Logger:  slog.New(slog.NewTextHandler(&logs, nil)),
	})
	get := func(path string) (int, string) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w.Code, w.Body.String()
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if code, _ := get(path); code != http.StatusOK {
			t.Errorf("%s: %d", path, code)
		}
	}
	storageDown.Store(true)
	for range 3 {
		if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "not ready: storage") {
			t.Errorf("storage down: %d %q", code, body)
		}
	}
	storageDown.Store(false)
	socketDown.Store(true)
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "not ready: socket") {
		t.Errorf("socket down: %d %q", code, body)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("healthz fails with readiness: %d", code)
	}
	socketDown.Store(false)
	if code, _ := get("/readyz"); code != http.StatusOK {
		t.Errorf("back up: %d", code)
	}
	// Each change is logged once, not each probe.
	if n := strings.Count(logs.String(), "not ready"); n != 2 {
		t.Errorf("%d 'not ready' lines, want 2 (storage, socket):\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "ping: no answer") || strings.Count(logs.String(), "ready again") != 1 {
		t.Errorf("logs:\n%s", logs.String())
	}
	if code, _ := get("/slack/commands"); code != http.StatusNotFound {
		t.Errorf("admin serves Slack's URLs: %d", code)
	}
}
