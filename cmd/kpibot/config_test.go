package main

import (
	"github.com/kpibot/kpibot/bot/secretbox"
	"io/fs"
	"log/slog"
	"strings"
	"testing"

	"github.com/kpibot/kpibot/prompts"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func files(fsys map[string]string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		if s, ok := fsys[name]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
}

// oauthKey is a valid KPIBOT_ENCRYPTION_KEY.
var oauthKey = secretbox.NewKey()

// oauthVars is a valid OAuth configuration over HTTP, with changes.
func oauthVars(changes map[string]string) map[string]string {
	vars := map[string]string{"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "client-secret", "SLACK_SIGNING_SECRET": "s", "KPIBOT_PUBLIC_URL": "https://kpibot.example.com/", "KPIBOT_ENCRYPTION_KEY": oauthKey}
	for k, v := range changes {
		if v == "" {
			delete(vars, k)
		} else {
			vars[k] = v
		}
	}
	return vars
}

func TestLoadConfig(t *testing.T) {
	secrets := map[string]string{"/run/secrets/bot": "xoxb-from-file\n", "/run/secrets/app": "xapp-1", "/run/secrets/key": oauthKey + "\n"}
	tests := []struct {
		name    string
		vars    map[string]string
		mode    Mode
		wantErr []string
	}{
		{name: "nothing set opens the console", vars: nil, mode: ModeConsole},
		{name: "socket mode", vars: map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, mode: ModeSocket},
		{name: "http", vars: map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, mode: ModeHTTP},
		{name: "app token wins over signing secret", vars: map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "xapp-1"}, mode: ModeSocket},
		{name: "secrets from files", vars: map[string]string{"SLACK_BOT_TOKEN_FILE": "/run/secrets/bot", "SLACK_APP_TOKEN_FILE": "/run/secrets/app"}, mode: ModeSocket},
		{name: "missing secret file", vars: map[string]string{"SLACK_BOT_TOKEN_FILE": "/nope", "SLACK_APP_TOKEN": "xapp-1"}, wantErr: []string{"SLACK_BOT_TOKEN_FILE: open /nope"}},
		{name: "both plain and file", vars: map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_BOT_TOKEN_FILE": "/run/secrets/bot", "SLACK_APP_TOKEN": "xapp-1"}, wantErr: []string{"SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_FILE are both set"}},
		{name: "bot token alone", vars: map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, wantErr: []string{"neither SLACK_APP_TOKEN"}},
		{name: "app token without bot token", vars: map[string]string{"SLACK_APP_TOKEN": "xapp-1"}, wantErr: []string{"SLACK_BOT_TOKEN: required"}},
		{name: "tokens swapped", vars: map[string]string{"SLACK_BOT_TOKEN": "xapp-1", "SLACK_APP_TOKEN": "xoxb-1"}, wantErr: []string{"starting with xoxb-", "starting with xapp-"}},
		{name: "bad timezone and language reported together", vars: map[string]string{"KPIBOT_TZ": "Paris", "KPIBOT_LANG": "de"}, wantErr: []string{"KPIBOT_TZ", "KPIBOT_LANG"}},
		{name: "bad log level", vars: map[string]string{"KPIBOT_LOG_LEVEL": "loud"}, wantErr: []string{"KPIBOT_LOG_LEVEL"}},
		{name: "unknown currency", vars: map[string]string{"KPIBOT_CURRENCY": "EURO"}, wantErr: []string{`KPIBOT_CURRENCY: "EURO"`, "USD"}},
		{name: "currency in lower case", vars: map[string]string{"KPIBOT_CURRENCY": "usd"}, mode: ModeConsole},
		{name: "oauth over http", vars: oauthVars(nil), mode: ModeHTTP},
		{name: "oauth over socket mode", vars: oauthVars(map[string]string{"SLACK_SIGNING_SECRET": "", "SLACK_APP_TOKEN": "xapp-1"}), mode: ModeSocket},
		{name: "oauth key from a file", vars: oauthVars(map[string]string{"KPIBOT_ENCRYPTION_KEY": "", "KPIBOT_ENCRYPTION_KEY_FILE": "/run/secrets/key"}), mode: ModeHTTP},
		{name: "oauth without its key, url or transport", vars: map[string]string{"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c"}, wantErr: []string{"KPIBOT_ENCRYPTION_KEY: required", "KPIBOT_PUBLIC_URL", "neither SLACK_SIGNING_SECRET"}},
		{name: "oauth with a bad key and a plain http url", vars: oauthVars(map[string]string{"KPIBOT_ENCRYPTION_KEY": "short", "KPIBOT_PUBLIC_URL": "http://kpibot.example.com"}), wantErr: []string{"KPIBOT_ENCRYPTION_KEY: secretbox: key 1", "KPIBOT_PUBLIC_URL"}},
		{name: "oauth and a bot token", vars: oauthVars(map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}), wantErr: []string{"unset SLACK_BOT_TOKEN"}},
		{name: "client id without secret", vars: map[string]string{"SLACK_CLIENT_ID": "1.2", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, wantErr: []string{"set both for OAuth"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(env(tt.vars), files(secrets))
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("LoadConfig accepted a bad configuration")
				}
				for _, want := range tt.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error lacks %q: %v", want, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Mode() != tt.mode {
				t.Errorf("mode %s, want %s", cfg.Mode(), tt.mode)
			}
		})
	}
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig(env(nil), files(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":8080" || cfg.DataDir != "./data" || cfg.TZ.String() != "Europe/Paris" || cfg.Lang != prompts.French || cfg.Currency != "EUR" || cfg.LogLevel != slog.LevelInfo {
		t.Fatalf("defaults: %+v", cfg)
	}
	cfg, err = LoadConfig(env(map[string]string{"SLACK_BOT_TOKEN_FILE": "/s"}), files(map[string]string{"/s": "  xoxb-trim \n"}))
	if err == nil || cfg.BotToken != "xoxb-trim" {
		t.Fatalf("file secret not trimmed: %q (%v)", cfg.BotToken, err)
	}
}

func TestConfigLogsNoSecrets(t *testing.T) {
	cfg, err := LoadConfig(env(map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-secret-bot", "SLACK_SIGNING_SECRET": "secret-signing",
		"MONGODB_URI": "mongodb://u:secret-pass@db/kpibot",
	}), files(nil))
	if err != nil {
		t.Fatal(err)
	}
	oauth, err := LoadConfig(env(oauthVars(nil)), files(nil))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	slog.New(slog.NewTextHandler(&out, nil)).Info("start", "config", cfg)
	slog.New(slog.NewTextHandler(&out, nil)).Info("start", "config", oauth)
	for _, secret := range []string{"secret-bot", "secret-signing", "secret-pass", "client-secret", oauthKey} {
		if strings.Contains(out.String(), secret) {
			t.Fatalf("log shows %s: %s", secret, out.String())
		}
	}
	if !strings.Contains(out.String(), "config.mode=http") {
		t.Fatalf("log lacks the mode: %s", out.String())
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	var out strings.Builder
	printHelp(&out)
	for _, s := range settings {
		if !strings.Contains(out.String(), s.name) {
			t.Errorf("--help lacks %s", s.name)
		}
	}
	for _, want := range []string{"MONGODB_URI", "KPIBOT_DATA_DIR", "KPIBOT_TZ", "SLACK_API_URL", "KPIBOT_ADDR", "_FILE"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help lacks %s", want)
		}
	}
}
