// Package bot is the transport-free application: a command or an
// interaction in, a message out, and the messages rituals and alerts
// send on their own.
package bot

import (
	"context"

	"github.com/slack-go/slack"
)

// Command is a slash command as every transport delivers it.
type Command struct {
	Workspace string
	User      string
	UserName  string
	Channel   string
	// Name is the command itself, such as "/log".
	Name string
	Text string
	// Key identifies this delivery, so a repeat stores nothing twice:
	// Slack's trigger_id, or a key made by the console.
	Key string
	// ResponseURL is where a late answer goes; empty in the console.
	ResponseURL string
	// Source records which transport delivered the command.
	Source string
}

// CommandHandler answers commands. Handle always returns a message for the
// user; a non-nil error is for the transport's log, already turned into
// friendly words in the message.
type CommandHandler interface {
	Handle(ctx context.Context, cmd Command) (slack.Msg, error)
}
