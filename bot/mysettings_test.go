package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// settingsSubmission is the settings modal sent back with values.
func settingsSubmission(user string, values map[string]slack.BlockAction) slack.InteractionCallback {
	state := map[string]map[string]slack.BlockAction{}
	for block, v := range values {
		state[block] = map[string]slack.BlockAction{views.SettingsActionID: v}
	}
	return slack.InteractionCallback{
		Type: slack.InteractionTypeViewSubmission, Team: slack.Team{ID: "T1"}, User: slack.User{ID: user},
		View: slack.View{ID: "VSET", CallbackID: views.MySettingsCallback, State: &slack.ViewState{Values: state}},
	}
}

func radio(v string) slack.BlockAction {
	return slack.BlockAction{Type: "radio_buttons", SelectedOption: slack.OptionBlockObject{Value: v}}
}

func date(d string) slack.BlockAction { return slack.BlockAction{Type: "datepicker", SelectedDate: d} }

// The settings modal opens from App Home's button and from /kpi settings
// alone in Slack, on the person's current choices; a bad value is shown
// under its field and nothing is stored; valid values are all stored.
func TestMySettingsModal(t *testing.T) {
	store := memStore(t)
	web := testkit.NewFakeWebAPI(t)
	h := bottest.NewHandler(t, store, newClock(monday10).Now, nil)
	h.SetSlackUI(web.API(t))
	ctx := context.Background()

	click := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, Team: slack.Team{ID: "T1"}, User: slack.User{ID: "U1"}, TriggerID: "trig-home", View: slack.View{Type: slack.VTHomeTab}}
	click.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: views.ActionSettingsOpen, Value: "home"}}
	if _, err := h.Interact(ctx, click); err != nil {
		t.Fatal(err)
	}
	msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "U1", Name: "/kpi", Text: "settings", Key: "trig-cmd", Source: "slack-http"})
	if err != nil || !strings.Contains(views.PlainText(msg), "Tes réglages sont ouverts") {
		t.Fatalf("/kpi settings in Slack: %s, %v", views.PlainText(msg), err)
	}
	opened := web.OpenedViews()
	if len(opened) != 2 {
		t.Fatalf("%d modals opened, want 2", len(opened))
	}
	var modal slack.ModalViewRequest
	if err := json.Unmarshal(opened[0], &modal); err != nil || modal.CallbackID != views.MySettingsCallback || len([]rune(modal.Title.Text)) > 24 {
		t.Fatalf("modal %s: %v", opened[0], err)
	}
	if msg, _ := h.Handle(ctx, bot.Command{Workspace: "T1", User: "U1", Name: "/kpi", Text: "settings", Key: "c", Source: "console"}); strings.Contains(views.PlainText(msg), "Tes réglages sont ouverts") {
		t.Error("/kpi settings in the console opened a modal")
	}

	// Refused values: each under its field, nothing stored.
	for name, c := range map[string]struct {
		values map[string]slack.BlockAction
		block  string
	}{
		"own time without a time": {map[string]slack.BlockAction{views.SettingsReminderBlock: radio(views.ReminderOwn)}, views.SettingsTimeBlock},
		"an absence without end":  {map[string]slack.BlockAction{views.SettingsAwayFromBlock: date("2026-11-30")}, views.SettingsAwayToBlock},
		"an absence backwards":    {map[string]slack.BlockAction{views.SettingsAwayFromBlock: date("2026-12-04"), views.SettingsAwayToBlock: date("2026-11-30")}, views.SettingsAwayToBlock},
		"an absence over":         {map[string]slack.BlockAction{views.SettingsAwayFromBlock: date("2026-11-02"), views.SettingsAwayToBlock: date("2026-11-06")}, views.SettingsAwayToBlock},
		"a forged reminder mode":  {map[string]slack.BlockAction{views.SettingsReminderBlock: radio("sometimes")}, views.SettingsReminderBlock},
	} {
		c.values[views.SettingsSharingBlock] = slack.BlockAction{SelectedOptions: []slack.OptionBlockObject{{Value: views.SharingCounts}}}
		resp, err := h.Interact(ctx, settingsSubmission("U1", c.values))
		if err != nil {
			t.Fatal(err)
		}
		ans, ok := resp.(*slack.ViewSubmissionResponse)
		if !ok || ans.ResponseAction != slack.RAErrors || ans.Errors[c.block] == "" {
			t.Errorf("%s: answered %#v, want an error under %s", name, resp, c.block)
		}
		if on, _ := store.ShareCounts(ctx, "T1", "U1"); on {
			t.Fatalf("%s: sharing stored from a refused submission", name)
		}
	}

	resp, err := h.Interact(ctx, settingsSubmission("U1", map[string]slack.BlockAction{
		views.SettingsReminderBlock: radio(views.ReminderOwn),
		views.SettingsTimeBlock:     {Type: "timepicker", SelectedTime: "16:45"},
		views.SettingsSharingBlock:  {SelectedOptions: []slack.OptionBlockObject{{Value: views.SharingShoutouts}, {Value: views.SharingCounts}}},
		views.SettingsAwayFromBlock: date("2026-11-24"),
		views.SettingsAwayToBlock:   date("2026-11-27"),
	}))
	if ans, ok := resp.(*slack.ViewSubmissionResponse); err != nil || !ok || ans.ResponseAction != slack.RAClear {
		t.Fatalf("valid settings answered %#v, %v", resp, err)
	}
	pref, _ := store.ReminderPref(ctx, "T1", "U1")
	shout, _ := store.Shoutout(ctx, "T1", "U1")
	counts, _ := store.ShareCounts(ctx, "T1", "U1")
	away, _ := store.Away(ctx, "T1", "U1", "2026-11-25")
	if pref.Time != "16:45" || pref.Off || !shout || !counts || !away {
		t.Fatalf("stored pref %+v shout %v counts %v away %v", pref, shout, counts, away)
	}
	// The modal opens again on what was saved.
	h.Interact(ctx, click)
	opened = web.OpenedViews()
	if last := string(opened[len(opened)-1]); !strings.Contains(last, `"initial_time":"16:45"`) || !strings.Contains(last, `"initial_options"`) {
		t.Errorf("the modal reopened on %s", last)
	}
}

// The language chosen in the settings is the person's over their Slack
// locale, at once; "my Slack language" goes back to it.
func TestMySettingsLanguage(t *testing.T) {
	store := memStore(t)
	h := bottest.NewHandler(t, store, newClock(monday10).Now, nil)
	ctx := context.Background()
	submit := func(lang string) {
		t.Helper()
		resp, err := h.Interact(ctx, settingsSubmission("U1", map[string]slack.BlockAction{
			views.SettingsLangBlock: {Type: "static_select", SelectedOption: slack.OptionBlockObject{Value: lang}},
		}))
		if ans, ok := resp.(*slack.ViewSubmissionResponse); err != nil || !ok || ans.ResponseAction != slack.RAClear {
			t.Fatalf("language %s: %#v, %v", lang, resp, err)
		}
	}
	log := func(text string) string {
		msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "U1", Name: "/log", Text: text, Key: text})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}
	if got := log("3 rdv"); !strings.Contains(got, "Noté") {
		t.Fatalf("before: %s", got)
	}
	submit("en")
	if got := log("2 calls"); !strings.Contains(got, "Logged") {
		t.Errorf("after choosing English: %s", got)
	}
	if got := log("1 demo"); !strings.Contains(got, "Logged") {
		t.Errorf("English again: %s", got)
	}
	submit(views.LangSlack)
	if got := log("1 offre"); !strings.Contains(got, "Noté") {
		t.Errorf("back to the Slack language: %s", got)
	}
	resp, _ := h.Interact(ctx, settingsSubmission("U1", map[string]slack.BlockAction{
		views.SettingsLangBlock: {Type: "static_select", SelectedOption: slack.OptionBlockObject{Value: "de"}},
	}))
	if ans, ok := resp.(*slack.ViewSubmissionResponse); !ok || ans.ResponseAction != slack.RAErrors {
		t.Errorf("a forged language: %#v", resp)
	}
}

// failingSettings is the store whose single write of the settings modal
// fails, as a database that went away would.
type failingSettings struct {
	*storage.Store
	saves int
}

func (f *failingSettings) SaveMySettings(context.Context, storage.MySettings) error {
	f.saves++
	return errors.New("storage: connection refused")
}

// The settings modal saves in one write: when the store fails it, the
// person is told under the form and none of their choices changed.
func TestMySettingsSaveIsOneWrite(t *testing.T) {
	mem := memStore(t)
	store := &failingSettings{Store: mem}
	h := bottest.NewHandler(t, store, newClock(monday10).Now, nil)
	ctx := context.Background()
	if err := mem.SetShoutout(ctx, "T1", "U1", true); err != nil {
		t.Fatal(err)
	}
	resp, err := h.Interact(ctx, settingsSubmission("U1", map[string]slack.BlockAction{
		views.SettingsReminderBlock: radio(views.ReminderOff),
		views.SettingsLangBlock:     {Type: "static_select", SelectedOption: slack.OptionBlockObject{Value: "en"}},
		views.SettingsSharingBlock:  {SelectedOptions: []slack.OptionBlockObject{{Value: views.SharingCounts}}},
		views.SettingsAwayFromBlock: date("2026-11-24"),
		views.SettingsAwayToBlock:   date("2026-11-27"),
	}))
	ans, ok := resp.(*slack.ViewSubmissionResponse)
	if err == nil || !ok || ans.ResponseAction != slack.RAErrors || !strings.Contains(ans.Errors[views.SettingsReminderBlock], "Rien n'a changé") {
		t.Fatalf("a failed save answered %#v, %v", resp, err)
	}
	if store.saves != 1 {
		t.Errorf("%d writes, want one", store.saves)
	}
	if _, err := mem.ReminderPref(ctx, "T1", "U1"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a reminder choice was stored: %v", err)
	}
	shout, _ := mem.Shoutout(ctx, "T1", "U1")
	counts, _ := mem.ShareCounts(ctx, "T1", "U1")
	away, _ := mem.Away(ctx, "T1", "U1", "2026-11-25")
	langs, _ := mem.UserLangs(ctx, "T1")
	if !shout || counts || away || len(langs) != 0 {
		t.Errorf("half saved: shout-outs %v, counts %v, away %v, languages %v", shout, counts, away, langs)
	}
}

// The settings modal shows the person's absences, saying where each comes
// from: those noted with /kpi away (or the modal), each to tick for
// removal, and what their Slack status says. Ticking one removes it, in
// the same write as the other choices.
func TestMySettingsShowsAndClearsAbsences(t *testing.T) {
	for _, lang := range []prompts.Lang{prompts.French, prompts.English} {
		t.Run(string(lang), func(t *testing.T) {
			store := memStore(t)
			web := testkit.NewFakeWebAPI(t)
			h := bottest.NewHandler(t, store, newClock(monday10).Now, bottest.Profiles{"U1": {Loc: paris, Lang: lang}})
			h.SetSlackUI(web.API(t))
			ctx := context.Background()
			do := func(text string) {
				t.Helper()
				if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "U1", Name: "/kpi", Text: text, Key: text}); err != nil {
					t.Fatal(err)
				}
			}
			do("away 2026-11-30 2026-12-04")
			do("away 2026-12-21 2026-12-31")
			do("away 2026-11-02 2026-11-06") // over: not shown
			if err := h.HandleEvent(ctx, bot.Event{ID: "EvS" + string(lang), Workspace: "T1", Type: bot.EventUserChange, User: "U1",
				Profile: &bot.ProfileChange{TZ: "Europe/Paris", StatusText: "Malade", StatusEmoji: ":face_with_thermometer:", StatusExpires: monday10.AddDate(0, 0, 1)}}); err != nil {
				t.Fatal(err)
			}
			open := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, Team: slack.Team{ID: "T1"}, User: slack.User{ID: "U1"}, TriggerID: "trig", View: slack.View{Type: slack.VTHomeTab}}
			open.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: views.ActionSettingsOpen, Value: "home"}}
			if _, err := h.Interact(ctx, open); err != nil {
				t.Fatal(err)
			}
			opened := web.OpenedViews()
			var modal slack.ModalViewRequest
			if err := json.Unmarshal(opened[len(opened)-1], &modal); err != nil {
				t.Fatal(err)
			}
			// The text of its blocks, and the raw view for the checkboxes'
			// labels and options, which the text leaves out.
			text := views.PlainText(slack.Msg{Blocks: modal.Blocks}) + string(opened[len(opened)-1])
			want := map[prompts.Lang][]string{
				prompts.French:  {"Notées dans kpibot", "du lun. 30 nov. au ven. 4 déc.", "du lun. 21 déc. au jeu. 31 déc.", "Ton statut Slack dit que tu n'es pas là depuis le lun. 23 nov., jusqu'au mar. 24 nov."},
				prompts.English: {"Noted in kpibot", "Mon 30 Nov to Fri 4 Dec", "Mon 21 Dec to Thu 31 Dec", "Your Slack status says you're away, since Mon 23 Nov and until Tue 24 Nov"},
			}[lang]
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("the modal lacks %q:\n%s", w, text)
				}
			}
			if strings.Contains(text, "2 nov") || strings.Contains(text, "2 Nov") {
				t.Errorf("an absence over is shown:\n%s", text)
			}
			golden(t, "settings_modal_absences_"+string(lang), slack.Msg{Text: modal.Title.Text, Blocks: modal.Blocks})

			// Remove the first; keep the second.
			resp, err := h.Interact(ctx, settingsSubmission("U1", map[string]slack.BlockAction{
				views.SettingsClearBlock: {SelectedOptions: []slack.OptionBlockObject{{Value: "2026-11-30"}}},
			}))
			if ans, ok := resp.(*slack.ViewSubmissionResponse); err != nil || !ok || ans.ResponseAction != slack.RAClear {
				t.Fatalf("clearing answered %#v, %v", resp, err)
			}
			for day, want := range map[string]bool{"2026-12-02": false, "2026-12-24": true} {
				if away, _ := store.Away(ctx, "T1", "U1", day); away != want {
					t.Errorf("away on %s: %v, want %v", day, away, want)
				}
			}
			// A forged value is refused under the list, nothing stored.
			resp, _ = h.Interact(ctx, settingsSubmission("U1", map[string]slack.BlockAction{
				views.SettingsClearBlock: {SelectedOptions: []slack.OptionBlockObject{{Value: "2026-12-21"}, {Value: "all"}}},
			}))
			if ans, ok := resp.(*slack.ViewSubmissionResponse); !ok || ans.ResponseAction != slack.RAErrors || ans.Errors[views.SettingsClearBlock] == "" {
				t.Errorf("a forged value answered %#v", resp)
			}
			if away, _ := store.Away(ctx, "T1", "U1", "2026-12-24"); !away {
				t.Error("a refused submission removed an absence")
			}
		})
	}
}
