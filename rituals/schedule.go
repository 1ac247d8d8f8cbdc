package rituals

import (
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/kpibot/kpibot/kpi"
)

// Ritual names a kind of ritual. The values are stored in occurrence IDs
// and schedules, so they must never be renamed.
type Ritual string

// The rituals the scheduler runs.
const (
	// Reminder is the per-rep check-in reminder, in the rep's timezone.
	Reminder Ritual = "reminder"
	// Digest is the weekly manager digest, sent as a DM.
	Digest Ritual = "digest"
	// Review is the Monday review, posted in the team channel.
	Review Ritual = "review"
	// Alert is the daily evaluation of alert objectives, for the ones no
	// check-in has moved past their threshold yet.
	Alert Ritual = "alert"
	// Coaching opens a rep's private coaching conversation with their
	// manager, on the rep's cadence (every 2 weeks by default).
	Coaching Ritual = "coaching"
)

// DefaultSpec returns the schedule a ritual has until a team changes it
// (DESIGN.md, "Rituals"), or "" for an unknown ritual.
func DefaultSpec(r Ritual) string {
	switch r {
	case Digest:
		return "mon 08:00"
	case Review:
		return "mon 09:30"
	case Reminder:
		return "weekdays 17:30"
	case Alert:
		return "weekdays 18:00"
	case Coaching:
		return "mon 10:00"
	}
	return ""
}

// DefaultGrace returns how late a missed run may still be caught up: a
// digest or review read at 10:00 is still useful, a 17:30 reminder sent
// at 21:00 is noise, so reminders get none.
func DefaultGrace(r Ritual) time.Duration {
	switch r {
	case Digest, Review, Alert, Coaching:
		return 6 * time.Hour
	}
	return 0
}

// Schedule is when a ritual runs, in a timezone.
type Schedule struct {
	// Spec is the text the schedule was parsed from, trimmed, to show back.
	Spec string
	// Loc is the timezone the spec is read in; nil reads as UTC.
	Loc   *time.Location
	sched cron.Schedule
}

// ScheduleError says a schedule spec was refused. The bot answers it with
// an example, so it carries the spec rather than a parser message.
type ScheduleError struct {
	Spec string
	// Err is the detail, for logs; it may be nil.
	Err error
}

func (e *ScheduleError) Error() string {
	msg := fmt.Sprintf("rituals: bad schedule %q: want a cron spec such as %q or a day and time such as %q", e.Spec, "30 9 * * 1", "mon 09:30")
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the detail.
func (e *ScheduleError) Unwrap() error { return e.Err }

// ParseSchedule accepts a 5-field cron spec ("30 9 * * 1", descriptors
// such as "@weekly" included) or the friendly form "<days> HH:MM". Days are
// mon..sun or lun..dim (full names too, any case or accents), a comma list
// ("mon,thu 09:30", "lun., jeu. 09:30"), a range ("lun-ven"),
// "weekdays"/"jours ouvrés"/"semaine" (Monday to Friday) or
// "daily"/"tous les jours"; the time is "09:30", "9:30", "9h30" or "9h".
//
// A ritual runs at most once a day, because its occurrence is keyed by the
// local date: specs that fire several times a day, "@every", and specs that
// never fire (Feb 30) are refused. So is a "TZ=" prefix: the timezone is
// the team's or the rep's, given as loc. Errors are *ScheduleError.
func ParseSchedule(spec string, loc *time.Location) (Schedule, error) {
	spec = strings.TrimSpace(spec)
	if loc == nil {
		loc = time.UTC
	}
	bad := func(err error) (Schedule, error) { return Schedule{}, &ScheduleError{Spec: spec, Err: err} }
	if spec == "" {
		return bad(nil)
	}
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return bad(fmt.Errorf("the timezone is the team's, not part of the spec"))
	}
	cronSpec := spec
	if fields := strings.Fields(spec); looksLikeTime(fields[len(fields)-1]) {
		var err error
		if cronSpec, err = friendlyToCron(fields); err != nil {
			return bad(err)
		}
	}
	sched, err := cron.ParseStandard(cronSpec)
	if err != nil {
		return bad(err)
	}
	spec5, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return bad(fmt.Errorf("not a calendar schedule"))
	}
	if bits.OnesCount64(spec5.Minute&^starBit) != 1 || bits.OnesCount64(spec5.Hour&^starBit) != 1 {
		return bad(fmt.Errorf("a ritual runs at most once a day"))
	}
	s := Schedule{Spec: spec, Loc: loc, sched: sched}
	// robfig/cron gives up after five years; a leap day is found from here.
	if s.Next(time.Date(2000, time.January, 1, 0, 0, 0, 0, loc)).IsZero() {
		return bad(fmt.Errorf("never runs"))
	}
	return s, nil
}

// starBit is robfig/cron's marker for a "*" field, which is not a value.
const starBit = 1 << 63

// Next returns the first run strictly after t, computed in the schedule's
// timezone, so "mon 09:30" stays 09:30 local across DST changes. It returns
// the zero time for a zero Schedule or one that never runs again.
//
// Around DST changes, as robfig/cron computes them: a time that does not
// exist locally (02:30 on the spring-forward Sunday in Paris) has no run
// that day; a time that exists twice (02:30 on the fall-back Sunday) runs
// at its first instance only, because Next skips the repeat that cron
// returns, so "daily" stays once a day.
func (s Schedule) Next(t time.Time) time.Time {
	if s.sched == nil {
		return time.Time{}
	}
	loc := s.loc()
	n := s.sched.Next(t.In(loc))
	if !n.IsZero() && repeatedWallClock(n, loc) {
		n = s.sched.Next(n)
	}
	return n
}

func (s Schedule) loc() *time.Location {
	if s.Loc == nil {
		return time.UTC
	}
	return s.Loc
}

// repeatedWallClock reports whether n's local wall clock already showed the
// same time a little earlier, which happens only in the hour a fall-back
// DST change repeats. Real zones shift by 30 minutes, 1 hour or 2 hours.
func repeatedWallClock(n time.Time, loc *time.Location) bool {
	const layout = "2006-01-02 15:04:05"
	wall := n.In(loc).Format(layout)
	for _, d := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
		if n.Add(-d).In(loc).Format(layout) == wall {
			return true
		}
	}
	return false
}

// looksLikeTime reports whether a field is a friendly time ("09:30",
// "9h30", "17h"), which no cron field looks like: that is how the two
// forms are told apart.
func looksLikeTime(f string) bool {
	return f != "" && f[0] >= '0' && f[0] <= '9' && strings.ContainsAny(f, ":hH")
}

// parseClock reads "09:30", "9:30", "9h30" or "9h".
func parseClock(f string) (hour, minute int, err error) {
	f = strings.ToLower(f)
	h, m, ok := strings.Cut(f, ":")
	if !ok {
		h, m, ok = strings.Cut(f, "h")
		if ok && m == "" {
			m = "00"
		}
	}
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, 0, fmt.Errorf("time %q: want HH:MM", f)
	}
	hour, err1 := strconv.Atoi(h)
	minute, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || h[0] == '+' || h[0] == '-' || m[0] == '+' || m[0] == '-' {
		return 0, 0, fmt.Errorf("time %q: want HH:MM", f)
	}
	if hour > 23 || minute > 59 {
		return 0, 0, fmt.Errorf("time %q: no such time of day", f)
	}
	return hour, minute, nil
}

// dayWords maps a normalised day word to cron weekdays (Sunday is 0).
var dayWords = map[string][]int{
	"mon": {1}, "monday": {1}, "lun": {1}, "lundi": {1},
	"tue": {2}, "tuesday": {2}, "mar": {2}, "mardi": {2},
	"wed": {3}, "wednesday": {3}, "mer": {3}, "mercredi": {3},
	"thu": {4}, "thursday": {4}, "jeu": {4}, "jeudi": {4},
	"fri": {5}, "friday": {5}, "ven": {5}, "vendredi": {5},
	"sat": {6}, "saturday": {6}, "sam": {6}, "samedi": {6},
	"sun": {0}, "sunday": {0}, "dim": {0}, "dimanche": {0},
	"weekdays": {1, 2, 3, 4, 5}, "semaine": {1, 2, 3, 4, 5},
	"daily": {0, 1, 2, 3, 4, 5, 6}, "tous": {0, 1, 2, 3, 4, 5, 6},
}

// friendlyToCron turns ["mon,thu", "09:30"] into "30 9 * * 1,4". Days may
// be split over several fields ("mon, thu 09:30").
func friendlyToCron(fields []string) (string, error) {
	days, hour, minute, err := friendlyParts(fields)
	if err != nil {
		return "", err
	}
	dow := "*"
	if len(days) < 7 {
		parts := make([]string, len(days))
		for i, d := range days {
			parts[i] = strconv.Itoa(d)
		}
		dow = strings.Join(parts, ",")
	}
	return fmt.Sprintf("%d %d * * %s", minute, hour, dow), nil
}

// dayPhrases are the several-word ways of naming days, each read as one
// word: French writes "jours ouvrés" where English writes "weekdays".
var dayPhrases = strings.NewReplacer(
	"jours ouvres", "weekdays", "jours ouvrables", "weekdays", "en semaine", "weekdays",
	"tous les jours", "daily", "chaque jour", "daily", "every day", "daily",
)

// friendlyParts reads the days and the time of a friendly spec, the days
// sorted (Sunday is 0).
func friendlyParts(fields []string) (days []int, hour, minute int, err error) {
	hour, minute, err = parseClock(fields[len(fields)-1])
	if err != nil {
		return nil, 0, 0, err
	}
	text := dayPhrases.Replace(kpi.Normalize(strings.Join(fields[:len(fields)-1], " ")))
	// "lun., jeu." and "Mon, Thu": abbreviation points and commas
	// separate days like spaces do.
	words := strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '.' || r == ' ' })
	if len(words) == 0 {
		return nil, 0, 0, fmt.Errorf("no days before the time")
	}
	for _, w := range words {
		ds, err := dayRange(w)
		if err != nil {
			return nil, 0, 0, err
		}
		days = append(days, ds...)
	}
	slices.Sort(days)
	return slices.Compact(days), hour, minute, nil
}

// Friendly is a schedule written as days and a time of day, in a form
// each language can word its own way.
type Friendly struct {
	// Days are the weekdays it runs on, in order from Sunday.
	Days         []time.Weekday
	Hour, Minute int
}

// FriendlyOf reads spec as days and a time ("mon 09:30", "jours ouvrés
// 17:30"); ok is false for a cron spec, which is shown as typed.
func FriendlyOf(spec string) (f Friendly, ok bool) {
	fields := strings.Fields(spec)
	if len(fields) < 2 || !looksLikeTime(fields[len(fields)-1]) {
		return Friendly{}, false
	}
	days, hour, minute, err := friendlyParts(fields)
	if err != nil {
		return Friendly{}, false
	}
	for _, d := range days {
		f.Days = append(f.Days, time.Weekday(d))
	}
	f.Hour, f.Minute = hour, minute
	return f, true
}

// dayRange reads one day word or a range of single days ("mon-fri",
// "lun-ven"); a range that wraps ("fri-mon") goes through the weekend.
func dayRange(w string) ([]int, error) {
	from, to, isRange := strings.Cut(w, "-")
	if !isRange {
		if ds, ok := dayWords[w]; ok {
			return ds, nil
		}
		return nil, fmt.Errorf("unknown day %q", w)
	}
	a, okA := dayWords[from]
	b, okB := dayWords[to]
	if !okA || !okB || len(a) != 1 || len(b) != 1 {
		return nil, fmt.Errorf("bad day range %q", w)
	}
	var out []int
	for d := a[0]; ; d = (d + 1) % 7 {
		out = append(out, d)
		if d == b[0] {
			return out, nil
		}
	}
}
