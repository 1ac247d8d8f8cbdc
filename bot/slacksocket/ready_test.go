package slacksocket

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/slack-go/slack/socketmode"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/respond"
)

// Readiness follows the connection: not ready before it is up, ready once
// connected, not ready while slack-go reconnects, and not after Run ends.
func TestReadyFollowsTheConnection(t *testing.T) {
	s := New(socketmode.New(testkit.NewSocketSlack(t).API()), nil, testkit.Quiet)
	for _, step := range []struct {
		ev    socketmode.EventType
		ready bool
	}{
		{"", false},
		{socketmode.EventTypeConnecting, false},
		{socketmode.EventTypeConnected, true},
		{socketmode.EventTypeHello, true},
		{socketmode.EventTypeSlashCommand, true}, // not about the connection
		{socketmode.EventTypeConnectionError, false},
		{socketmode.EventTypeConnecting, false},
		{socketmode.EventTypeConnected, true},
		{socketmode.EventTypeIncomingError, false},
	} {
		if step.ev != "" {
			s.track(socketmode.Event{Type: step.ev})
		}
		if err := s.Ready(context.Background()); (err == nil) != step.ready {
			t.Errorf("after %q: Ready() = %v, want ready %v", step.ev, err, step.ready)
		}
	}
}

func TestReadyOverARealSocket(t *testing.T) {
	cmd := `{"envelope_id":"env-ready","payload":{"team_id":"T1","channel_id":"C1","user_id":"U1","command":"/log","text":"5 calls","trigger_id":"t-ready"},"type":"slash_commands","accepts_response_payload":true}`
	fake := testkit.NewSocketSlack(t, cmd)
	var logs testkit.SyncBuffer
	log := slogJSON(&logs)
	h := bot.NewHandler(bot.HandlerConfig{Store: testkit.MemStore(t), Now: testkit.NewClock(testkit.Monday10).Now, TZ: testkit.Paris, Lang: "fr", Logger: testkit.Quiet})
	r := respond.New(respond.Config{Handler: h, Logger: log})
	s := New(socketmode.New(fake.API()), r, log)
	if err := s.Ready(context.Background()); !errors.Is(err, ErrDisconnected) {
		t.Fatalf("before Run: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	fake.NextAck(t) // the envelope came over the connection: it is up
	if err := s.Ready(context.Background()); err != nil {
		t.Errorf("connected: %v", err)
	}
	cancel()
	<-done
	r.Wait()
	if err := s.Ready(context.Background()); !errors.Is(err, ErrDisconnected) {
		t.Errorf("after Run: %v", err)
	}
	// The envelope's log lines carry its envelope ID.
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(line, `"command handled"`) && !strings.Contains(line, `"request_id":"env-ready"`) {
			t.Errorf("an envelope's line without its ID: %s", line)
		}
	}
	if !strings.Contains(logs.String(), `"request_id":"env-ready"`) {
		t.Errorf("no line carries the envelope's ID:\n%s", logs.String())
	}
}

func slogJSON(w *testkit.SyncBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
