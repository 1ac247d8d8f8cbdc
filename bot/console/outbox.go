package console

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
)

// Outbox prints ritual messages with where they would go, so the console
// shows what Slack would receive, and saves images under dir. It is the
// console's bot.Outbox.
type Outbox struct {
	mu  sync.Mutex
	out io.Writer
	dir string
	n   int
}

// NewOutbox prints to w and saves images under dir.
func NewOutbox(w io.Writer, dir string) *Outbox {
	return &Outbox{out: w, dir: dir}
}

// OpenGroup implements bot.Outbox: the console names who would see it.
func (c *Outbox) OpenGroup(_ context.Context, users []string) (string, error) {
	var names []string
	for _, u := range users {
		names = append(names, views.Mention(u))
	}
	return "private:" + strings.Join(names, "+"), nil
}

// Upload implements bot.Outbox: the PNG goes to the folder, named on screen.
func (c *Outbox) Upload(_ context.Context, channel, _, filename, title string, png []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return fmt.Errorf("bot: chart folder: %w", err)
	}
	path := filepath.Join(c.dir, filepath.Base(filename))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return fmt.Errorf("bot: save chart: %w", err)
	}
	fmt.Fprintf(c.out, "  🖼  %s → %s\n", title, path)
	return nil
}

// Send implements bot.Outbox.
func (c *Outbox) Send(_ context.Context, channel string, msg slack.Msg, occurrenceID string) (string, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	where := "#" + channel
	switch {
	case strings.HasPrefix(channel, views.ConsolePrefix):
		where = "DM " + views.Mention(channel)
	case strings.HasPrefix(channel, "private:"):
		where = "private conversation " + strings.TrimPrefix(channel, "private:") + " + bot (only they see it)"
	}
	if msg.ThreadTimestamp != "" {
		where += ", in the thread of " + msg.ThreadTimestamp
	}
	fmt.Fprintf(c.out, "┌─ → %s (%s)\n%s\n└─\n", where, occurrenceID, views.PlainText(msg))
	return "console." + strconv.Itoa(c.n), true, nil
}
