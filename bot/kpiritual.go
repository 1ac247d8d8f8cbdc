package bot

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/deliver"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
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

var allRituals = []rituals.Ritual{rituals.Digest, rituals.Review, rituals.Reminder, rituals.Alert, rituals.Coaching}

func parseRitual(s string) (rituals.Ritual, bool) {
	for _, r := range allRituals {
		if strings.EqualFold(s, string(r)) {
			return r, true
		}
	}
	return "", false
}

// kpiRitual handles /kpi ritual list|set|off: team members read the
// schedule; its manager changes it.
func (h *Handler) kpiRitual(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	const example = "`/kpi ritual set review mon 09:30 #sales`"
	if !r.who.inTeam {
		return views.Reply(lang, "kpi.team.none", nil), nil
	}
	team := r.who.team
	settings, err := h.store.RitualSettings(ctx, r.cmd.Workspace, team.Manager)
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
		return h.ritualRun(ctx, r, team, rt)
	}
	setting := settings[string(rt)]
	setting.Workspace, setting.Team, setting.Ritual, setting.UpdatedBy, setting.UpdatedAt = r.cmd.Workspace, team.Manager, string(rt), r.cmd.User, h.now()
	if sub == "off" {
		setting.Off = true
		if err := h.store.SaveRitualSetting(ctx, setting); err != nil {
			return slack.Msg{}, err
		}
		spec := setting.Spec
		if spec == "" {
			spec = rituals.DefaultSpec(rt)
		}
		return views.RitualOff(lang, string(rt), spec), nil
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
		return views.Usage(lang, "kpi.error.schedule", map[string]string{"Token": views.Escape(spec)}, example+" · `/kpi ritual set reminder weekdays 17:30` · `/kpi ritual set digest 0 8 * * 1`"), nil
	}
	if err != nil {
		return slack.Msg{}, err
	}
	setting.Spec, setting.TZ, setting.Off = sched.Spec, r.p.Loc.String(), false
	if err := h.store.SaveRitualSetting(ctx, setting); err != nil {
		return slack.Msg{}, err
	}
	s := views.RitualSchedule{Ritual: string(rt), Spec: sched.Spec, TZ: r.p.Loc.String(), Channel: ritualChannel(rt, setting, team)}
	return views.RitualSet(lang, s, sched.Next(h.now()).In(r.p.Loc)), nil
}

// ritualSchedule is how rt is set for team: its stored setting, or the
// defaults, in the zone it was set in or else the caller's.
func ritualSchedule(rt rituals.Ritual, s storage.RitualSetting, team storage.Team, p Profile) views.RitualSchedule {
	out := views.RitualSchedule{Ritual: string(rt), Spec: s.Spec, TZ: s.TZ, PerRep: rt == rituals.Reminder, Off: s.Off, Channel: ritualChannel(rt, s, team)}
	if out.Spec == "" {
		out.Spec, out.Default = rituals.DefaultSpec(rt), true
	}
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

// kpiAway records an absence: /kpi away <first day> <last day>.
func (h *Handler) kpiAway(ctx context.Context, r kpiRequest) (slack.Msg, error) {
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
	if err := h.store.SaveAbsence(ctx, storage.Absence{Workspace: r.cmd.Workspace, User: r.cmd.User, From: from.String(), To: to.String(), CreatedAt: h.now()}); err != nil {
		return slack.Msg{}, err
	}
	return views.Away(lang, from, to), nil
}

// ritualRun runs a ritual for the caller's team now, as the scheduler
// would: the manager's way to try a ritual. A manual run is one occurrence
// per ritual and period (the week for the digest, the review and coaching,
// the day for reminders and alerts), claimed in storage like a scheduled
// one: run again, it says it was sent and posts nothing.
func (h *Handler) ritualRun(ctx context.Context, r kpiRequest, team storage.Team, rt rituals.Ritual) (slack.Msg, error) {
	lang := r.p.Lang
	if h.outbox == nil {
		return slack.Msg{}, errors.New("bot: rituals have no outbox")
	}
	sched, err := rituals.ParseSchedule(rituals.DefaultSpec(rt), r.p.Loc)
	if err != nil {
		return slack.Msg{}, err
	}
	now := h.now()
	targets := []string{""}
	if rt == rituals.Reminder {
		targets = team.Reps
	}
	poster := NewRitualPoster(h, h.outbox)
	holder := h.replica + "/manual"
	var run views.RunTally
	for _, target := range targets {
		job := rituals.Job{Workspace: r.cmd.Workspace, Team: team.Manager, Target: target, Ritual: rt, Schedule: sched}
		id := rituals.OccurrenceID(r.cmd.Workspace, team.Manager, rt, manualPeriod(rt, kpi.DateOf(now.In(r.p.Loc)), target))
		if _, err := h.store.ClaimOccurrence(ctx, r.cmd.Workspace, id, holder, now, manualLease); err != nil {
			if errors.Is(err, storage.ErrClaimed) {
				run.Already++ // sent, or being sent right now by another run
				continue
			}
			return slack.Msg{}, err
		}
		ts, err := poster.Post(ctx, job, id, now)
		if errors.Is(err, errNoChannel) {
			return views.Usage(lang, "kpi.ritual.run.nochannel", nil, "`/kpi team channel #sales`"), nil
		}
		if err != nil {
			// The claim is left to expire, so that a run after the
			// lease tries again; the deliverer's read-back makes that
			// safe even if the post landed.
			h.log.Error("manual ritual run failed", "workspace", r.cmd.Workspace, "ritual", rt, "occurrence", id, "err", err)
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
		if err := h.store.MarkOccurrenceDone(ctx, id, holder, ts, now); err != nil {
			h.log.Error("manual ritual run not marked done", "occurrence", id, "err", err)
		}
		if ts != "" {
			run.Sent++
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
