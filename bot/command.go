// Package bot turns Slack commands into replies: one transport-free
// handler, and the thin HTTP, Socket Mode and console adapters around it.
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

// fromSlash converts slack-go's form of a slash command.
func fromSlash(s slack.SlashCommand, source string) Command {
	ws := s.TeamID
	if ws == "" {
		// Org-wide installs may deliver commands without a team.
		ws = s.EnterpriseID
	}
	return Command{
		Workspace:   ws,
		User:        s.UserID,
		UserName:    s.UserName,
		Channel:     s.ChannelID,
		Name:        s.Command,
		Text:        s.Text,
		Key:         s.TriggerID,
		ResponseURL: s.ResponseURL,
		Source:      source,
	}
}
