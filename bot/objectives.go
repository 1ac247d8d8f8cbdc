package bot

import (
	"context"
	"fmt"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/storage"
)

// objectivesOf returns the workspace's objectives that keep says to keep.
func (h *Handler) objectivesOf(ctx context.Context, ws string, keep func(storage.Objective) bool) ([]storage.Objective, error) {
	all, err := h.store.Objectives(ctx, ws)
	if err != nil {
		return nil, fmt.Errorf("bot: objectives: %w", err)
	}
	var out []storage.Objective
	for _, o := range all {
		if keep(o) {
			out = append(out, o)
		}
	}
	return out, nil
}

// toKPI converts a stored objective for the kpi package.
func toKPI(o storage.Objective) kpi.Objective {
	return kpi.Objective{
		ID: o.Code, Owner: o.Owner, Target: o.Target, Value: o.Value, Period: kpi.PeriodKind(o.Period),
		Kind: kpi.ObjectiveKind(o.Kind), Threshold: o.Threshold, Direction: kpi.Direction(o.Direction), Action: o.Action,
	}
}

// evaluate computes each objective's progress. current gives the owner's
// totals over the objective's period so far; trail, over trailP, sets the
// recent pace the fourth question compares with.
func (h *Handler) evaluate(objectives []storage.Objective, today kpi.Date, current func(kpi.PeriodKind) kpi.Totals, trail kpi.Totals, trailP kpi.Period) []kpi.Progress {
	out := make([]kpi.Progress, 0, len(objectives))
	for _, so := range objectives {
		o := toKPI(so)
		pace := 0.0
		if m := kpi.Metric(o.Target); m.Valid() {
			pace = kpi.DailyPace(trail, m, trailP)
		}
		out = append(out, kpi.Evaluate(o, current(o.Period), kpi.PeriodOf(o.Period, today), today, pace, kpi.DefaultMinEvents))
	}
	return out
}
