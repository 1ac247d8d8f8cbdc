package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// kpibot healthcheck exits 0 against a ready server and 1 otherwise: Run
// returns nil, or an error, which main turns into exit status 1.
func TestHealthcheck(t *testing.T) {
	var ready atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		if !ready.Load() {
			http.Error(w, "not ready: storage", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	ctx := context.Background()

	if err := healthcheck(ctx, addr); err == nil || !strings.Contains(err.Error(), "503 not ready: storage") {
		t.Errorf("not ready: %v", err)
	}
	ready.Store(true)
	if err := healthcheck(ctx, addr); err != nil {
		t.Errorf("ready: %v", err)
	}
	// A listen address on every interface is asked on loopback.
	port := addr[strings.LastIndex(addr, ":"):]
	for _, a := range []string{port, "0.0.0.0" + port} {
		if err := healthcheck(ctx, a); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}

	// Through Run, as the Dockerfile's HEALTHCHECK runs it.
	cfg := testConfig(t, nil)
	cfg.AdminAddr = addr
	var out bytes.Buffer
	if err := Run(ctx, cfg, []string{"healthcheck"}, IO{Out: &out, Err: io.Discard}, slog.New(slog.DiscardHandler)); err != nil || out.String() != "ready\n" {
		t.Errorf("kpibot healthcheck against a ready server: %v %q", err, out.String())
	}
	ready.Store(false)
	if err := Run(ctx, cfg, []string{"healthcheck"}, IO{Out: io.Discard, Err: io.Discard}, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("kpibot healthcheck against a server that is not ready succeeded")
	}
	srv.Close()
	if err := Run(ctx, cfg, []string{"healthcheck"}, IO{Out: io.Discard, Err: io.Discard}, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("kpibot healthcheck with nothing listening succeeded")
	}
}
