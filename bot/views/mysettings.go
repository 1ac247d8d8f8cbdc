package views

import (
	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// The personal settings modal: its callback, the button that opens it
// (App Home), and its blocks, which are also the keys of its errors.
const (
	MySettingsCallback = "my_settings"
	ActionSettingsOpen = "settings_open"

	SettingsLangBlock     = "language"
	SettingsReminderBlock = "reminder"
	SettingsTimeBlock     = "reminder_time"
	SettingsSharingBlock  = "sharing"
	SettingsAwayFromBlock = "away_from"
	SettingsAwayToBlock   = "away_to"
	SettingsClearBlock    = "away_clear"

	// The reminder's choices and the sharing options' values.
	ReminderTeam     = "team"
	ReminderOwn      = "own"
	ReminderOff      = "off"
	LangSlack        = "slack"
	SharingShoutouts = "shoutouts"
	SharingCounts    = "counts"

	// SettingsActionID is the action ID of each input block's element.
	SettingsActionID = "v"
)

// MySettings is what the settings modal shows: a person's own choices.
type MySettings struct {
	// Lang is the language chosen over the Slack locale, "" for none.
	Lang string
	// Reminder is ReminderTeam, ReminderOwn (at Time) or ReminderOff.
	Reminder string
	Time     string // "15:04" when ReminderOwn
	// Shoutouts and ShareCounts are opt-ins: public shout-outs, and the
	// raw activity counts shown to the manager.
	Shoutouts, ShareCounts bool
	// Absences are the person's absences noted in kpibot (/kpi away, or
	// this modal) that are not over, soonest first; each can be removed.
	Absences []AbsenceSpan
	// Status is the absence their Slack status says, nil when it says
	// none; it changes in Slack only.
	Status *AbsenceSpan
}

// AbsenceSpan is an absence from From to To; a zero To is open-ended (a
// Slack status without expiry).
type AbsenceSpan struct {
	From, To kpi.Date
}

// MaxSettingsAbsences is how many absences the modal lists to remove:
// Slack's checkboxes hold 10 options.
const MaxSettingsAbsences = 10

// MySettingsModal is a person's own settings: the reminder, public
// shout-outs, sharing counts with the manager, and an absence.
func MySettingsModal(lang prompts.Lang, s MySettings) slack.ModalViewRequest {
	opt := func(value string, key prompts.Key) *slack.OptionBlockObject {
		return slack.NewOptionBlockObject(value, plainText(prompts.Text(lang, key, nil)), nil)
	}
	slackLang, fr, en := opt(LangSlack, "settings.lang.slack"), opt("fr", "settings.lang.fr"), opt("en", "settings.lang.en")
	langSelect := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, nil, SettingsActionID, slackLang, fr, en)
	switch s.Lang {
	case "fr":
		langSelect.InitialOption = fr
	case "en":
		langSelect.InitialOption = en
	default:
		langSelect.InitialOption = slackLang
	}
	language := slack.NewInputBlock(SettingsLangBlock, plainText(prompts.Text(lang, "settings.lang", nil)), nil, langSelect)

	team, own, off := opt(ReminderTeam, "settings.reminder.team"), opt(ReminderOwn, "settings.reminder.own"), opt(ReminderOff, "settings.reminder.off")
	radio := slack.NewRadioButtonsBlockElement(SettingsActionID, team, own, off)
	switch s.Reminder {
	case ReminderOwn:
		radio.InitialOption = own
	case ReminderOff:
		radio.InitialOption = off
	default:
		radio.InitialOption = team
	}
	reminder := slack.NewInputBlock(SettingsReminderBlock, plainText(prompts.Text(lang, "settings.reminder", nil)), nil, radio)

	picker := slack.NewTimePickerBlockElement(SettingsActionID)
	if s.Time != "" {
		picker.InitialTime = s.Time
	}
	at := slack.NewInputBlock(SettingsTimeBlock, plainText(prompts.Text(lang, "settings.reminder.time", nil)), plainText(prompts.Text(lang, "settings.reminder.time.hint", nil)), picker)
	at.Optional = true

	shout, counts := opt(SharingShoutouts, "settings.sharing.shoutouts"), opt(SharingCounts, "settings.sharing.counts")
	boxes := slack.NewCheckboxGroupsBlockElement(SettingsActionID, shout, counts)
	if s.Shoutouts {
		boxes.InitialOptions = append(boxes.InitialOptions, shout)
	}
	if s.ShareCounts {
		boxes.InitialOptions = append(boxes.InitialOptions, counts)
	}
	sharing := slack.NewInputBlock(SettingsSharingBlock, plainText(prompts.Text(lang, "settings.sharing", nil)), plainText(prompts.Text(lang, "settings.sharing.hint", nil)), boxes)
	sharing.Optional = true

	date := func(block string, key prompts.Key) *slack.InputBlock {
		in := slack.NewInputBlock(block, plainText(prompts.Text(lang, key, nil)), nil, slack.NewDatePickerBlockElement(SettingsActionID))
		in.Optional = true
		return in
	}
	blocks := []slack.Block{Context(prompts.Text(lang, "settings.intro", nil)), language, reminder, at, sharing}
	blocks = append(blocks, currentAbsences(lang, s)...)
	blocks = append(blocks,
		Section(prompts.Text(lang, "settings.away", nil)),
		date(SettingsAwayFromBlock, "settings.away.from"),
		date(SettingsAwayToBlock, "settings.away.to"),
	)
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: MySettingsCallback,
		Title:      plainText(prompts.Text(lang, "settings.title", nil)),
		Submit:     plainText(prompts.Text(lang, "settings.submit", nil)),
		Close:      plainText(prompts.Text(lang, "remind.modal.close", nil)),
		Blocks:     slack.Blocks{BlockSet: blocks},
	}
}

// currentAbsences shows the person's absences, saying where each comes
// from: those noted in kpibot, each with a box to tick to remove it, and
// the one their Slack status says, which only Slack changes. None when
// there are none.
func currentAbsences(lang prompts.Lang, s MySettings) []slack.Block {
	if len(s.Absences) == 0 && s.Status == nil {
		return nil
	}
	blocks := []slack.Block{Section(prompts.Text(lang, "settings.away.current", nil))}
	if len(s.Absences) > 0 {
		var options []*slack.OptionBlockObject
		for _, a := range s.Absences[:min(len(s.Absences), MaxSettingsAbsences)] {
			text := prompts.Text(lang, "settings.away.span", map[string]string{"From": prompts.Date(lang, a.From), "To": prompts.Date(lang, a.To)})
			options = append(options, slack.NewOptionBlockObject(a.From.String(), plainText(text), nil))
		}
		boxes := slack.NewInputBlock(SettingsClearBlock, plainText(prompts.Text(lang, "settings.away.noted", nil)), plainText(prompts.Text(lang, "settings.away.noted.hint", nil)),
			slack.NewCheckboxGroupsBlockElement(SettingsActionID, options...))
		boxes.Optional = true
		blocks = append(blocks, boxes)
	}
	if st := s.Status; st != nil {
		data := map[string]string{"From": prompts.Date(lang, st.From), "To": ""}
		if st.To != (kpi.Date{}) {
			data["To"] = prompts.Date(lang, st.To)
		}
		blocks = append(blocks, Context(prompts.Text(lang, "settings.away.status", data)))
	}
	return blocks
}
