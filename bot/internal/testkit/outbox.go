package testkit

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"
)

// RecordingOutbox is a bot.Outbox that keeps what rituals send, checked
// against Slack's limits. Read Sent once the sends are over.
type RecordingOutbox struct {
	t       testing.TB
	mu      sync.Mutex // alerts send from the background
	Sent    []SentMsg
	Uploads []SentFile
	// Native makes the outbox stand for a Slack that draws native charts
	// and tables (NativeCharts), as the deliverer does.
	Native bool
}

// NativeCharts reports Native: whether the bot may send native chart and
// table blocks through o.
func (o *RecordingOutbox) NativeCharts() bool { return o.Native }

// NewRecordingOutbox fails t on a message breaking Slack's limits.
func NewRecordingOutbox(t testing.TB) *RecordingOutbox { return &RecordingOutbox{t: t} }

// SentMsg is a message sent to a channel (or a user) for an occurrence.
type SentMsg struct {
	Channel, ID string
	Msg         slack.Msg
}

// Upload implements bot.Outbox.
func (o *RecordingOutbox) Upload(_ context.Context, channel, threadTS, filename, _ string, png []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.Uploads = append(o.Uploads, SentFile{channel, threadTS, filename, png})
	return nil
}

// SentFile is a file shared in a channel, in a thread when set.
type SentFile struct {
	Channel, Thread, Name string
	PNG                   []byte
}

// Send implements bot.Outbox; every message is fresh.
func (o *RecordingOutbox) Send(_ context.Context, channel string, msg slack.Msg, id string) (string, bool, error) {
	o.t.Helper()
	CheckBlockKitLimits(o.t, msg)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.Sent = append(o.Sent, SentMsg{channel, id, msg})
	return fmt.Sprintf("1700000000.%06d", len(o.Sent)), true, nil
}

// OpenGroup implements bot.Outbox: G-<users joined by ->.
func (o *RecordingOutbox) OpenGroup(_ context.Context, users []string) (string, error) {
	return "G-" + strings.Join(users, "-"), nil
}

// DiscardOutbox accepts everything, so a benchmark times only the build;
// Bytes counts the files' bytes.
type DiscardOutbox struct{ Bytes int }

// Send implements bot.Outbox.
func (o *DiscardOutbox) Send(context.Context, string, slack.Msg, string) (string, bool, error) {
	return "1700000000.000001", true, nil
}

// Upload implements bot.Outbox.
func (o *DiscardOutbox) Upload(_ context.Context, _, _, _, _ string, png []byte) error {
	o.Bytes += len(png)
	return nil
}

// OpenGroup implements bot.Outbox.
func (o *DiscardOutbox) OpenGroup(_ context.Context, users []string) (string, error) {
	return "G-" + strings.Join(users, "-"), nil
}
