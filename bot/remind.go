package bot

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
	"github.com/kpibot/kpibot/storage"
)

// The reminder's buttons. The action IDs come back in block_actions
// payloads, so they must never be renamed.
const (
	actionCheckInOpen    = "checkin_open"
	actionReminderSnooze = "reminder_snooze"
	actionReminderOff    = "reminder_off"
	reminderActionsBlock = "reminder_actions"

	// snoozeFor is how much later a snoozed reminder comes back.
	snoozeFor = time.Hour
)

// reminderPrefs is the storage of each rep's reminder choice.
// *storage.Store implements it; the handler finds it by type assertion,
// so a store without it (a test double) simply has no preferences.
type reminderPrefs interface {
	ReminderPref(ctx context.Context, workspace, user string) (storage.ReminderPref, error)
	ReminderPrefs(ctx context.Context, workspace string) (map[string]storage.ReminderPref, error)
	SaveReminderPref(ctx context.Context, p storage.ReminderPref) error
}

var _ reminderPrefs = (*storage.Store)(nil)

func (h *Handler) prefStore() (reminderPrefs, bool) {
	s, ok := h.store.(reminderPrefs)
	return s, ok
}

// reminderPref returns a rep's reminder choice, the zero pref (on, at the
// team's time) when they never made one or storage keeps none.
func (h *Handler) reminderPref(ctx context.Context, workspace, user string) (storage.ReminderPref, error) {
	store, ok := h.prefStore()
	if !ok {
		return storage.ReminderPref{Workspace: workspace, User: user}, nil
	}
	p, err := store.ReminderPref(ctx, workspace, user)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.ReminderPref{Workspace: workspace, User: user}, nil
	}
	return p, err
}

// reminderBlocks is the check-in reminder DM: the text, then buttons to
// log the day in a modal, snooze for an hour or stop the reminders.
func reminderBlocks(lang prompts.Lang) []slack.Block {
	button := func(actionID string, key prompts.Key) *slack.ButtonBlockElement {
		return slack.NewButtonBlockElement(actionID, "", slack.NewTextBlockObject(slack.PlainTextType, prompts.Text(lang, key, nil), true, false))
	}
	return []slack.Block{
		section(prompts.Text(lang, "ritual.reminder", nil)),
		slack.NewActionBlock(reminderActionsBlock,
			button(actionCheckInOpen, "remind.button.log").WithStyle(slack.StylePrimary),
			button(actionReminderSnooze, "remind.button.snooze"),
			button(actionReminderOff, "remind.button.off"),
		),
		contextBlock(prompts.Text(lang, "ritual.reminder.footer", nil)),
	}
}

// reminderMsg is the reminder DM with its fallback text.
func reminderMsg(lang prompts.Lang) slack.Msg {
	return slack.Msg{Text: prompts.Text(lang, "ritual.reminder", nil), Blocks: slack.Blocks{BlockSet: reminderBlocks(lang)}}
}

// reminderSpec is the schedule of a rep's reminder: their own time on
// weekdays, or else the team's spec.
func reminderSpec(pref storage.ReminderPref, teamSpec string) string {
	if pref.Time != "" {
		return "weekdays " + pref.Time
	}
	return teamSpec
}

// clockRE reads a time of day: "17:30", "9:30", "17h30", "17h".
var clockRE = regexp.MustCompile(`^(\d{1,2})(?:[:h](\d{2})|h)$`)

// parseClock normalises a 24-hour time of day to "HH:MM".
func parseClock(s string) (string, bool) {
	m := clockRE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return "", false
	}
	hour, _ := strconv.Atoi(m[1])
	minute := 0
	if m[2] != "" {
		minute, _ = strconv.Atoi(m[2])
	}
	if hour > 23 || minute > 59 {
		return "", false
	}
	return time.Date(2000, 1, 1, hour, minute, 0, 0, time.UTC).Format("15:04"), true
}

// kpiRemind handles /kpi remind [off|on|default|HH:MM]: a rep's own
// reminder, off, back on, back to the team's time, or at a time of their
// own on weekdays, in their timezone. With no argument it says how things
// stand.
func (h *Handler) kpiRemind(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	const example = "`/kpi remind 17:30` · `/kpi remind off` · `/kpi remind on`"
	store, ok := h.prefStore()
	if !ok {
		return slack.Msg{}, errors.New("bot: storage keeps no reminder preferences")
	}
	pref, err := h.reminderPref(ctx, r.cmd.Workspace, r.cmd.User)
	if err != nil {
		return slack.Msg{}, err
	}
	if len(r.args) > 1 {
		return h.kpiUsage(lang, "kpi.error.usage", map[string]string{"Text": escape(r.cmd.Text)}, example), nil
	}
	if len(r.args) == 1 {
		switch arg := strings.ToLower(r.args[0]); arg {
		case "off", "stop", "non", "no":
			pref.Off = true
		case "on", "oui", "yes":
			pref.Off = false
		case "default", "defaut", "défaut", "team", "equipe", "équipe":
			pref.Off, pref.Time = false, ""
		default:
			t, ok := parseClock(arg)
			if !ok {
				return h.kpiUsage(lang, "remind.error.time", map[string]string{"Token": escape(r.args[0])}, example), nil
			}
			pref.Off, pref.Time = false, t
		}
		pref.Workspace, pref.User, pref.UpdatedAt = r.cmd.Workspace, r.cmd.User, h.now()
		if err := store.SaveReminderPref(ctx, pref); err != nil {
			return slack.Msg{}, err
		}
	}
	text, err := h.describeReminder(ctx, r, pref)
	if err != nil {
		return slack.Msg{}, err
	}
	return ephemeral(text, section(text), contextBlock(prompts.Text(lang, "kpi.error.example", map[string]string{"Example": example}))), nil
}

// describeReminder says when the rep's reminder comes, or why it does not.
func (h *Handler) describeReminder(ctx context.Context, r kpiRequest, pref storage.ReminderPref) (string, error) {
	lang := r.p.Lang
	if pref.Off {
		return prompts.Text(lang, "remind.off.done", nil), nil
	}
	teamSpec, teamOff := rituals.DefaultSpec(rituals.Reminder), false
	if r.who.inTeam {
		settings, err := h.store.RitualSettings(ctx, r.cmd.Workspace, r.who.team.Manager)
		if err != nil {
			return "", err
		}
		s := settings[string(rituals.Reminder)]
		teamOff = s.Off
		if s.Spec != "" {
			teamSpec = s.Spec
		}
	}
	tz := r.p.Loc.String()
	lines := []string{prompts.Text(lang, "remind.on.team", map[string]string{"Spec": teamSpec, "TZ": tz})}
	if pref.Time != "" {
		lines[0] = prompts.Text(lang, "remind.on.time", map[string]string{"Time": pref.Time, "TZ": tz})
	}
	switch {
	case !r.who.inTeam:
		lines = append(lines, prompts.Text(lang, "remind.noteam", nil))
	case teamOff:
		lines = append(lines, prompts.Text(lang, "remind.team_off", nil))
	default:
		sched, err := rituals.ParseSchedule(reminderSpec(pref, teamSpec), r.p.Loc)
		if err != nil {
			return "", err
		}
		next := sched.Next(h.now()).In(r.p.Loc)
		lines = append(lines, prompts.Text(lang, "remind.next", map[string]string{
			"Next": prompts.Date(lang, kpi.DateOf(next)) + " " + next.Format("15:04"),
		}))
	}
	return strings.Join(lines, "\n"), nil
}
