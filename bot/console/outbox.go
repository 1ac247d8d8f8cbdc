package console

import (
	"bytes"
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
	"github.com/kpibot/kpibot/prompts"
)

// Outbox prints ritual messages with where they would go, so the console
// shows what Slack would receive, and saves images under dir. It is the
// console's bot.Outbox.
type Outbox struct {
	// Lang is the language of the lines that say where a message goes.
	Lang prompts.Lang
	// ShowIDs adds each message's occurrence ID to where it goes: what
	// makes it exactly-once, for whoever debugs the rituals. A reader's
	// transcript does without.
	ShowIDs bool

	mu  sync.Mutex
	out io.Writer
	dir string
	n   int
	// held keeps what is sent while a Terminal prints a reply; nil
	// prints at once.
	held    *bytes.Buffer
	holding bool
}

// hold keeps what is sent from now on until flush.
func (c *Outbox) hold() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.holding = true
	if c.held == nil {
		c.held = new(bytes.Buffer)
	}
}

// flush prints what was held.
func (c *Outbox) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held != nil && c.held.Len() > 0 {
		_, _ = c.out.Write(c.held.Bytes())
		c.held.Reset()
	}
}

// w is where a message goes now: the screen, or the held buffer.
func (c *Outbox) w() io.Writer {
	if c.holding {
		return c.held
	}
	return c.out
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
	icon := "🖼 "
	if filepath.Ext(path) != ".png" {
		icon = "📎" // an export
	}
	fmt.Fprintf(c.w(), "  %s %s → %s\n", icon, title, path)
	return nil
}

// Send implements bot.Outbox.
func (c *Outbox) Send(_ context.Context, channel string, msg slack.Msg, occurrenceID string) (string, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	where := views.Unemphasise(views.ChannelMention(channel))
	switch {
	case strings.HasPrefix(channel, views.ConsolePrefix):
		where = prompts.Text(c.Lang, "console.to.dm", map[string]string{"User": views.Unemphasise(views.Mention(channel))})
	case strings.HasPrefix(channel, "private:"):
		where = prompts.Text(c.Lang, "console.to.private", map[string]string{"Users": strings.ReplaceAll(strings.TrimPrefix(channel, "private:"), "+", " + ")})
	}
	if msg.ThreadTimestamp != "" {
		where += prompts.Text(c.Lang, "console.to.thread", map[string]string{"Thread": msg.ThreadTimestamp})
	}
	if c.ShowIDs {
		where += " (" + occurrenceID + ")"
	}
	fmt.Fprintf(c.w(), "┌─ → %s\n%s\n└─\n", where, views.PlainText(msg))
	return "console." + strconv.Itoa(c.n), true, nil
}
