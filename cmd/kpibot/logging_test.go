package main

import (
	"os"
	"path/filepath"
	"testing"
)

// The console keeps the terminal for the conversation: its log goes to a
// file in the data directory, unless the operator asks for debug.
func TestConsoleLogsToAFileUnlessDebug(t *testing.T) {
	tests := []struct {
		name     string
		vars     map[string]string
		args     []string
		wantFile bool
	}{
		{"console by default", nil, nil, true},
		{"console command", nil, []string{"console", "--user", "alice"}, true},
		{"console at debug", map[string]string{"KPIBOT_LOG_LEVEL": "debug"}, []string{"console"}, false},
		{"serving Slack", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t, tt.vars)
			w, closeLog := logDestination(cfg, tt.args)
			defer closeLog()
			f, isFile := w.(*os.File)
			gotFile := isFile && f != os.Stderr
			if gotFile != tt.wantFile {
				t.Fatalf("log goes to a file: %v, want %v", gotFile, tt.wantFile)
			}
			if gotFile && f.Name() != filepath.Join(cfg.DataDir, consoleLogFile) {
				t.Errorf("log file %s, want it in the data directory", f.Name())
			}
		})
	}
}
