package bot

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/rituals"
	"github.com/kpibot/kpibot/storage"
)

// snoozeFor is how much later a snoozed reminder comes back.
const snoozeFor = time.Hour

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
		return views.BadUsage(lang, r.cmd.Text, example), nil
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
				return views.Usage(lang, "remind.error.time", map[string]string{"Token": views.Escape(r.args[0])}, example), nil
			}
			pref.Off, pref.Time = false, t
		}
		pref.Workspace, pref.User, pref.UpdatedAt = r.cmd.Workspace, r.cmd.User, h.now()
		if err := store.SaveReminderPref(ctx, pref); err != nil {
			return slack.Msg{}, err
		}
	}
	state, err := h.reminderState(ctx, r, pref)
	if err != nil {
		return slack.Msg{}, err
	}
	return views.ReminderStatus(lang, state, example), nil
}

// reminderState says when the rep's reminder comes, or why it does not.
func (h *Handler) reminderState(ctx context.Context, r kpiRequest, pref storage.ReminderPref) (views.ReminderState, error) {
	if pref.Off {
		return views.ReminderState{Off: true}, nil
	}
	s := views.ReminderState{Time: pref.Time, TeamSpec: rituals.DefaultSpec(rituals.Reminder), TZ: r.p.Loc.String(), NoTeam: !r.who.inTeam}
	if r.who.inTeam {
		settings, err := h.store.RitualSettings(ctx, r.cmd.Workspace, r.who.team.Manager)
		if err != nil {
			return views.ReminderState{}, err
		}
		setting := settings[string(rituals.Reminder)]
		s.TeamOff = setting.Off
		if setting.Spec != "" {
			s.TeamSpec = setting.Spec
		}
	}
	if s.NoTeam || s.TeamOff {
		return s, nil
	}
	sched, err := rituals.ParseSchedule(reminderSpec(pref, s.TeamSpec), r.p.Loc)
	if err != nil {
		return views.ReminderState{}, err
	}
	s.Next = sched.Next(h.now()).In(r.p.Loc)
	return s, nil
}
