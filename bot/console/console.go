// Package console runs the bot in a terminal: type a slash command, read
// the reply as plain text, and see where ritual messages would go.
package console

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
)

// Workspace is the demo workspace the console works in, kept apart from
// any real Slack workspace sharing the same store.
const Workspace = "console-demo"

// maxLine bounds a typed line as MaxBodyBytes bounds a Slack request.
const maxLine = 64 << 10

// Terminal runs the core handler in a terminal: type a slash command,
// read the reply as plain text.
type Terminal struct {
	Handler bot.CommandHandler
	In      io.Reader
	Out     io.Writer
	// User is the name of the user typing; "/user NAME" changes it.
	User string
	Lang prompts.Lang
	// Store describes where data goes, for the banner.
	Store string
	// Connect, when true, prints how to serve Slack instead: the console
	// was started because no Slack credentials were set.
	Connect bool
	// NewKey makes the idempotency key of each command; random when nil.
	NewKey func() string
}

// Run reads commands until EOF, "/quit" or ctx is done.
func (c *Terminal) Run(ctx context.Context) error {
	if c.User == "" {
		c.User = "demo"
	}
	if c.NewKey == nil {
		c.NewKey = newKey
	}
	c.say(prompts.Text(c.Lang, prompts.ConsoleBanner, map[string]string{"Workspace": Workspace, "Store": c.Store, "User": c.User}))
	if c.Connect {
		c.say(prompts.Text(c.Lang, prompts.ConsoleConnect, nil))
	}
	sc := bufio.NewScanner(c.In)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	for {
		fmt.Fprintf(c.Out, "%s> ", c.User)
		if !sc.Scan() {
			fmt.Fprintln(c.Out)
			return sc.Err()
		}
		if ctx.Err() != nil {
			return nil
		}
		line := strings.TrimSpace(sc.Text())
		name, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		switch {
		case line == "":
		case name == "/quit" || name == "/exit":
			return nil
		case name == "/user" || name == "--user":
			if rest != "" {
				c.User = rest
			}
			c.say(prompts.Text(c.Lang, prompts.ConsoleUser, map[string]string{"User": c.User}))
		case strings.HasPrefix(name, "/"):
			msg, err := c.Handler.Handle(ctx, bot.Command{
				Workspace: Workspace,
				User:      views.ConsolePrefix + c.User,
				UserName:  c.User,
				Name:      name,
				Text:      rest,
				Key:       c.NewKey(),
				Source:    "console",
			})
			if err != nil {
				fmt.Fprintf(c.Out, "(error: %v)\n", err)
			}
			c.say(views.PlainText(msg))
		default:
			c.say(prompts.Text(c.Lang, prompts.ConsoleUnknown, nil))
		}
	}
}

// say prints a line; the console's own texts are written in mrkdwn like
// every other message, so they lose their emphasis the same way.
func (c *Terminal) say(s string) { fmt.Fprintln(c.Out, views.Unemphasise(s)) }

func newKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "console-" + hex.EncodeToString(b)
}
