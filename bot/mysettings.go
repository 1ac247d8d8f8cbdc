package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// MySettingsStore keeps a person's own choices: their reminder, public
// shout-outs, sharing counts with their manager, language and absences,
// saved together in one write; and what their Slack status last said.
type MySettingsStore interface {
	ReminderPref(ctx context.Context, workspace, user string) (storage.ReminderPref, error)
	Shoutout(ctx context.Context, workspace, user string) (bool, error)
	ShareCounts(ctx context.Context, workspace, user string) (bool, error)
	Absences(ctx context.Context, workspace, user, since string) ([]storage.Absence, error)
	LastStatus(ctx context.Context, workspace, user string) (storage.StatusAbsence, error)
	SaveMySettings(ctx context.Context, m storage.MySettings) error
}

// mySettings is the personal settings modal, from App Home's button or
// /kpi settings typed alone in Slack.
type mySettings struct {
	store MySettingsStore
	home  *home
	ui    slackUI
	env
}

// current is what the modal opens on.
func (ms *mySettings) current(ctx context.Context, workspace, user string) (views.MySettings, error) {
	var s views.MySettings
	pref, err := ms.store.ReminderPref(ctx, workspace, user)
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		return s, err
	}
	switch {
	case pref.Off:
		s.Reminder = views.ReminderOff
	case pref.Time != "":
		s.Reminder, s.Time = views.ReminderOwn, pref.Time
	default:
		s.Reminder = views.ReminderTeam
	}
	if s.Shoutouts, err = ms.store.Shoutout(ctx, workspace, user); err != nil {
		return s, err
	}
	if s.ShareCounts, err = ms.store.ShareCounts(ctx, workspace, user); err != nil {
		return s, err
	}
	if l, ok := ms.users.langs.of(ctx, workspace, user); ok {
		s.Lang = string(l)
	}
	today := kpi.DateOf(ms.now().In(ms.users.profile(ctx, workspace, user).Loc)).String()
	absences, err := ms.store.Absences(ctx, workspace, user, today)
	if err != nil {
		return s, err
	}
	for _, a := range absences {
		from, err1 := kpi.ParseDate(a.From)
		to, err2 := kpi.ParseDate(a.To)
		if err1 == nil && err2 == nil {
			s.Absences = append(s.Absences, views.AbsenceSpan{From: from, To: to})
		}
	}
	// The Slack status, when it says out today or from a day to come.
	status, err := ms.store.LastStatus(ctx, workspace, user)
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		return s, err
	case status.Out && (status.Until == "" || status.Until >= today):
		from, _ := kpi.ParseDate(status.From)
		s.Status = &views.AbsenceSpan{From: from}
		if status.Until != "" {
			s.Status.To, _ = kpi.ParseDate(status.Until)
		}
	}
	return s, nil
}

// open opens the modal on trigger for user.
func (ms *mySettings) open(ctx context.Context, trigger, workspace, user string, lang prompts.Lang) error {
	if ms.ui == nil || trigger == "" {
		return errNoSlackUI
	}
	s, err := ms.current(ctx, workspace, user)
	if err != nil {
		return err
	}
	if _, err := ms.ui.OpenViewContext(ctx, trigger, views.MySettingsModal(lang, s)); err != nil {
		return fmt.Errorf("bot: open settings modal: %w", err)
	}
	return nil
}

// submit checks every value first and stores nothing unless all are
// valid; a refused value is shown under its field.
func (ms *mySettings) submit(ctx context.Context, cb slack.InteractionCallback) (any, error) {
	cmd := interactionCommand(cb)
	p := ms.users.profile(ctx, cmd.Workspace, cmd.User)
	if cb.View.State == nil || cmd.Workspace == "" || cmd.User == "" {
		return views.ModalError(p.Lang, views.SettingsReminderBlock, "settings.error.failed", nil), errors.New("bot: settings submission without state, workspace or user")
	}
	value := func(block string) slack.BlockAction { return cb.View.State.Values[block][views.SettingsActionID] }
	errs := map[string]string{}
	fail := func(block string, key prompts.Key) { errs[block] = prompts.Text(p.Lang, key, nil) }

	pref := storage.ReminderPref{Workspace: cmd.Workspace, User: cmd.User, UpdatedAt: ms.now()}
	switch mode, at := value(views.SettingsReminderBlock).SelectedOption.Value, value(views.SettingsTimeBlock).SelectedTime; mode {
	case views.ReminderOff:
		pref.Off = true
	case views.ReminderOwn:
		t, ok := parseClock(at)
		if !ok {
			fail(views.SettingsTimeBlock, "settings.error.time")
		}
		pref.Time = t
	case views.ReminderTeam, "":
	default:
		fail(views.SettingsReminderBlock, "settings.error.failed")
	}
	chosen := ""
	switch v := value(views.SettingsLangBlock).SelectedOption.Value; v {
	case "", views.LangSlack:
	case "fr", "en":
		chosen = v
	default:
		fail(views.SettingsLangBlock, "settings.error.failed")
	}
	var shout, counts bool
	for _, o := range value(views.SettingsSharingBlock).SelectedOptions {
		shout = shout || o.Value == views.SharingShoutouts
		counts = counts || o.Value == views.SharingCounts
	}
	today := kpi.DateOf(ms.now().In(p.Loc))
	var away *storage.Absence
	fromText, toText := value(views.SettingsAwayFromBlock).SelectedDate, value(views.SettingsAwayToBlock).SelectedDate
	switch {
	case fromText == "" && toText == "":
	case fromText == "":
		fail(views.SettingsAwayFromBlock, "settings.error.away.from")
	case toText == "":
		fail(views.SettingsAwayToBlock, "settings.error.away.to")
	default:
		from, err1 := kpi.ParseDate(fromText)
		to, err2 := kpi.ParseDate(toText)
		switch {
		case err1 != nil:
			fail(views.SettingsAwayFromBlock, "settings.error.away.from")
		case err2 != nil || to.Before(from):
			fail(views.SettingsAwayToBlock, "settings.error.away.order")
		case to.Before(today):
			fail(views.SettingsAwayToBlock, "settings.error.away.past")
		case to.DaysSince(from) > 366:
			fail(views.SettingsAwayToBlock, "settings.error.away.long")
		default:
			away = &storage.Absence{Workspace: cmd.Workspace, User: cmd.User, From: from.String(), To: to.String(), CreatedAt: ms.now()}
		}
	}
	// Absences ticked to be removed: their first days.
	var clear []string
	for _, o := range value(views.SettingsClearBlock).SelectedOptions {
		if _, err := kpi.ParseDate(o.Value); err != nil {
			fail(views.SettingsClearBlock, "settings.error.failed")
			continue
		}
		clear = append(clear, o.Value)
	}
	if len(errs) > 0 {
		return views.ModalErrors(errs), nil
	}

	// One write: every choice is saved, or none.
	err := ms.store.SaveMySettings(ctx, storage.MySettings{
		Workspace: cmd.Workspace, User: cmd.User, Reminder: pref, Lang: chosen,
		Shoutout: shout, ShareCounts: counts, Add: away, Clear: clear, At: ms.now(),
	})
	// Whatever came of it, the language is read again from the store.
	ms.users.langs.forget(cmd.Workspace)
	if err != nil {
		return views.ModalError(p.Lang, views.SettingsReminderBlock, "settings.error.failed", nil), fmt.Errorf("bot: save settings: %w", err)
	}
	ms.home.refresh(ctx, cmd.Workspace, cmd.User)
	return views.ModalDone(), nil
}
