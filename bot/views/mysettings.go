package views

import (
	"github.com/slack-go/slack"

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
}

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
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: MySettingsCallback,
		Title:      plainText(prompts.Text(lang, "settings.title", nil)),
		Submit:     plainText(prompts.Text(lang, "settings.submit", nil)),
		Close:      plainText(prompts.Text(lang, "remind.modal.close", nil)),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			Context(prompts.Text(lang, "settings.intro", nil)),
			language, reminder, at, sharing,
			Section(prompts.Text(lang, "settings.away", nil)),
			date(SettingsAwayFromBlock, "settings.away.from"),
			date(SettingsAwayToBlock, "settings.away.to"),
		}},
	}
}
