package views

import (
	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/prompts"
)

// The buttons of an invitation to join a team. Their value is the
// inviting manager, for the log only: the bot answers the clicking
// user's own waiting invitation. The action IDs come back in
// block_actions payloads, so they must never be renamed.
const (
	ActionTeamAccept  = "team_accept"
	ActionTeamDecline = "team_decline"
	TeamActionsBlock  = "team_actions"
)

// Invitation is the DM inviting a rep to manager's team, sent by by (the
// manager or an admin): who invites them, what that manager will see of
// them and what not, and buttons to accept or decline.
func Invitation(lang prompts.Lang, manager, by string) slack.Msg {
	data := map[string]string{"Manager": Mention(manager), "By": Mention(by)}
	key := prompts.Key("kpi.team.invite.title")
	if by != manager {
		key = "kpi.team.invite.title.by"
	}
	title := prompts.Text(lang, key, data)
	button := func(actionID string, key prompts.Key) *slack.ButtonBlockElement {
		return slack.NewButtonBlockElement(actionID, manager, slack.NewTextBlockObject(slack.PlainTextType, prompts.Text(lang, key, nil), true, false))
	}
	return slack.Msg{Text: title, Blocks: slack.Blocks{BlockSet: []slack.Block{
		Section(title),
		Section(prompts.Text(lang, "kpi.team.invite.sees", data)),
		slack.NewActionBlock(TeamActionsBlock,
			button(ActionTeamAccept, "kpi.team.invite.accept").WithStyle(slack.StylePrimary),
			button(ActionTeamDecline, "kpi.team.invite.decline"),
		),
		Context(prompts.Text(lang, "kpi.team.invite.footer", nil)),
	}}}
}

// The buttons that confirm an erasure; their value says nothing, the
// bot acts on the clicking user (and their role). The action IDs come
// back in block_actions payloads, so they must never be renamed.
const (
	ActionForgetMe        = "forget_me"
	ActionForgetWorkspace = "forget_workspace"
	ForgetActionsBlock    = "forget_actions"
)

// ForgetAsk asks for confirmation before an erasure (action is
// ActionForgetMe or ActionForgetWorkspace): what goes, that it cannot be
// undone, and the button, or the word to type in the console.
func ForgetAsk(lang prompts.Lang, action string) slack.Msg {
	key, button := prompts.Key("kpi.forget.me.ask"), prompts.Key("kpi.forget.me.button")
	if action == ActionForgetWorkspace {
		key, button = "kpi.forget.workspace.ask", "kpi.forget.workspace.button"
	}
	text := prompts.Text(lang, key, nil)
	return Ephemeral(text,
		Section(text),
		slack.NewActionBlock(ForgetActionsBlock,
			slack.NewButtonBlockElement(action, "confirm", slack.NewTextBlockObject(slack.PlainTextType, prompts.Text(lang, button, nil), true, false)).WithStyle(slack.StyleDanger),
		),
	)
}
