// Package views renders every message, modal and chart the bot shows:
// pure functions from data and a language to Block Kit, with no storage
// and no Slack calls.
//
// A one-sentence answer is a catalog key and its data, laid out by Reply;
// everything with more structure has its own function here.
package views

import (
	"strings"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/prompts"
)

// Ephemeral builds a reply that only the caller sees.
func Ephemeral(fallback string, blocks ...slack.Block) slack.Msg {
	return slack.Msg{
		ResponseType: slack.ResponseTypeEphemeral,
		Text:         fallback,
		Blocks:       slack.Blocks{BlockSet: blocks},
	}
}

// Say is a reply of one section, text also its fallback.
func Say(text string) slack.Msg { return Ephemeral(text, Section(text)) }

// Reply says the catalog text key with data, in lang.
func Reply(lang prompts.Lang, key prompts.Key, data any) slack.Msg {
	return Say(prompts.Text(lang, key, data))
}

// Message is what the bot posts on its own (a DM, a thread reply): one
// section, text also its fallback.
func Message(text string) slack.Msg {
	return slack.Msg{Text: text, Blocks: slack.Blocks{BlockSet: []slack.Block{Section(text)}}}
}

// Notice posts the catalog text key with data, in lang, as Message does.
func Notice(lang prompts.Lang, key prompts.Key, data any) slack.Msg {
	return Message(prompts.Text(lang, key, data))
}

// Replacement replaces the message whose button was clicked.
func Replacement(text string) slack.Msg {
	msg := Say(text)
	msg.ResponseType, msg.ReplaceOriginal = "", true
	return msg
}

// Replace makes msg replace the message whose button was clicked, blocks
// and all.
func Replace(msg slack.Msg) slack.Msg {
	msg.ResponseType, msg.ReplaceOriginal = "", true
	return msg
}

// Wire is the JSON Slack receives for a reply, whether as the HTTP
// response, the Socket Mode acknowledgement or a post to response_url.
// slack.Msg itself would also send an empty "metadata" object.
func Wire(msg slack.Msg) *slack.WebhookMessage {
	blocks := msg.Blocks
	return &slack.WebhookMessage{
		Text:            msg.Text,
		Blocks:          &blocks,
		ResponseType:    msg.ResponseType,
		ReplaceOriginal: msg.ReplaceOriginal,
	}
}

// Section is a section block of mrkdwn.
func Section(mrkdwn string) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, mrkdwn, false, false), nil, nil)
}

// Context is a context block of mrkdwn elements.
func Context(mrkdwn ...string) *slack.ContextBlock {
	elems := make([]slack.MixedElement, 0, len(mrkdwn))
	for _, s := range mrkdwn {
		elems = append(elems, slack.NewTextBlockObject(slack.MarkdownType, s, false, false))
	}
	return slack.NewContextBlock("", elems...)
}

// escaper makes user text inert in mrkdwn. Slack's three control
// characters become entities, so nothing typed turns into a mention, a
// link or a quote. mrkdwn has no escape for its emphasis markers (a
// backslash shows as a backslash), so each marker becomes the character
// that looks like it and means nothing: a note saying "*leads chauds*"
// reads the same and cannot open or close the bold around it. A line
// break becomes a space, because user text is always shown inline: it
// must not start a quote or a list, nor cut a bold span in two.
var escaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	"*", lookalike["*"], "_", lookalike["_"], "~", lookalike["~"], "`", lookalike["`"],
	"\r\n", " ", "\n", " ", "\r", " ",
)

// lookalike is the inert character that stands for each mrkdwn marker in
// escaped text: the asterisk operator, the modifier letter low macron,
// the tilde operator and the modifier letter grave accent.
var lookalike = map[string]string{"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}

// Escape makes a string a user wrote (a note, an action, a practice, a
// question, a name, a token quoted back) safe to insert into any mrkdwn
// text: it shows as typed and changes no formatting around it. It is the
// one function that does so; every user-supplied string goes through it.
func Escape(s string) string { return escaper.Replace(s) }

// ConsolePrefix marks the console's user IDs, which stand for names.
const ConsolePrefix = "console:"

// Mention shows a user: Slack renders <@U…> as their name.
func Mention(id string) string {
	if name, ok := strings.CutPrefix(id, ConsolePrefix); ok {
		return "@" + Escape(name)
	}
	return "<@" + Escape(id) + ">"
}

// ChannelMention shows a channel the same way.
func ChannelMention(id string) string {
	if strings.HasPrefix(id, "C") || strings.HasPrefix(id, "G") {
		return "<#" + id + ">"
	}
	return "#" + id
}
