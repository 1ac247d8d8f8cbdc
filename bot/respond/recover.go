package respond

import (
	"fmt"
	"log/slog"
	"runtime/debug"
)

// LogPanic logs a recovered panic once, with what was being served and the
// stack, but not the payload: a payload may carry a response_url or a
// user's note. It returns the panic as an error for the caller's answer.
func LogPanic(log *slog.Logger, v any, what string, attrs ...any) error {
	log.Error("recovered from a panic; still serving", append([]any{"serving", what, "panic", fmt.Sprint(v), "stack", string(debug.Stack())}, attrs...)...)
	return fmt.Errorf("bot: panic serving %s: %v", what, v)
}
