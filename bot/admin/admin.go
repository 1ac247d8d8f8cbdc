// Package admin serves the operators' endpoints, on a listener of their
// own that Slack never calls: /healthz (the process answers), /readyz (it
// can serve: every readiness check passes) and /metrics.
package admin

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// CheckTimeout bounds each readiness check.
const CheckTimeout = 2 * time.Second

// Check is one condition of readiness: storage answers, the Socket Mode
// connection is up, shutdown has not started.
type Check struct {
	// Name says what failed, in /readyz's answer and the log.
	Name string
	// Check returns nil when the condition holds.
	Check func(context.Context) error
}

// Config wires the admin endpoints.
type Config struct {
	// Checks are run in order by /readyz; the first failure answers 503.
	Checks []Check
	// Metrics is served on /metrics when set.
	Metrics http.Handler
	// Logger is told when readiness changes; slog.Default() when nil.
	Logger *slog.Logger
}

// NewHandler serves GET /healthz, /readyz and, with cfg.Metrics, /metrics.
// /readyz answers 200 "ready" or 503 "not ready: NAME" with the name of
// the first check that failed; the error itself stays in the log, at the
// change from ready to not ready and back, not at every probe.
func NewHandler(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	if cfg.Metrics != nil {
		mux.Handle("GET /metrics", cfg.Metrics)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	st := &readiness{log: cfg.Logger, last: "ready"}
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		for _, c := range cfg.Checks {
			ctx, cancel := context.WithTimeout(r.Context(), CheckTimeout)
			err := c.Check(ctx)
			cancel()
			if err != nil {
				st.set(c.Name, err)
				http.Error(w, "not ready: "+c.Name, http.StatusServiceUnavailable)
				return
			}
		}
		st.set("ready", nil)
		_, _ = io.WriteString(w, "ready\n")
	})
	return mux
}

// readiness remembers the last answer, to log only its changes.
type readiness struct {
	mu   sync.Mutex
	last string
	log  *slog.Logger
}

func (r *readiness) set(state string, err error) {
	r.mu.Lock()
	changed := state != r.last
	r.last = state
	r.mu.Unlock()
	switch {
	case !changed:
	case err != nil:
		r.log.Warn("not ready", "check", state, "err", err)
	default:
		r.log.Info("ready again")
	}
}
