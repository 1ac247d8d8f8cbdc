package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/logctx"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
	"github.com/kpibot/kpibot/storage"
)

// snoozeFor is how much later a snoozed reminder comes back.
const snoozeFor = time.Hour

// reminderStore is what reminders read: the team's reminder schedule,
// and whether a rep logged or is away that day.
type reminderStore interface {
	RitualSettings(ctx context.Context, workspace, team string) (map[string]storage.RitualSetting, error)
	CheckIns(ctx context.Context, workspace, user, from, to string) ([]storage.CheckIn, error)
	Away(ctx context.Context, workspace, user, day string) (bool, error)
	LastStatus(ctx context.Context, workspace, user string) (storage.StatusAbsence, error)
	SaveStatusAbsence(ctx context.Context, a storage.StatusAbsence) error
	WorkspaceSettings(ctx context.Context, workspace string) (storage.Workspace, error)
}

// statusProfiler reads a user's Slack profile (users.profile.get, Tier
// 4, scope users.profile:read), for the status of a rep the bot heard
// nothing of today. *slack.Client is one.
type statusProfiler interface {
	GetUserProfileContext(ctx context.Context, params *slack.GetUserProfileParameters) (*slack.UserProfile, error)
}

// statusLookupTimeout bounds the users.profile.get a reminder waits for:
// past it, the reminder goes out as if the rep were in.
const statusLookupTimeout = 2 * time.Second

// reminderPrefs is the storage of each rep's reminder choice.
// *storage.Store implements it; NewHandler finds it by type assertion,
// so a store without it (a test double) simply has no preferences.
type reminderPrefs interface {
	ReminderPref(ctx context.Context, workspace, user string) (storage.ReminderPref, error)
	ReminderPrefs(ctx context.Context, workspace string) (map[string]storage.ReminderPref, error)
	SaveReminderPref(ctx context.Context, p storage.ReminderPref) error
}

var _ reminderPrefs = (*storage.Store)(nil)

// reminders is the check-in reminder: each rep's choice (/kpi remind and
// the reminder's buttons), and the DM itself.
type reminders struct {
	store reminderStore
	// prefs is nil when storage keeps no preferences.
	prefs reminderPrefs
	ui    slackUI
	// status reads the Slack status of a rep not seen today; nil (the
	// console) reads only what user_change events said.
	status statusProfiler
	// statusFailing is set while users.profile.get fails, so an outage is
	// logged once, not once per rep.
	statusFailing atomic.Bool
	env
}

func (rm *reminders) prefStore() (reminderPrefs, bool) { return rm.prefs, rm.prefs != nil }

// pref returns a rep's reminder choice, the zero pref (on, at the
// team's time) when they never made one or storage keeps none.
func (rm *reminders) pref(ctx context.Context, workspace, user string) (storage.ReminderPref, error) {
	store, ok := rm.prefStore()
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

// command handles /kpi remind [off|on|default|HH:MM]: a rep's own
// reminder, off, back on, back to the team's time, or at a time of their
// own on weekdays, in their timezone. With no argument it says how things
// stand.
func (rm *reminders) command(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	example := prompts.Text(lang, "example.remind", nil)
	store, ok := rm.prefStore()
	if !ok {
		return slack.Msg{}, errors.New("bot: storage keeps no reminder preferences")
	}
	pref, err := rm.pref(ctx, r.cmd.Workspace, r.cmd.User)
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
		pref.Workspace, pref.User, pref.UpdatedAt = r.cmd.Workspace, r.cmd.User, rm.now()
		if err := store.SaveReminderPref(ctx, pref); err != nil {
			return slack.Msg{}, err
		}
	}
	state, err := rm.state(ctx, r, pref)
	if err != nil {
		return slack.Msg{}, err
	}
	return views.ReminderStatus(lang, state, example), nil
}

// state says when the rep's reminder comes, or why it does not.
func (rm *reminders) state(ctx context.Context, r kpiRequest, pref storage.ReminderPref) (views.ReminderState, error) {
	if pref.Off {
		return views.ReminderState{Off: true}, nil
	}
	s := views.ReminderState{Time: pref.Time, TeamSpec: specIn(r.p.Lang, rituals.DefaultSpec(rituals.Reminder)), TZ: r.p.Loc.String(), NoTeam: !r.who.inTeam}
	if r.who.inTeam {
		settings, err := rm.store.RitualSettings(ctx, r.cmd.Workspace, r.who.team.Manager)
		if err != nil {
			return views.ReminderState{}, err
		}
		setting := settings[string(rituals.Reminder)]
		s.TeamOff = setting.Off
		if setting.Spec != "" {
			s.TeamSpec = specIn(r.p.Lang, setting.Spec)
		}
	}
	if s.NoTeam || s.TeamOff {
		return s, nil
	}
	sched, err := rituals.ParseSchedule(reminderSpec(pref, s.TeamSpec), r.p.Loc)
	if err != nil {
		return views.ReminderState{}, err
	}
	s.Next = sched.Next(rm.now()).In(r.p.Loc)
	return s, nil
}

// snooze schedules the same reminder an hour from now, then
// replaces the clicked one with when it will come back.
func (rm *reminders) snooze(ctx context.Context, cb slack.InteractionCallback) error {
	cmd := interactionCommand(cb)
	p := rm.users.profile(ctx, cmd.Workspace, cmd.User)
	ui := rm.ui
	if ui == nil {
		tell(ctx, rm.log, cmd, p.Lang, "remind.snooze.failed")
		return errNoSlackUI
	}
	channel := cmd.Channel
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	if channel == "" {
		channel = cmd.User // a DM to the user
	}
	at := rm.now().Add(snoozeFor)
	msg := views.Reminder(p.Lang)
	if _, _, err := ui.ScheduleMessageContext(ctx, channel, strconv.FormatInt(at.Unix(), 10),
		slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks.BlockSet...)); err != nil {
		tell(ctx, rm.log, cmd, p.Lang, "remind.snooze.failed")
		return fmt.Errorf("bot: snooze reminder: %w", err)
	}
	return replaceClicked(ctx, cmd, views.Snoozed(p.Lang, at.In(p.Loc)))
}

// off records that the rep wants no more reminders, and replaces
// the clicked reminder with how to turn them back on.
func (rm *reminders) off(ctx context.Context, cb slack.InteractionCallback) error {
	cmd := interactionCommand(cb)
	lang := rm.users.profile(ctx, cmd.Workspace, cmd.User).Lang
	store, ok := rm.prefStore()
	if !ok {
		return errors.New("bot: storage keeps no reminder preferences")
	}
	pref, err := rm.pref(ctx, cmd.Workspace, cmd.User)
	if err != nil {
		tell(ctx, rm.log, cmd, lang, "remind.off.failed")
		return fmt.Errorf("bot: reminders off: %w", err)
	}
	pref.Workspace, pref.User, pref.Off, pref.UpdatedAt = cmd.Workspace, cmd.User, true, rm.now()
	if err := store.SaveReminderPref(ctx, pref); err != nil {
		tell(ctx, rm.log, cmd, lang, "remind.off.failed")
		return fmt.Errorf("bot: reminders off: %w", err)
	}
	return replaceClicked(ctx, cmd, views.RemindersOff(lang))
}

// post sends a rep the day's reminder through out, unless they logged,
// are away, or turned reminders off; then nothing is sent and ts is empty.
func (rm *reminders) post(ctx context.Context, out Outbox, job rituals.Job, occurrenceID string, day kpi.Date) (string, error) {
	logged, err := rm.store.CheckIns(ctx, job.Workspace, job.Target, day.String(), day.String())
	if err != nil {
		return "", fmt.Errorf("bot: reminder: %w", err)
	}
	away, err := rm.store.Away(ctx, job.Workspace, job.Target, day.String())
	if err != nil {
		return "", fmt.Errorf("bot: reminder: %w", err)
	}
	if len(logged) > 0 || away {
		return "", nil
	}
	// A rep who turned reminders off gets none, even from a manual run.
	pref, err := rm.pref(ctx, job.Workspace, job.Target)
	if err != nil {
		return "", fmt.Errorf("bot: reminder: %w", err)
	}
	if pref.Off {
		return "", nil
	}
	// A Slack status that says out counts as /kpi away. It is read last:
	// it may cost a call to Slack.
	if away, err = rm.statusAway(ctx, job.Workspace, job.Target, day); err != nil {
		return "", fmt.Errorf("bot: reminder: %w", err)
	}
	if away {
		return "", nil
	}
	lang := rm.users.known(ctx, job.Workspace, job.Target).Lang
	ts, _, err := out.Send(ctx, job.Target, views.Reminder(lang), occurrenceID)
	return ts, err
}

// statusAway reports whether the rep's Slack status says they are out on
// day. A status read today (from a user_change event, or an earlier
// reminder's lookup) is trusted; otherwise users.profile.get reads it now,
// at send time, and stores it. If Slack does not answer, the last status
// read stands, and with none the reminder goes (fail open): a reminder
// too many costs less than a rep forgotten.
func (rm *reminders) statusAway(ctx context.Context, workspace, user string, day kpi.Date) (bool, error) {
	last, err := rm.store.LastStatus(ctx, workspace, user)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return false, err
	}
	loc := rm.users.known(ctx, workspace, user).Loc
	if rm.status != nil && (err != nil || kpi.DateOf(last.At.In(loc)).Before(day)) {
		if fresh, ok := rm.readStatus(ctx, workspace, user, loc); ok {
			last = fresh
		}
	}
	return last.AwayOn(day.String()), nil
}

// readStatus reads user's Slack status with users.profile.get, within
// its own deadline, and stores what it says. ok is false when Slack did
// not answer; that is logged once per outage.
func (rm *reminders) readStatus(ctx context.Context, workspace, user string, loc *time.Location) (storage.StatusAbsence, bool) {
	log := logctx.Logger(ctx, rm.log)
	list, err := outStatusList(ctx, rm.store, workspace)
	if err != nil {
		log.Error("reminder: the workspace's out statuses not read; the Slack status is not checked", "workspace", workspace, "err", err)
		return storage.StatusAbsence{}, false
	}
	lookup, cancel := context.WithTimeout(ctx, statusLookupTimeout)
	defer cancel()
	prof, err := rm.status.GetUserProfileContext(lookup, &slack.GetUserProfileParameters{UserID: user})
	if err == nil && prof == nil {
		err = errors.New("no profile in the answer")
	}
	if err != nil {
		if !rm.statusFailing.Swap(true) {
			log.Warn("slack users.profile.get failed; reminders go to reps whose status is unknown", "workspace", workspace, "err", err)
		}
		return storage.StatusAbsence{}, false
	}
	if rm.statusFailing.Swap(false) {
		log.Info("slack users.profile.get works again")
	}
	var expires time.Time
	if prof.StatusExpiration > 0 {
		expires = time.Unix(int64(prof.StatusExpiration), 0)
	}
	a := statusAbsence(workspace, user, prof.StatusText, prof.StatusEmoji, expires, list, rm.now(), loc)
	if err := rm.store.SaveStatusAbsence(ctx, a); err != nil {
		// The answer still decides this reminder; the next one asks again.
		log.Error("slack status not stored", "workspace", workspace, "user", user, "err", err)
	}
	log.Debug("slack status read with users.profile.get", "workspace", workspace, "user", user, "out", a.Out, "until", a.Until)
	return a, true
}

// prefsOf returns a lookup of the reps' reminder choices by
// workspace, each workspace read once per pass. A store that keeps none
// has none.
func (rm *reminders) prefsOf(ctx context.Context) func(workspace string) (map[string]storage.ReminderPref, error) {
	store, ok := rm.prefStore()
	cache := map[string]map[string]storage.ReminderPref{}
	return func(workspace string) (map[string]storage.ReminderPref, error) {
		if !ok {
			return nil, nil
		}
		if m, ok := cache[workspace]; ok {
			return m, nil
		}
		m, err := store.ReminderPrefs(ctx, workspace)
		if err != nil {
			return nil, err
		}
		cache[workspace] = m
		return m, nil
	}
}
