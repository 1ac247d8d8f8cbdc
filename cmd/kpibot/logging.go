package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
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

// consoleLogFile is where the console writes its log, in the data
// directory.
const consoleLogFile = "kpibot.log"

// logDestination is where the log goes: standard error when serving
// Slack, and for the console a file in the data directory, so the
// terminal shows only the conversation; at KPIBOT_LOG_LEVEL=debug the
// console logs to standard error too. close closes the file.
func logDestination(cfg Config, args []string) (w io.Writer, close func()) {
	console := (len(args) == 0 && cfg.Mode() == ModeConsole) || (len(args) > 0 && args[0] == "console")
	if !console || cfg.LogLevel <= slog.LevelDebug {
		return os.Stderr, func() {}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err == nil {
		f, err := os.OpenFile(filepath.Join(cfg.DataDir, consoleLogFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err == nil {
			return f, func() { _ = f.Close() }
		}
	}
	fmt.Fprintf(os.Stderr, "kpibot: cannot write %s in %s; logging to standard error\n", consoleLogFile, cfg.DataDir)
	return os.Stderr, func() {}
}
