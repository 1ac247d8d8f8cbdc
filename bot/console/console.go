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
	"log/slog"
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
	// Echo prints each command after the prompt, as typed: with input
	// from a file or a pipe, a transcript then reads "demo> /log 3 rdv"
	// followed by the reply.
	Echo bool
	// Outbox, when set, holds what rituals and alerts send until the
	// reply of the command that caused them is printed, so a message sent
	// in the background never lands in the middle of another output.
	Outbox *Outbox
	// Log receives the errors of commands; the screen says only that one
	// failed. Discarded when nil.
	Log *slog.Logger
	// Demo seeds the demo team (/kpi demo) and returns its workspace and
	// its manager's name; nil leaves /kpi demo to the bot.
	Demo func(ctx context.Context) (workspace, manager string, err error)
	// StartDemo seeds the demo team before the first prompt (kpibot demo).
	StartDemo bool

	workspace string
}

// waiter is a handler with background work a command may start (the
// alerts after a /log); the console waits for it before the next prompt.
type waiter interface{ Wait() }

// Run reads commands until EOF, "/quit" or ctx is done.
func (c *Terminal) Run(ctx context.Context) error {
	if c.User == "" {
		c.User = "demo"
	}
	if c.NewKey == nil {
		c.NewKey = newKey
	}
	c.workspace = Workspace
	c.say(prompts.Text(c.Lang, prompts.ConsoleBanner, map[string]string{"Workspace": Workspace, "Store": views.Escape(c.Store), "User": views.Escape(c.User)}))
	if c.Connect {
		c.say(prompts.Text(c.Lang, prompts.ConsoleConnect, nil))
	}
	if c.Demo != nil {
		if c.StartDemo {
			c.demo(ctx)
		} else {
			c.say(prompts.Text(c.Lang, "console.demo.hint", nil))
		}
	}
	if c.Outbox != nil {
		c.Outbox.hold()
		defer c.Outbox.flush()
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
		if c.Echo {
			fmt.Fprintln(c.Out, line)
		}
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
			c.say(prompts.Text(c.Lang, prompts.ConsoleUser, map[string]string{"User": views.Escape(c.User)}))
		case name == "/kpi" && strings.EqualFold(rest, "demo") && c.Demo != nil:
			c.demo(ctx)
		case strings.HasPrefix(name, "/"):
			msg, err := c.Handler.Handle(ctx, bot.Command{
				Workspace: c.workspace,
				User:      views.ConsolePrefix + c.User,
				UserName:  c.User,
				Name:      name,
				Text:      rest,
				Key:       c.NewKey(),
				Source:    "console",
			})
			if err != nil {
				if c.Log != nil {
					c.Log.Error("console command failed", "command", name, "err", err)
				}
				c.say(prompts.Text(c.Lang, prompts.ConsoleError, nil))
			}
			fmt.Fprintln(c.Out, views.PlainText(msg))
			if w, ok := c.Handler.(waiter); ok {
				w.Wait()
			}
			if c.Outbox != nil {
				c.Outbox.flush()
			}
		default:
			c.say(prompts.Text(c.Lang, prompts.ConsoleUnknown, nil))
		}
	}
}

// demo seeds the demo team and moves the console into it, as its
// manager, with what to try.
func (c *Terminal) demo(ctx context.Context) {
	ws, manager, err := c.Demo(ctx)
	if err != nil {
		if c.Log != nil {
			c.Log.Error("demo team not seeded", "err", err)
		}
		c.say(prompts.Text(c.Lang, prompts.ConsoleError, nil))
		return
	}
	c.workspace, c.User = ws, manager
	c.say(prompts.Text(c.Lang, "console.demo.ready", map[string]string{"Workspace": ws, "User": manager}))
}

// say prints one of the console's own texts, written in mrkdwn like every
// other message, as a reader sees it. A reply is already plain.
func (c *Terminal) say(s string) { fmt.Fprintln(c.Out, views.Unemphasise(s)) }

func newKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "console-" + hex.EncodeToString(b)
}
