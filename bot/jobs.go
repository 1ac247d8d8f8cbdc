package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/kpibot/kpibot/rituals"
	"github.com/kpibot/kpibot/storage"
)

// TeamLister lists the teams the scheduler serves.
type TeamLister interface {
	AllTeams(ctx context.Context) ([]storage.Team, error)
}

// RitualJobs builds the scheduler's jobs from storage: a digest and a
// review per team, on the team's schedule or the default, and a reminder
// per rep on the team's reminder schedule read in the rep's own timezone,
// unless the rep turned reminders off or chose a time of their own
// (/kpi remind). It runs on every scheduler pass, so settings change live.
func (h *Handler) RitualJobs(ctx context.Context, teams TeamLister, now time.Time) ([]rituals.Job, error) {
	all, err := teams.AllTeams(ctx)
	if err != nil {
		return nil, fmt.Errorf("bot: ritual jobs: %w", err)
	}
	holidaysOf := map[string]rituals.Holidays{}
	prefs := h.reminderPrefsOf(ctx)
	var jobs []rituals.Job
	for _, team := range all {
		settings, err := h.store.RitualSettings(ctx, team.Workspace, team.Manager)
		if err != nil {
			return nil, fmt.Errorf("bot: ritual jobs: %w", err)
		}
		holidays, ok := holidaysOf[team.Workspace]
		if !ok {
			if holidays, err = h.workspaceHolidays(ctx, team.Workspace, now); err != nil {
				return nil, fmt.Errorf("bot: ritual jobs: %w", err)
			}
			holidaysOf[team.Workspace] = holidays
		}
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
			teamLoc := h.profile(ctx, Command{Workspace: team.Workspace, User: team.Manager}).Loc
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
				mine, err := prefs(team.Workspace)
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
					locs = append(locs, h.profile(ctx, Command{Workspace: team.Workspace, User: rep}).Loc)
					specs = append(specs, reminderSpec(pref, spec))
				}
			}
			for i, target := range targets {
				sched, err := rituals.ParseSchedule(specs[i], locs[i])
				if err != nil {
					// A stored spec was valid when set; skip it rather than
					// stop every other team's rituals.
					h.log.Error("ritual schedule unreadable", "workspace", team.Workspace, "team", team.Manager, "ritual", rt, "err", err)
					continue
				}
				jobs = append(jobs, rituals.Job{
					Workspace: team.Workspace, Team: team.Manager, Ritual: rt, Target: target,
					Schedule: sched, Grace: rituals.DefaultGrace(rt), Holidays: holidays,
				})
			}
		}
	}
	return jobs, nil
}

// reminderPrefsOf returns a lookup of the reps' reminder choices by
// workspace, each workspace read once per pass. A store that keeps none
// has none.
func (h *Handler) reminderPrefsOf(ctx context.Context) func(workspace string) (map[string]storage.ReminderPref, error) {
	store, ok := h.prefStore()
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
