package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestLogFormat(t *testing.T) {
	for _, tt := range []struct {
		format   string
		terminal bool
		json     bool
	}{
		{"", true, false}, {"", false, true}, {"json", true, true}, {"text", false, false},
	} {
		var buf bytes.Buffer
		newLogger(&buf, Config{LogFormat: tt.format}, tt.terminal).Info("hello")
		if got := strings.HasPrefix(buf.String(), "{"); got != tt.json {
			t.Errorf("format %q, terminal %v: %s", tt.format, tt.terminal, buf.String())
		}
	}
	if _, err := LoadConfig(env(map[string]string{"KPIBOT_LOG_FORMAT": "xml"}), files(nil)); err == nil || !strings.Contains(err.Error(), "KPIBOT_LOG_FORMAT") {
		t.Errorf("KPIBOT_LOG_FORMAT=xml: %v", err)
	}
	if _, err := LoadConfig(env(map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "KPIBOT_ADDR": ":9000", "KPIBOT_ADMIN_ADDR": ":9000"}), files(nil)); err == nil || !strings.Contains(err.Error(), "KPIBOT_ADMIN_ADDR") {
		t.Errorf("one address for both listeners: %v", err)
	}
}
