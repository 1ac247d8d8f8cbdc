package views

import (
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// The reminder's buttons. The action IDs come back in block_actions
// payloads, so they must never be renamed.
const (
	ActionCheckInOpen    = "checkin_open"
	ActionReminderSnooze = "reminder_snooze"
	ActionReminderOff    = "reminder_off"
	ReminderActionsBlock = "reminder_actions"
)

// ReminderBlocks is the check-in reminder DM: the text, then buttons to
// log the day in a modal, snooze for an hour or stop the reminders.
func ReminderBlocks(lang prompts.Lang) []slack.Block {
	button := func(actionID string, key prompts.Key) *slack.ButtonBlockElement {
		return slack.NewButtonBlockElement(actionID, "", slack.NewTextBlockObject(slack.PlainTextType, prompts.Text(lang, key, nil), true, false))
	}
	return []slack.Block{
		Section(prompts.Text(lang, "ritual.reminder", nil)),
		slack.NewActionBlock(ReminderActionsBlock,
			button(ActionCheckInOpen, "remind.button.log").WithStyle(slack.StylePrimary),
			button(ActionReminderSnooze, "remind.button.snooze"),
			button(ActionReminderOff, "remind.button.off"),
		),
		Context(prompts.Text(lang, "ritual.reminder.footer", nil)),
	}
}

// Reminder is the reminder DM with its fallback text.
func Reminder(lang prompts.Lang) slack.Msg {
	return slack.Msg{Text: prompts.Text(lang, "ritual.reminder", nil), Blocks: slack.Blocks{BlockSet: ReminderBlocks(lang)}}
}

// Snoozed replaces a snoozed reminder with when it comes back.
func Snoozed(lang prompts.Lang, at time.Time) slack.Msg {
	return Replacement(prompts.Text(lang, "remind.snoozed", map[string]string{"Time": at.Format("15:04")}))
}

// RemindersOff replaces a reminder whose rep turned them off with how to
// turn them back on.
func RemindersOff(lang prompts.Lang) slack.Msg {
	return Replacement(prompts.Text(lang, "remind.off.done", nil))
}

// ReminderState is when a rep's reminder comes, as /kpi remind says it.
type ReminderState struct {
	// Off: the rep turned reminders off; nothing else matters.
	Off bool
	// Time is the rep's own time of day, or empty for the team's Spec.
	Time     string
	TeamSpec string
	TZ       string
	NoTeam   bool
	TeamOff  bool
	// Next is the next reminder, in the rep's zone, when one comes.
	Next time.Time
}

// ReminderStatus answers /kpi remind with how things stand, and example.
func ReminderStatus(lang prompts.Lang, s ReminderState, example string) slack.Msg {
	text := reminderText(lang, s)
	return Ephemeral(text, Section(text), Context(prompts.Text(lang, "kpi.error.example", map[string]string{"Example": example})))
}

func reminderText(lang prompts.Lang, s ReminderState) string {
	if s.Off {
		return prompts.Text(lang, "remind.off.done", nil)
	}
	lines := []string{prompts.Text(lang, "remind.on.team", map[string]string{"Spec": s.TeamSpec, "TZ": s.TZ})}
	if s.Time != "" {
		lines[0] = prompts.Text(lang, "remind.on.time", map[string]string{"Time": s.Time, "TZ": s.TZ})
	}
	switch {
	case s.NoTeam:
		lines = append(lines, prompts.Text(lang, "remind.noteam", nil))
	case s.TeamOff:
		lines = append(lines, prompts.Text(lang, "remind.team_off", nil))
	default:
		lines = append(lines, prompts.Text(lang, "remind.next", map[string]string{"Next": dayAndTime(lang, s.Next)}))
	}
	return strings.Join(lines, "\n")
}

// dayAndTime shows a moment to come: "lun. 30 nov. 10:00".
func dayAndTime(lang prompts.Lang, t time.Time) string {
	return prompts.Date(lang, kpi.DateOf(t)) + " " + t.Format("15:04")
}
