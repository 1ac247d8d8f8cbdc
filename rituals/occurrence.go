package rituals

import (
	"strings"
	"time"

	"github.com/kpibot/kpibot/kpi"
)

// Reasons recorded on skipped occurrences.
const (
	ReasonHoliday      = "holiday"
	ReasonOutsideGrace = "outside grace window"
)

// Tolerance is how late a run with no grace may still run: a ticker is
// never exactly on time, and a reminder a minute late is still on time.
const Tolerance = time.Minute

// OccurrenceID builds the exactly-once key of an occurrence from
// (workspace, team, ritual, period). The period is the scheduled run's
// local date, "2026-11-23", followed by the target for per-rep rituals
// ("2026-11-23/U123"). Slack IDs never contain the "/" separator.
//
// Keying by date rather than by instant is deliberate: a schedule edited
// after the day's post, or a DST repeat, cannot post the same ritual twice
// in a day.
func OccurrenceID(workspace, team string, r Ritual, period string) string {
	return strings.Join([]string{workspace, team, string(r), period}, "/")
}

// period returns the period of the run at at: its date in loc, plus the
// target when there is one.
func period(at time.Time, loc *time.Location, target string) string {
	if loc == nil {
		loc = time.UTC
	}
	p := kpi.DateOf(at.In(loc)).String()
	if target != "" {
		p += "/" + target
	}
	return p
}

// Decision is what to do with one scheduled run: run it now, or skip it
// for Reason.
type Decision struct {
	At     time.Time
	Run    bool
	Reason string
}

// Due lists the scheduled runs in (last, now], oldest first, and says
// which run now and which are skipped. It is the "should this post now?"
// rule, kept pure so it is tested without clocks or storage:
//
//   - a run on a holiday (its local date in the schedule's timezone) is
//     skipped with ReasonHoliday;
//   - a run older than now-grace is skipped with ReasonOutsideGrace; a
//     grace below Tolerance counts as Tolerance, so with grace 0 only a run
//     within a minute of now runs;
//   - every other run runs, which is how a run missed during downtime is
//     caught up.
//
// A zero last is taken as now minus the grace window.
func Due(s Schedule, last, now time.Time, grace time.Duration, holidays Holidays) []Decision {
	window := max(grace, Tolerance)
	if last.IsZero() {
		last = now.Add(-window)
	}
	var out []Decision
	for at := s.Next(last); !at.IsZero() && !at.After(now); at = s.Next(at) {
		d := Decision{At: at}
		switch {
		case holidays.Is(kpi.DateOf(at.In(s.loc()))):
			d.Reason = ReasonHoliday
		case now.Sub(at) > window:
			d.Reason = ReasonOutsideGrace
		default:
			d.Run = true
		}
		out = append(out, d)
	}
	return out
}
