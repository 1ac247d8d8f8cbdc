package bot

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/prompts"
)

// The draft's buttons and edit modal. The same choices exist as commands
// (/kpi coach post|edit|skip), which the console uses.
const (
	actionCoachPost = "coach_post"
	actionCoachEdit = "coach_edit"
	actionCoachSkip = "coach_skip"
	coachCallback   = "coach_edit"
	coachBlock      = "questions"
)

// draftButtons lets the manager post, edit or skip the draft with code.
func draftButtons(lang prompts.Lang, code string) *slack.ActionBlock {
	button := func(action, key string) *slack.ButtonBlockElement {
		return slack.NewButtonBlockElement(action, code, slack.NewTextBlockObject(slack.PlainTextType, prompts.Text(lang, prompts.Key(key), nil), true, false))
	}
	post := button(actionCoachPost, "coach.button.post")
	post.Style = slack.StylePrimary
	return slack.NewActionBlock("coach_draft", post, button(actionCoachEdit, "coach.button.edit"), button(actionCoachSkip, "coach.button.skip"))
}

// coachModal holds the draft's questions, one per line, for editing; the
// thread's code rides in private_metadata.
func coachModal(lang prompts.Lang, code string, questions []string) slack.ModalViewRequest {
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	in := slack.NewPlainTextInputBlockElement(nil, coachBlock)
	in.Multiline, in.InitialValue = true, strings.Join(questions, "\n")
	block := slack.NewInputBlock(coachBlock, plain(prompts.Text(lang, "coach.modal.label", nil)), plain(prompts.Text(lang, "coach.modal.hint", nil)), in)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      coachCallback,
		PrivateMetadata: code,
		Title:           plain(prompts.Text(lang, "coach.modal.title", nil)),
		Submit:          plain(prompts.Text(lang, "coach.modal.submit", nil)),
		Close:           plain(prompts.Text(lang, "coach.modal.close", nil)),
		Blocks:          slack.Blocks{BlockSet: []slack.Block{block}},
	}
}

// coachClick handles a draft button: post or skip at once, or open the
// edit modal on the click's trigger.
func (h *Handler) coachClick(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) error {
	cmd := interactionCommand(cb)
	lang := h.profile(ctx, cmd).Lang
	code := a.Value
	if a.ActionID == actionCoachEdit {
		t, err := h.store.Thread(ctx, cmd.Workspace, code)
		if err != nil || t.Manager != cmd.User {
			return fmt.Errorf("bot: coach edit: not the manager's draft")
		}
		ui := h.slackUI()
		if ui == nil {
			return errNoSlackUI
		}
		if _, err := ui.OpenViewContext(ctx, cb.TriggerID, coachModal(lang, code, t.Draft)); err != nil {
			return fmt.Errorf("bot: open coaching modal: %w", err)
		}
		return nil
	}
	verb := "post"
	if a.ActionID == actionCoachSkip {
		verb = "skip"
	}
	msg, err := h.Handle(ctx, Command{Workspace: cmd.Workspace, User: cmd.User, Name: "/kpi", Text: "coach " + verb + " " + code, Key: cb.TriggerID, Source: "slack-interaction"})
	if err != nil {
		return err
	}
	return h.replaceClicked(ctx, cmd, msg.Text)
}

// submitCoachEdit posts the questions as the manager edited them. An
// empty or too long edit is refused in the modal, and the draft is kept.
func (h *Handler) submitCoachEdit(ctx context.Context, cb slack.InteractionCallback) (any, error) {
	cmd := interactionCommand(cb)
	lang := h.profile(ctx, cmd).Lang
	// A submission without state is forged or broken: read it as empty,
	// which the modal refuses, rather than dereference it.
	var raw string
	if cb.View.State != nil {
		raw = cb.View.State.Values[coachBlock][coachBlock].Value
	}
	var questions []string
	for _, q := range strings.Split(raw, "\n") {
		if q = strings.TrimSpace(q); q != "" {
			questions = append(questions, q)
		}
	}
	refuse := func(key prompts.Key) (any, error) {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{coachBlock: prompts.Text(lang, key, map[string]int{"Max": maxQuestionRunes})}), nil
	}
	if len(questions) == 0 {
		return refuse("coach.edit.empty")
	}
	for _, q := range questions {
		if utf8.RuneCountInString(q) > maxQuestionRunes {
			return refuse("coach.edit.long")
		}
	}
	text := "coach edit " + cb.View.PrivateMetadata + " " + strings.Join(questions, " | ")
	if _, err := h.Handle(ctx, Command{Workspace: cmd.Workspace, User: cmd.User, Name: "/kpi", Text: text, Key: cb.View.ID, Source: "slack-interaction"}); err != nil {
		return nil, err
	}
	return slack.NewClearViewSubmissionResponse(), nil
}
