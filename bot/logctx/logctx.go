// Package logctx carries the ID of a Slack request or Socket Mode envelope
// in its context, so that every log line it causes carries the ID too,
// however deep the code that logs.
package logctx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
)

// Key is the log attribute of the ID.
const Key = "request_id"

type idKey struct{}

// With returns ctx carrying id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, idKey{}, id)
}

// ID is the ID ctx carries, or "".
func ID(ctx context.Context) string {
	id, _ := ctx.Value(idKey{}).(string)
	return id
}

// NewID returns a random ID of 16 hex digits.
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b[:])
}

// Logger returns log with the ID of ctx as an attribute, or log itself
// when ctx carries none.
func Logger(ctx context.Context, log *slog.Logger) *slog.Logger {
	if id := ID(ctx); id != "" {
		return log.With(Key, id)
	}
	return log
}
