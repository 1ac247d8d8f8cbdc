package bot

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
)

// coachClick handles a draft button: post or skip at once, or open the
// edit modal on the click's trigger.
func (h *Handler) coachClick(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) error {
	cmd := interactionCommand(cb)
	lang := h.profile(ctx, cmd).Lang
	code := a.Value
	if a.ActionID == views.ActionCoachEdit {
		t, err := h.store.Thread(ctx, cmd.Workspace, code)
		if err != nil || t.Manager != cmd.User {
			return fmt.Errorf("bot: coach edit: not the manager's draft")
		}
		ui := h.slackUI()
		if ui == nil {
			return errNoSlackUI
		}
		if _, err := ui.OpenViewContext(ctx, cb.TriggerID, views.CoachModal(lang, code, t.Draft)); err != nil {
			return fmt.Errorf("bot: open coaching modal: %w", err)
		}
		return nil
	}
	verb := "post"
	if a.ActionID == views.ActionCoachSkip {
		verb = "skip"
	}
	msg, err := h.Handle(ctx, Command{Workspace: cmd.Workspace, User: cmd.User, Name: "/kpi", Text: "coach " + verb + " " + code, Key: cb.TriggerID, Source: "slack-interaction"})
	if err != nil {
		return err
	}
	return h.replaceClicked(ctx, cmd, views.Replacement(msg.Text))
}

// submitCoachEdit posts the questions as the manager edited them. An
// empty or too long edit is refused in the modal, and the draft is kept.
func (h *Handler) submitCoachEdit(ctx context.Context, cb slack.InteractionCallback) (any, error) {
	cmd := interactionCommand(cb)
	lang := h.profile(ctx, cmd).Lang
	// A submission without state is forged or broken: it reads as empty,
	// which the modal refuses, rather than being dereferenced.
	questions := views.ReadQuestions(cb.View.State)
	refuse := func(key prompts.Key) (any, error) {
		return views.ModalError(lang, views.CoachBlock, key, map[string]int{"Max": maxQuestionRunes}), nil
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
	return views.ModalDone(), nil
}
