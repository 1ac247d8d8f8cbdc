package main

import (
	"io"
	"log/slog"
	"os"
)

// newLogger writes to w at cfg.LogLevel in cfg.LogFormat; with no format
// set, text on a terminal, for people, and JSON otherwise, for a log
// collector.
func newLogger(w io.Writer, cfg Config, terminal bool) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if terminal {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// isTerminal reports whether f is a character device, a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
