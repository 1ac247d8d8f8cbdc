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
// per rep on the team's reminder schedule read in the rep's own timezone.
// It runs on every scheduler pass, so settings change live.
func (h *Handler) RitualJobs(ctx context.Context, teams TeamLister, now time.Time) ([]rituals.Job, error) {
	all, err := teams.AllTeams(ctx)
	if err != nil {
		return nil, fmt.Errorf("bot: ritual jobs: %w", err)
	}
	holidays := rituals.FrenchHolidays(now.Year()).Merge(rituals.FrenchHolidays(now.Year() + 1))
	var jobs []rituals.Job
	for _, team := range all {
		settings, err := h.store.RitualSettings(ctx, team.Workspace, team.Manager)
		if err != nil {
			return nil, fmt.Errorf("bot: ritual jobs: %w", err)
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
			targets, locs := []string{""}, []*time.Location{teamLoc}
			if rt == rituals.Reminder {
				targets, locs = nil, nil
				for _, rep := range team.Reps {
					targets = append(targets, rep)
					locs = append(locs, h.profile(ctx, Command{Workspace: team.Workspace, User: rep}).Loc)
				}
			}
			for i, target := range targets {
				sched, err := rituals.ParseSchedule(spec, locs[i])
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
