package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/deliver"
	"github.com/kpibot/kpibot/bot/logctx"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
	"github.com/kpibot/kpibot/storage"
)

// RitualStore is the storage the ritual and absence commands need.
type RitualStore interface {
	SaveRitualSetting(ctx context.Context, r storage.RitualSetting) error
	RitualSettings(ctx context.Context, workspace, team string) (map[string]storage.RitualSetting, error)
	SaveAbsence(ctx context.Context, a storage.Absence) error
	Away(ctx context.Context, workspace, user, day string) (bool, error)
	CheckIns(ctx context.Context, workspace, user, from, to string) ([]storage.CheckIn, error)
}

// HolidayStore keeps a workspace's changes to the built-in holidays.
type HolidayStore interface {
	SaveHoliday(ctx context.Context, h storage.Holiday) error
	Holidays(ctx context.Context, workspace string) ([]storage.Holiday, error)
}

// calendarStore is the storage of ritual settings, absences, holidays and
// the claims of manual runs.
type calendarStore interface {
	RitualStore
	HolidayStore
	AlertClaimer
	InstallStore
	WorkspaceSettings(ctx context.Context, workspace string) (storage.Workspace, error)
	SetHolidayCalendar(ctx context.Context, workspace, calendar string) (storage.Workspace, error)
}

// calendar keeps when rituals run: each team's schedules, reps' absences,
// the workspace's holidays; it runs a ritual by hand for a manager, and
// builds the scheduler's jobs.
type calendar struct {
	store     calendarStore
	poster    *RitualPoster // posts manual runs through outbox
	outbox    Outbox
	reminders *reminders
	replica   string
	env
}

var allRituals = []rituals.Ritual{rituals.Digest, rituals.Review, rituals.Reminder, rituals.Alert, rituals.Coaching}

// ritualWords are the French names of the rituals, read whatever the
// user's language, as their English names are.
var ritualWords = map[string]rituals.Ritual{
	"synthese": rituals.Digest, "revue": rituals.Review, "rappel": rituals.Reminder, "alerte": rituals.Alert,
}

func parseRitual(s string) (rituals.Ritual, bool) {
	for _, r := range allRituals {
		if strings.EqualFold(s, string(r)) {
			return r, true
		}
	}
	r, ok := ritualWords[kpi.Normalize(s)]
	return r, ok
}

// ritual handles /kpi ritual list|set|off: team members read the
// schedule; its manager changes it.
func (cal *calendar) ritual(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	example := prompts.Text(lang, "example.ritual.set", nil)
	if !r.who.inTeam {
		return views.Reply(lang, "kpi.team.none", nil), nil
	}
	team := r.who.team
	settings, err := cal.store.RitualSettings(ctx, r.cmd.Workspace, team.Manager)
	if err != nil {
		return slack.Msg{}, err
	}
	sub := "list"
	if len(r.args) > 0 {
		sub = strings.ToLower(r.args[0])
	}
	if sub == "list" || sub == "liste" {
		var schedules []views.RitualSchedule
		for _, rt := range allRituals {
			schedules = append(schedules, ritualSchedule(rt, settings[string(rt)], team, r.p))
		}
		return views.RitualList(lang, team.Manager, schedules), nil
	}
	if sub != "set" && sub != "off" && sub != "run" {
		return views.Usage(lang, "kpi.error.unknown_sub", map[string]string{"Sub": "ritual " + views.Escape(sub)}, example), nil
	}
	if !r.who.manages {
		return denied(lang, "manager")
	}
	if len(r.args) < 2 {
		return views.BadUsage(lang, r.cmd.Text, example), nil
	}
	rt, ok := parseRitual(r.args[1])
	if !ok {
		return views.Usage(lang, "kpi.error.ritual", map[string]string{"Token": views.Escape(r.args[1])}, example), nil
	}
	if sub == "run" {
		return cal.run(ctx, r, team, rt)
	}
	setting := settings[string(rt)]
	setting.Workspace, setting.Team, setting.Ritual, setting.UpdatedBy, setting.UpdatedAt = r.cmd.Workspace, team.Manager, string(rt), r.cmd.User, cal.now()
	if sub == "off" {
		setting.Off = true
		if err := cal.store.SaveRitualSetting(ctx, setting); err != nil {
			return slack.Msg{}, err
		}
		spec := setting.Spec
		if spec == "" {
			spec = rituals.DefaultSpec(rt)
		}
		return views.RitualOff(lang, string(rt), specIn(lang, spec)), nil
	}

	// set <ritual> <spec…> [#channel]
	words := r.args[2:]
	if n := len(words); n > 0 {
		if c, ok := channelArg(r.cmd, words[n-1]); ok {
			setting.Channel = c
			words = words[:n-1]
		}
	}
	spec := strings.Join(words, " ")
	if spec == "" {
		spec = rituals.DefaultSpec(rt)
	}
	sched, err := rituals.ParseSchedule(spec, r.p.Loc)
	var se *rituals.ScheduleError
	if errors.As(err, &se) {
		return views.Usage(lang, "kpi.error.schedule", map[string]string{"Token": views.Escape(spec)}, prompts.Text(lang, "example.ritual.schedule", nil)), nil
	}
	if err != nil {
		return slack.Msg{}, err
	}
	setting.Spec, setting.TZ, setting.Off = sched.Spec, r.p.Loc.String(), false
	if err := cal.store.SaveRitualSetting(ctx, setting); err != nil {
		return slack.Msg{}, err
	}
	s := views.RitualSchedule{Ritual: string(rt), Spec: specIn(lang, sched.Spec), TZ: r.p.Loc.String(), Channel: ritualChannel(rt, setting, team)}
	return views.RitualSet(lang, s, sched.Next(cal.now()).In(r.p.Loc)), nil
}

// specIn shows a schedule in lang: the days and time of a friendly spec in
// that language's words ("jours ouvrés 17:30"), whichever language it was
// typed in; a cron spec as typed.
func specIn(lang prompts.Lang, spec string) string {
	f, ok := rituals.FriendlyOf(spec)
	if !ok {
		return spec
	}
	return views.Schedule(lang, f.Days, f.Hour, f.Minute)
}

// ritualSchedule is how rt is set for team: its stored setting, or the
// defaults, in the zone it was set in or else the caller's.
func ritualSchedule(rt rituals.Ritual, s storage.RitualSetting, team storage.Team, p Profile) views.RitualSchedule {
	out := views.RitualSchedule{Ritual: string(rt), Spec: s.Spec, TZ: s.TZ, PerRep: rt == rituals.Reminder, Off: s.Off, Channel: ritualChannel(rt, s, team)}
	if out.Spec == "" {
		out.Spec, out.Default = rituals.DefaultSpec(rt), true
	}
	out.Spec = specIn(p.Lang, out.Spec)
	if out.TZ == "" {
		out.TZ = p.Loc.String()
	}
	return out
}

// ritualChannel is where a review goes: its own channel, or the team's.
// The other rituals go to people, not channels.
func ritualChannel(rt rituals.Ritual, s storage.RitualSetting, team storage.Team) string {
	if rt != rituals.Review {
		return ""
	}
	if s.Channel != "" {
		return s.Channel
	}
	return team.Channel
}

// away records an absence: /kpi away <first day> <last day>.
func (cal *calendar) away(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	refuse := func() (slack.Msg, error) {
		return views.Warning(lang, "kpi.error.away", nil), nil
	}
	if len(r.args) != 2 {
		return refuse()
	}
	from, err1 := kpi.ParseDate(r.args[0])
	to, err2 := kpi.ParseDate(r.args[1])
	if err1 != nil || err2 != nil || to.Before(from) || to.DaysSince(from) > 366 || r.today.DaysSince(to) > 0 {
		return refuse()
	}
	if err := cal.store.SaveAbsence(ctx, storage.Absence{Workspace: r.cmd.Workspace, User: r.cmd.User, From: from.String(), To: to.String(), CreatedAt: cal.now()}); err != nil {
		return slack.Msg{}, err
	}
	return views.Away(lang, from, to), nil
}

// run runs a ritual for the caller's team now, as the scheduler
// would: the manager's way to try a ritual. A manual run is one occurrence
// per ritual and period (the week for the digest, the review and coaching,
// the day for reminders and alerts), claimed in storage like a scheduled
// one: run again, it says it was sent and posts nothing.
func (cal *calendar) run(ctx context.Context, r kpiRequest, team storage.Team, rt rituals.Ritual) (slack.Msg, error) {
	lang := r.p.Lang
	if cal.outbox == nil {
		return slack.Msg{}, errors.New("bot: rituals have no outbox")
	}
	sched, err := rituals.ParseSchedule(rituals.DefaultSpec(rt), r.p.Loc)
	if err != nil {
		return slack.Msg{}, err
	}
	now := cal.now()
	targets := []string{""}
	if rt == rituals.Reminder {
		targets = team.Reps
	}
	holder := cal.replica + "/manual"
	var run views.RunTally
	for _, target := range targets {
		job := rituals.Job{Workspace: r.cmd.Workspace, Team: team.Manager, Target: target, Ritual: rt, Schedule: sched}
		id := rituals.OccurrenceID(r.cmd.Workspace, team.Manager, rt, manualPeriod(rt, kpi.DateOf(now.In(r.p.Loc)), target))
		if _, err := cal.store.ClaimOccurrence(ctx, r.cmd.Workspace, id, holder, now, manualLease); err != nil {
			if errors.Is(err, storage.ErrClaimed) {
				run.Already++ // sent, or being sent right now by another run
				continue
			}
			return slack.Msg{}, err
		}
		var ts string
		var sent int
		if rt == rituals.Alert {
			// Alerts are DMs of their own, each claimed apart: the run
			// reports how many went out.
			sent, err = cal.poster.postAlerts(ctx, job.Workspace, team)
		} else {
			ts, err = cal.poster.Post(ctx, job, id, now)
			if ts != "" {
				sent = 1
			}
		}
		run.Sent += sent
		if errors.Is(err, errNoChannel) {
			return views.Usage(lang, "kpi.ritual.run.nochannel", nil, prompts.Text(lang, "example.team.channel", nil)), nil
		}
		if err != nil {
			// The claim is left to expire, so that a run after the
			// lease tries again; the deliverer's read-back makes that
			// safe even if the post landed.
			logctx.Logger(ctx, cal.log).Error("manual ritual run failed", "workspace", r.cmd.Workspace, "ritual", rt, "occurrence", id, "err", err)
			if errors.Is(err, deliver.ErrMaybePosted) {
				run.Unsure++
			} else {
				run.NotSent++
			}
			if run.Cause == nil {
				run.Cause = err
			}
			continue
		}
		if err := cal.store.MarkOccurrenceDone(ctx, id, holder, ts, now); err != nil {
			logctx.Logger(ctx, cal.log).Error("manual ritual run not marked done", "occurrence", id, "err", err)
		}
	}
	return views.RunReport(lang, string(rt), run), nil
}

// manualLease bounds how long a manual run holds its occurrence: a failed
// run can be tried again after it.
const manualLease = 2 * time.Minute

// manualPeriod is the occurrence period of a manual run on day.
func manualPeriod(rt rituals.Ritual, day kpi.Date, target string) string {
	period := "manual-" + day.String()
	switch rt {
	case rituals.Digest, rituals.Review, rituals.Coaching:
		monday, _ := kpi.WeekOf(day)
		period = "manual-week-" + monday.String()
	}
	if target != "" {
		period += "/" + target
	}
	return period
}

// holidays is France's public holidays for this year and the
// next, plus the workspace's own days off, minus the ones it works.
func (cal *calendar) holidays(ctx context.Context, workspace string, now time.Time) (rituals.Holidays, error) {
	ws, err := cal.store.WorkspaceSettings(ctx, workspace)
	if err != nil {
		return nil, err
	}
	days := rituals.Holidays{}
	if ws.HolidayCalendar != storage.HolidaysNone {
		days = rituals.FrenchHolidays(now.Year()).Merge(rituals.FrenchHolidays(now.Year() + 1))
	}
	own, err := cal.store.Holidays(ctx, workspace)
	if err != nil {
		return nil, err
	}
	for _, o := range own {
		d, err := kpi.ParseDate(o.Day)
		if err != nil {
			continue
		}
		if o.Off {
			delete(days, d)
		} else {
			days[d] = o.Name
		}
	}
	return days, nil
}

// publicHolidays names France's public holidays in the catalogue, by
// their French name as rituals gives it.
var publicHolidays = map[string]string{
	"Jour de l'an": "new_year", "Lundi de Pâques": "easter_monday", "Fête du Travail": "labour_day",
	"Victoire 1945": "victory_1945", "Ascension": "ascension", "Lundi de Pentecôte": "whit_monday",
	"Fête nationale": "bastille_day", "Assomption": "assumption", "Toussaint": "all_saints",
	"Armistice 1918": "armistice", "Noël": "christmas",
}

// holidayName is the name of day d off in lang: a public holiday's name
// in that language, a workspace's own day as the admin typed it.
func holidayName(lang prompts.Lang, d kpi.Date, name string) string {
	if rituals.FrenchHolidays(d.Year)[d] == name {
		if key, ok := publicHolidays[name]; ok {
			return prompts.Text(lang, prompts.Key("kpi.holiday.name."+key), nil)
		}
	}
	return name
}

// holiday lists a workspace's days off, or lets an admin add or remove
// one: /kpi holiday list | add <date> [name] | work <date>.
func (cal *calendar) holiday(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	usage := func() (slack.Msg, error) {
		return views.Reply(lang, "kpi.holiday.usage", nil), nil
	}
	sub := "list"
	if len(r.args) > 0 {
		sub = strings.ToLower(r.args[0])
	}
	if sub == "calendar" || sub == "calendrier" {
		return cal.holidayCalendar(ctx, r)
	}
	if sub == "list" {
		days, err := cal.holidays(ctx, r.cmd.Workspace, cal.now())
		if err != nil {
			return slack.Msg{}, err
		}
		var sorted []kpi.Date
		for d := range days {
			if !d.Before(r.today) {
				sorted = append(sorted, d)
			}
		}
		slices.SortFunc(sorted, func(a, b kpi.Date) int { return a.DaysSince(b) })
		list := make([]views.Holiday, 0, len(sorted))
		for _, d := range sorted {
			list = append(list, views.Holiday{Day: d, Name: holidayName(lang, d, days[d])})
		}
		return views.Holidays(lang, list), nil
	}
	if sub != "add" && sub != "work" || len(r.args) < 2 {
		return usage()
	}
	if !r.who.admin {
		return deniedAdmin(r)
	}
	d, err := kpi.ParseDate(r.args[1])
	if err != nil {
		return usage()
	}
	hol := storage.Holiday{Workspace: r.cmd.Workspace, Day: d.String(), Name: strings.Join(r.args[2:], " "), Off: sub == "work"}
	if err := cal.store.SaveHoliday(ctx, hol); err != nil {
		return slack.Msg{}, err
	}
	return views.HolidaySet(lang, d, hol.Off), nil
}

// TeamLister lists the teams the scheduler serves.
type TeamLister interface {
	AllTeams(ctx context.Context) ([]storage.Team, error)
}

// DueIndex is the storage of the scheduler's index of next-due times
// (implemented by *storage.Store): each team's earliest next run, which
// every write to its settings, members or their profiles moves back to
// now.
type DueIndex interface {
	TeamLister
	AllDue(ctx context.Context) ([]storage.DueTeam, error)
	TeamsDue(ctx context.Context, until time.Time) ([]storage.DueTeam, error)
	TeamsByID(ctx context.Context, ids []string) ([]storage.Team, error)
	SetNextDue(ctx context.Context, d storage.DueTeam, next time.Time) (bool, error)
	DropDue(ctx context.Context, d storage.DueTeam) error
}

// idle is how far ahead the index puts a team with no ritual to run (its
// workspace uninstalled, every ritual off): any change marks it due
// sooner, and it is looked at again a week later all the same.
const idle = 7 * 24 * time.Hour

// jobs builds the scheduler's jobs from storage: a digest and a
// review per team, on the team's schedule or the default, and a reminder
// per rep on the team's reminder schedule read in the rep's own timezone,
// unless the rep turned reminders off or chose a time of their own
// (/kpi remind). It reads every team: the scheduler's first pass. When
// teams is a DueIndex it also writes every team's next-due time, from
// which later passes (dueJobs) read the teams due only.
func (cal *calendar) jobs(ctx context.Context, teams TeamLister, now time.Time) ([]rituals.Job, error) {
	idx, _ := teams.(DueIndex)
	entries := map[string]storage.DueTeam{}
	if idx != nil {
		// Read before the teams and their settings: an entry changed
		// after this read is not overwritten (SetNextDue checks its Rev).
		list, err := idx.AllDue(ctx)
		if err != nil {
			return nil, fmt.Errorf("bot: ritual jobs: %w", err)
		}
		for _, d := range list {
			entries[d.ID] = d
		}
	}
	all, err := teams.AllTeams(ctx)
	if err != nil {
		return nil, fmt.Errorf("bot: ritual jobs: %w", err)
	}
	b := cal.jobBuilder(ctx, now)
	var jobs []rituals.Job
	for _, team := range all {
		mine, err := b.team(ctx, team)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, mine...)
		if idx != nil {
			d, ok := entries[team.ID]
			if !ok {
				d = storage.DueTeam{ID: team.ID, Workspace: team.Workspace, Team: team.Manager}
			}
			if _, err := idx.SetNextDue(ctx, d, nextDue(mine, now)); err != nil {
				return nil, fmt.Errorf("bot: ritual jobs: %w", err)
			}
		}
	}
	return jobs, nil
}

// dueJobs builds the jobs of the teams whose next-due time in the index
// is at most window away, and of the busy teams (the ones the runner
// waits on), and moves each due team's entry on to its next run. Its work
// follows the teams due, not the teams stored. An entry whose team is
// gone is dropped.
func (cal *calendar) dueJobs(ctx context.Context, idx DueIndex, now time.Time, window time.Duration, busy []rituals.TeamRef) ([]rituals.TeamRef, []rituals.Job, error) {
	due, err := idx.TeamsDue(ctx, now.Add(window))
	if err != nil {
		return nil, nil, fmt.Errorf("bot: ritual jobs: %w", err)
	}
	entries := map[string]storage.DueTeam{}
	ids := make([]string, 0, len(due)+len(busy))
	for _, d := range due {
		entries[d.ID] = d
		ids = append(ids, d.ID)
	}
	for _, t := range busy {
		if id := t.Workspace + "/" + t.Team; !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	teams, err := idx.TeamsByID(ctx, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("bot: ritual jobs: %w", err)
	}
	found := map[string]bool{}
	b := cal.jobBuilder(ctx, now)
	refs := make([]rituals.TeamRef, 0, len(ids))
	var jobs []rituals.Job
	for _, team := range teams {
		found[team.ID] = true
		mine, err := b.team(ctx, team)
		if err != nil {
			return nil, nil, err
		}
		refs, jobs = append(refs, rituals.TeamRef{Workspace: team.Workspace, Team: team.Manager}), append(jobs, mine...)
		if d, ok := entries[team.ID]; ok {
			if _, err := idx.SetNextDue(ctx, d, nextDue(mine, now)); err != nil {
				return nil, nil, fmt.Errorf("bot: ritual jobs: %w", err)
			}
		}
	}
	for _, d := range due {
		if !found[d.ID] {
			if err := idx.DropDue(ctx, d); err != nil {
				return nil, nil, fmt.Errorf("bot: ritual jobs: %w", err)
			}
		}
	}
	// A busy team that is gone is listed with no jobs, so the runner
	// forgets it.
	for _, t := range busy {
		if !found[t.Workspace+"/"+t.Team] {
			refs = append(refs, t)
		}
	}
	return refs, jobs, nil
}

// nextDue is the earliest run of jobs after now, or now+idle when there
// is none. Holidays and absences are left out: they skip a run when it
// comes, so the index is at worst early.
func nextDue(jobs []rituals.Job, now time.Time) time.Time {
	next := now.Add(idle)
	for _, j := range jobs {
		if n := j.Schedule.Next(now); !n.IsZero() && n.Before(next) {
			next = n
		}
	}
	return next
}

// jobBuilder builds teams' jobs, reading each workspace's installation,
// holidays and reminder choices once.
type jobBuilder struct {
	cal         *calendar
	now         time.Time
	holidaysOf  map[string]rituals.Holidays
	installedIn map[string]bool
	prefs       func(workspace string) (map[string]storage.ReminderPref, error)
}

func (cal *calendar) jobBuilder(ctx context.Context, now time.Time) *jobBuilder {
	return &jobBuilder{cal: cal, now: now, holidaysOf: map[string]rituals.Holidays{}, installedIn: map[string]bool{}, prefs: cal.reminders.prefsOf(ctx)}
}

// team builds one team's jobs; none when its workspace is uninstalled.
func (b *jobBuilder) team(ctx context.Context, team storage.Team) ([]rituals.Job, error) {
	cal, now := b.cal, b.now
	on, ok := b.installedIn[team.Workspace]
	if !ok {
		var err error
		if on, err = installed(ctx, cal.store, team.Workspace); err != nil {
			return nil, fmt.Errorf("bot: ritual jobs: %w", err)
		}
		b.installedIn[team.Workspace] = on
	}
	if !on {
		return nil, nil // uninstalled: its rituals stop, its data stays
	}
	settings, err := cal.store.RitualSettings(ctx, team.Workspace, team.Manager)
	if err != nil {
		return nil, fmt.Errorf("bot: ritual jobs: %w", err)
	}
	holidays, ok := b.holidaysOf[team.Workspace]
	if !ok {
		if holidays, err = cal.holidays(ctx, team.Workspace, now); err != nil {
			return nil, fmt.Errorf("bot: ritual jobs: %w", err)
		}
		b.holidaysOf[team.Workspace] = holidays
	}
	var jobs []rituals.Job
	for _, rt := range allRituals {
		s := settings[string(rt)]
		if s.Off {
			continue
		}
		spec := s.Spec
		if spec == "" {
			spec = rituals.DefaultSpec(rt)
		}
		// The team's rituals run in the timezone the schedule was set
		// in, or else the manager's.
		teamLoc := cal.users.known(ctx, team.Workspace, team.Manager).Loc
		if s.TZ != "" {
			if loc, err := time.LoadLocation(s.TZ); err == nil {
				teamLoc = loc
			}
		}
		targets, locs, specs := []string{""}, []*time.Location{teamLoc}, []string{spec}
		if rt == rituals.Coaching {
			// One job per rep, in the manager's timezone; the poster
			// checks the rep's cadence.
			targets, locs, specs = nil, nil, nil
			for _, rep := range team.Reps {
				targets, locs, specs = append(targets, rep), append(locs, teamLoc), append(specs, spec)
			}
		}
		if rt == rituals.Reminder {
			targets, locs, specs = nil, nil, nil
			mine, err := b.prefs(team.Workspace)
			if err != nil {
				return nil, fmt.Errorf("bot: ritual jobs: %w", err)
			}
			for _, rep := range team.Reps {
				// A rep's own choice wins: off, or a time of their own.
				pref := mine[rep]
				if pref.Off {
					continue
				}
				targets = append(targets, rep)
				locs = append(locs, cal.users.known(ctx, team.Workspace, rep).Loc)
				specs = append(specs, reminderSpec(pref, spec))
			}
		}
		for i, target := range targets {
			sched, err := rituals.ParseSchedule(specs[i], locs[i])
			if err != nil {
				// A stored spec was valid when set; skip it rather than
				// stop every other team's rituals.
				logctx.Logger(ctx, cal.log).Error("ritual schedule unreadable", "workspace", team.Workspace, "team", team.Manager, "ritual", rt, "err", err)
				continue
			}
			jobs = append(jobs, rituals.Job{
				Workspace: team.Workspace, Team: team.Manager, Ritual: rt, Target: target,
				Schedule: sched, Grace: rituals.DefaultGrace(rt), Holidays: holidays,
			})
		}
	}
	return jobs, nil
}

// holidayCalendar answers /kpi holiday calendar [fr | none]: the public
// holidays the workspace's rituals skip, France's (the default) or none,
// beside the days it adds itself. Only an admin changes it.
func (cal *calendar) holidayCalendar(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	if len(r.args) > 2 {
		return views.Reply(lang, "kpi.holiday.usage", nil), nil
	}
	if len(r.args) == 2 {
		var choice string
		switch strings.ToLower(r.args[1]) {
		case "fr", "france":
		case "none", "aucun", "aucune":
			choice = storage.HolidaysNone
		default:
			return views.Reply(lang, "kpi.holiday.usage", nil), nil
		}
		if !r.who.admin {
			return denied(lang, "admin")
		}
		if _, err := cal.store.SetHolidayCalendar(ctx, r.cmd.Workspace, choice); err != nil {
			return slack.Msg{}, err
		}
	}
	ws, err := cal.store.WorkspaceSettings(ctx, r.cmd.Workspace)
	if err != nil {
		return slack.Msg{}, err
	}
	key := prompts.Key("kpi.holiday.calendar.fr")
	if ws.HolidayCalendar == storage.HolidaysNone {
		key = "kpi.holiday.calendar.none"
	}
	return views.Reply(lang, key, nil), nil
}
