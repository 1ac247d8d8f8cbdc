package kpi

import (
	"fmt"
	"math"
	"strings"
)

// ObjectiveKind is source 000's classification of a KPI. The string value
// is stored, so it must never be renamed.
type ObjectiveKind string

// The three kinds of source 000.
const (
	// Alert: a threshold past which someone must act now.
	Alert ObjectiveKind = "alert"
	// Balance: tied to an objective, a compass for the daily work.
	Balance ObjectiveKind = "balance"
	// Anticipation: read on a dashboard to match resources to objectives.
	Anticipation ObjectiveKind = "anticipation"
)

// Valid reports whether k is one of the three kinds.
func (k ObjectiveKind) Valid() bool {
	switch k {
	case Alert, Balance, Anticipation:
		return true
	}
	return false
}

// Direction is the side of an alert threshold that triggers it.
type Direction string

// The two directions. Crossing is strict: a value equal to the threshold
// does not alert.
const (
	Below Direction = "below"
	Above Direction = "above"
)

// TeamOwner is the Owner of a team objective; otherwise Owner is a user ID.
const TeamOwner = "team"

// Objective is a SMART objective: one KPI, one target, one period, one
// owner; alerts add a threshold and an action (source 000: one KPI = one
// objective = one decision = one owner).
type Objective struct {
	ID    string
	Owner string // a user ID, or TeamOwner
	// Target is a Metric key ("signatures", "revenue") or a stage key
	// ("proposals_signatures", "calls_signatures"), as ParseTarget returns.
	Target string
	// Value is the target: a count, cents for revenue, or a rate in [0,1].
	Value  float64
	Period PeriodKind
	Kind   ObjectiveKind
	// Alerts only. Threshold is in the same unit as Value.
	Threshold float64
	Direction Direction
	Action    string // what to do when the alert fires, in the owner's words
	// Since is the day the objective was set: it is judged only from that
	// day on, never on a period before it existed. Zero means always.
	Since Date
}

// target is an Objective.Target resolved once: either a metric or a stage.
type target struct {
	metric Metric
	stage  Stage
	isRate bool
	ok     bool
}

func resolveTarget(s string) target {
	if m := Metric(s); m.Valid() {
		return target{metric: m, ok: true}
	}
	if st, ok := StageByKey(s); ok {
		return target{stage: st, isRate: true, ok: true}
	}
	return target{}
}

// IsRate reports whether o targets a conversion rate rather than a count or
// revenue.
func (o Objective) IsRate() bool { return resolveTarget(o.Target).isRate }

// ratePrefixes are words reps put before a rate ("taux de conversion
// offre>signature"), longest first so that the whole phrase is stripped.
var ratePrefixes = []string{
	"taux de conversion", "taux de transformation", "conversion rate",
	"taux", "conversion", "transformation", "rate",
}

// overallWords name Overall on their own. "taux" or "rate" alone do not:
// they say a rate is meant, not which one.
var overallWords = map[string]bool{
	"conversion": true, "taux de conversion": true, "conversion rate": true,
	"transformation": true, "taux de transformation": true,
	"overall": true, "global": true, "globale": true,
	"conversion globale": true, "taux global": true, "overall conversion": true,
}

// rateSeparators split "from>to". Words come after symbols and need spaces
// around them, so a metric word containing "en" is never cut. Slack sends
// a typed ">" in a command's text as "&gt;".
var rateSeparators = []string{"&gt;", "->", "=>", "→", "➜", "➔", "⇒", ">", "/", " en ", " to ", " into ", " vers "}

// fillerFrom are articles left in front of the "from" side ("des offres
// en signatures").
var fillerFrom = []string{"des ", "de ", "du ", "d'", "from ", "of "}

// ParseTarget resolves what a user typed after "/kpi goal set": a metric in
// any vocabulary form ("rdv", "offres", "CA", "revenue"), or a rate written
// as a stage key or "from>to"/"from→to"/"from/to" with metric words
// ("offre>signature", "calls→leads", "conversion" = Overall). On failure it
// returns a suggestion (nearest metric word or rate key) for a "did you
// mean" message, "" when nothing is close. A nil v is DefaultVocabulary.
func ParseTarget(s string, v *Vocabulary) (target string, isRate bool, suggestion string, ok bool) {
	if v == nil {
		v = defaultParser.vocab
	}
	key := phraseKey(s)
	if key == "" {
		return "", false, "", false
	}
	if m, ok := v.Lookup(key); ok {
		return string(m), false, "", true
	}
	rest := key
	for _, p := range ratePrefixes {
		if r, found := strings.CutPrefix(rest, p+" "); found {
			rest = strings.TrimSpace(r)
			break
		}
	}
	for _, k := range []string{key, rest} {
		if overallWords[k] {
			return Overall.Key, true, "", true
		}
		if st, ok := StageByKey(keyForm(k)); ok {
			return st.Key, true, "", true
		}
	}
	if from, to, split := splitRate(rest); split {
		return parseRate(from, to, v)
	}
	if rest != key {
		// "taux rdv": a rate word with one metric is not a rate we know.
		return "", false, nearestRateKey(rest), false
	}
	if sug, ok := v.Suggest(key); ok {
		return "", false, sug, false
	}
	return "", false, nearestRateKey(key), false
}

func splitRate(s string) (from, to string, ok bool) {
	for _, sep := range rateSeparators {
		if i := strings.Index(s, sep); i >= 0 {
			from = strings.TrimSpace(s[:i])
			to = strings.TrimSpace(s[i+len(sep):])
			for _, f := range fillerFrom {
				from = strings.TrimPrefix(from, f)
			}
			return from, to, true
		}
	}
	return "", "", false
}

// parseRate resolves the two sides of "from>to". Failing that it suggests
// the rate key the user most likely meant: the sides with typos fixed, or
// swapped when written backwards ("signature>offre").
func parseRate(from, to string, v *Vocabulary) (string, bool, string, bool) {
	fm, okF := v.Lookup(from)
	tm, okT := v.Lookup(to)
	if okF && okT {
		if st, ok := StageByKey(string(fm) + "_" + string(tm)); ok {
			return st.Key, true, "", true
		}
		if st, ok := StageByKey(string(tm) + "_" + string(fm)); ok {
			return "", false, st.Key, false
		}
		return "", false, "", false
	}
	fix := func(word string, m Metric, ok bool) (Metric, bool) {
		if ok {
			return m, true
		}
		sug, found := v.Suggest(word)
		if !found {
			return "", false
		}
		return v.Lookup(sug)
	}
	fm, okF = fix(from, fm, okF)
	tm, okT = fix(to, tm, okT)
	if okF && okT {
		if st, ok := StageByKey(string(fm) + "_" + string(tm)); ok {
			return "", false, st.Key, false
		}
	}
	return "", false, "", false
}

// keyForm lets "calls leads" or "calls-leads" stand for "calls_leads".
func keyForm(s string) string {
	return strings.NewReplacer(" ", "_", "-", "_").Replace(s)
}

// nearestRateKey suggests a stage key for a typo in one ("calls_lead").
func nearestRateKey(key string) string {
	keys := make([]string, 0, len(Stages)+1)
	for _, s := range Stages {
		keys = append(keys, s.Key)
	}
	keys = append(keys, Overall.Key)
	if best, ok := nearest(keyForm(key), keys); ok {
		return best
	}
	return ""
}

// ObjectiveErrorReason says why ValidateObjective refused an objective, so
// the bot can word the message in the owner's language.
type ObjectiveErrorReason string

// The reasons an objective is refused.
const (
	// ZeroOrNegative: Value is not a positive number (NaN included).
	ZeroOrNegative ObjectiveErrorReason = "zero_or_negative"
	// RateAboveOne: a rate target or rate threshold above 100%.
	RateAboveOne ObjectiveErrorReason = "rate_above_one"
	// Absurd: a count above MaxPerMetric, or revenue above MaxRevenueCents,
	// per working day of the period; Limit is the largest accepted value.
	Absurd ObjectiveErrorReason = "absurd"
	// AlertNeedsThreshold: an alert without a direction, or with a
	// threshold it can never cross (negative, or "below 0").
	AlertNeedsThreshold ObjectiveErrorReason = "alert_needs_threshold"
	// AlertNeedsAction: an alert without the action to take when it fires.
	AlertNeedsAction ObjectiveErrorReason = "alert_needs_action"
	// ThresholdWithoutAlert: a threshold or direction on a balance or
	// anticipation objective, which would never be used.
	ThresholdWithoutAlert ObjectiveErrorReason = "threshold_without_alert"
	// UnknownTarget: Target is neither a metric key nor a stage key.
	UnknownTarget ObjectiveErrorReason = "unknown_target"
	// UnknownPeriod: Period is not day, week or month.
	UnknownPeriod ObjectiveErrorReason = "unknown_period"
	// UnknownKind: Kind is not alert, balance or anticipation.
	UnknownKind ObjectiveErrorReason = "unknown_kind"
	// NoOwner: an objective must belong to someone (source 000).
	NoOwner ObjectiveErrorReason = "no_owner"
)

// ObjectiveError is returned by ValidateObjective. Limit is the limit
// crossed when there is one (1 for rates, the Absurd bound), else 0.
type ObjectiveError struct {
	Reason ObjectiveErrorReason
	Limit  float64
}

// Error returns an English description for logs, prefixed "kpi: ".
func (e *ObjectiveError) Error() string {
	if e == nil {
		return "kpi: <nil ObjectiveError>"
	}
	s := "kpi: invalid objective: " + strings.ReplaceAll(string(e.Reason), "_", " ")
	if e.Limit != 0 {
		s += fmt.Sprintf(" (limit %g)", e.Limit)
	}
	return s
}

// maxWorkingDays is the most working days a period of kind k can have: 23
// for a month (a 31-day month starting on a Monday). Bounds use it so that
// an objective valid in one month is not refused in the next.
func maxWorkingDays(k PeriodKind) int {
	switch k {
	case Week:
		return 5
	case Month:
		return 23
	}
	return 1
}

// ValidateObjective refuses: Value <= 0; a rate target > 1; a count target
// above MaxPerMetric per working day of the period (e.g. 10^9 calls a
// month); revenue above MaxRevenueCents per working day; an alert without
// threshold direction or action; a non-alert with a threshold. It also
// refuses an unknown target, period or kind and a missing owner. The error
// is an *ObjectiveError.
func ValidateObjective(o Objective) error {
	if r := validateObjective(o); r != nil {
		return r
	}
	return nil
}

func validateObjective(o Objective) *ObjectiveError {
	tg := resolveTarget(o.Target)
	switch {
	case strings.TrimSpace(o.Owner) == "":
		return &ObjectiveError{Reason: NoOwner}
	case !tg.ok:
		return &ObjectiveError{Reason: UnknownTarget}
	case !o.Period.Valid():
		return &ObjectiveError{Reason: UnknownPeriod}
	case !o.Kind.Valid():
		return &ObjectiveError{Reason: UnknownKind}
	case !(o.Value > 0):
		return &ObjectiveError{Reason: ZeroOrNegative}
	}
	var limit float64
	switch {
	case tg.isRate:
		limit = 1
		if o.Value > limit {
			return &ObjectiveError{Reason: RateAboveOne, Limit: limit}
		}
	case tg.metric == Revenue:
		limit = float64(MaxRevenueCents) * float64(maxWorkingDays(o.Period))
	default:
		limit = float64(MaxPerMetric) * float64(maxWorkingDays(o.Period))
	}
	if o.Value > limit {
		return &ObjectiveError{Reason: Absurd, Limit: limit}
	}
	if o.Kind != Alert {
		if o.Threshold != 0 || o.Direction != "" {
			return &ObjectiveError{Reason: ThresholdWithoutAlert}
		}
		return nil
	}
	switch {
	case o.Direction != Below && o.Direction != Above,
		math.IsNaN(o.Threshold), o.Threshold < 0,
		o.Direction == Below && o.Threshold == 0:
		return &ObjectiveError{Reason: AlertNeedsThreshold}
	case tg.isRate && o.Threshold > 1:
		return &ObjectiveError{Reason: RateAboveOne, Limit: 1}
	case o.Threshold > limit:
		return &ObjectiveError{Reason: Absurd, Limit: limit}
	case strings.TrimSpace(o.Action) == "":
		return &ObjectiveError{Reason: AlertNeedsAction}
	}
	return nil
}

// Status is where an objective stands.
type Status string

// The statuses, from best to worst, then the one that says nothing.
const (
	Met           Status = "met"
	OnTrack       Status = "on_track"
	AtRisk        Status = "at_risk"
	OffTrack      Status = "off_track"
	NotEnoughData Status = "not_enough_data"
	// NotSet: the period ended before the objective was set; it is not
	// judged on it at all.
	NotSet Status = "not_set"
)

// minLoggedShare is the share of the elapsed working days a rep must have
// logged for a figure to be judged: below it, "0 / 6" says that the rep
// did not log, not that they are behind.
const minLoggedShare = 0.5

// atRiskShare is how close to the target the forecast must be to be "at
// risk" rather than "off track".
const atRiskShare = 0.8

// Advice answers source 002's second question.
type Advice string

// The three advices.
const (
	// Keep: on track, keep the current actions.
	Keep Advice = "keep"
	// Reinforce: behind, but with enough of the period left to catch up.
	Reinforce Advice = "reinforce"
	// Rethink: off track with less than a third of the period left; doing
	// more of the same will not get there, the plan itself should change.
	Rethink Advice = "rethink"
)

// ResourceAnswer answers source 002's fourth question.
type ResourceAnswer string

// The resource answers.
const (
	// Enough: what is left to do per day is within 120% of the recent pace.
	Enough ResourceAnswer = "enough"
	// Stretch: within 150% of the recent pace.
	Stretch ResourceAnswer = "stretch"
	// NotEnough: beyond 150%, or no working day left.
	NotEnough ResourceAnswer = "not_enough"
	// Unknown: no recent pace to compare with, or a rate target.
	Unknown ResourceAnswer = "unknown"
)

// Pace multipliers for ResourceAnswer.
const (
	enoughPace  = 1.2
	stretchPace = 1.5
)

// Progress answers source 002's four questions for one objective at
// `today` (which lies in period p).
type Progress struct {
	Objective Objective
	Period    Period
	// Value is the current value: a count, cents, or a rate.
	Value float64
	// Ratio is Value / Objective.Value (0 when the target is not positive).
	Ratio float64
	// Forecast is, for counts and revenue, the run rate per elapsed
	// working day projected to the end of the period; for rates, the
	// current rate.
	Forecast float64
	Status   Status
	// ElapsedWorkingDays counts today: the totals include today's logs, so
	// the run rate must divide by the days they cover.
	ElapsedWorkingDays, TotalWorkingDays int
	// NeededPerDay is, for counts and revenue, what each remaining working
	// day needs to meet the target: 0 when met, the whole shortfall when
	// no working day is left. 0 for rates.
	NeededPerDay float64
	// Alert is set for alert objectives whose threshold is crossed; see
	// Evaluate. AlertValue is the value compared with the threshold, and
	// AlertOnForecast says that it is the forecast rather than the value
	// so far, so that every text showing it can say so.
	Alert           bool
	AlertValue      float64
	AlertOnForecast bool
	// Goal is the target this period is judged against: the objective's,
	// prorated to the working days from Since when the objective was set
	// during the period (Partial).
	Goal    float64
	Partial bool
	// LoggedDays counts the days the owner logged in the judged period so
	// far; FewLogged is set when they are too few to judge (Status is then
	// NotEnoughData).
	LoggedDays int
	FewLogged  bool
	Answers    Answers
}

// Answers are source 002's four questions, asked each time a KPI is read.
type Answers struct {
	OnTrack    bool           // Q1: met or on track?
	Advice     Advice         // Q2: reinforce or drop?
	AdjustPlan bool           // Q3: does the plan need adjusting? true when off track
	Resources  ResourceAnswer // Q4: enough resources?
}

// Evaluate computes Progress. t are the owner's totals over p up to today;
// recentDailyPace is the owner's average per working day of the objective's
// metric over the previous 4 weeks (0 = unknown; see DailyPace and
// Trailing). For rate targets, Forecast = current rate and Resources =
// Unknown. Evaluate does not validate o: an unknown target gives
// NotEnoughData.
//
// Statuses: counts and revenue are Met once Value reaches the target, then
// OnTrack / AtRisk / OffTrack as Forecast reaches the target, 80% of it, or
// less; NotEnoughData before the first working day of the period (no run
// rate yet). Rates are NotEnoughData below minEvents; otherwise they are
// graded on the current rate, and Met only on the last day of the period,
// since until then a rate can still fall.
//
// Alert (alert objectives only): Above fires when Value > Threshold, as a
// count past a ceiling stays past it. Below compares the Forecast for counts
// and revenue, because the count so far is below any threshold early in the
// period; for rates it compares the rate, and only with enough data.
// AlertValue is what was compared, AlertOnForecast whether it is the
// forecast.
//
// Since: a period that ended before o.Since, or a day before it, is
// NotSet; one that began
// before it is judged from o.Since (Partial), against a target prorated
// to its working days, and t must then hold only the facts from o.Since.
// When the owner logged on fewer than half the elapsed working days, an
// objective not yet met is NotEnoughData with FewLogged: "0 / 6" would
// say that they did not log, not that they are behind. A below-threshold
// alert on a count does not fire on such a forecast either.
func Evaluate(o Objective, t Totals, p Period, today Date, recentDailyPace float64, minEvents int) Progress {
	pr := Progress{Objective: o, Period: p, Goal: o.Value, LoggedDays: t.ActiveDays}
	if !o.Since.IsZero() && (o.Since.After(p.End) || o.Since.After(today)) {
		pr.Status = NotSet
		pr.Answers = Answers{Advice: Keep, Resources: Unknown}
		return pr
	}
	full := WorkingDays(p.Start, p.End)
	if !o.Since.IsZero() && o.Since.After(p.Start) {
		// Set during the period: judged on the days since, against the
		// share of the target those days stand for.
		p.Start, pr.Partial = o.Since, true
		if tg := resolveTarget(o.Target); !tg.isRate && full > 0 {
			pr.Goal = o.Value * float64(WorkingDays(p.Start, p.End)) / float64(full)
		}
	}
	pr.TotalWorkingDays = WorkingDays(p.Start, p.End)
	switch {
	case today.Before(p.Start):
		pr.ElapsedWorkingDays = 0
	case today.After(p.End):
		pr.ElapsedWorkingDays = pr.TotalWorkingDays
	default:
		pr.ElapsedWorkingDays = WorkingDays(p.Start, today)
	}
	remaining := pr.TotalWorkingDays - pr.ElapsedWorkingDays
	tg := resolveTarget(o.Target)
	goal := pr.Goal

	enough := true
	switch {
	case !tg.ok:
		enough = false
	case tg.isRate:
		r := RateOf(t, tg.stage, minEvents)
		pr.Value, pr.Forecast, enough = r.Value, r.Value, r.Enough
	default:
		pr.Value = t.Value(tg.metric)
		pr.Forecast = pr.Value
		if pr.ElapsedWorkingDays > 0 {
			pr.Forecast = pr.Value / float64(pr.ElapsedWorkingDays) * float64(pr.TotalWorkingDays)
		}
	}
	if goal > 0 {
		pr.Ratio = pr.Value / goal
	}
	pr.FewLogged = pr.ElapsedWorkingDays > 0 && float64(t.ActiveDays) < minLoggedShare*float64(pr.ElapsedWorkingDays)

	periodOver := !today.Before(p.End)
	switch {
	case !tg.ok || (tg.isRate && !enough):
		pr.Status = NotEnoughData
	case pr.Value >= goal && (!tg.isRate || periodOver):
		pr.Status = Met
		pr.FewLogged = false
	case !tg.isRate && pr.ElapsedWorkingDays == 0:
		pr.Status = NotEnoughData
	case pr.FewLogged:
		pr.Status = NotEnoughData
	case pr.Forecast >= goal:
		pr.Status = OnTrack
	case pr.Forecast >= atRiskShare*goal:
		pr.Status = AtRisk
	default:
		pr.Status = OffTrack
	}
	if pr.Status != NotEnoughData {
		pr.FewLogged = false
	}

	if tg.ok && !tg.isRate && pr.Status != Met {
		short := goal - pr.Value
		if remaining > 0 {
			pr.NeededPerDay = short / float64(remaining)
		} else {
			pr.NeededPerDay = short
		}
	}

	if o.Kind == Alert && tg.ok {
		pr.AlertValue = pr.Value
		switch {
		case tg.isRate && !enough:
		case o.Direction == Above:
			pr.Alert = pr.Value > o.Threshold
		case o.Direction == Below && tg.isRate:
			pr.Alert = pr.Value < o.Threshold
		case o.Direction == Below && pr.ElapsedWorkingDays > 0:
			// Early in a period every count is below its threshold: a
			// count is compared by its forecast, and never on days the
			// owner did not log.
			pr.AlertValue, pr.AlertOnForecast = pr.Forecast, true
			pr.Alert = !pr.FewLogged && pr.Forecast < o.Threshold
		}
	}

	pr.Answers = answers(pr, tg.isRate, remaining, recentDailyPace)
	return pr
}

// answers derives source 002's four answers from a computed Progress.
func answers(pr Progress, isRate bool, remaining int, pace float64) Answers {
	a := Answers{
		OnTrack:    pr.Status == Met || pr.Status == OnTrack,
		AdjustPlan: pr.Status == OffTrack,
		Advice:     Keep,
	}
	switch pr.Status {
	case AtRisk:
		a.Advice = Reinforce
	case OffTrack:
		// Compared in integers: remaining/total >= 1/3.
		if 3*remaining >= pr.TotalWorkingDays && pr.TotalWorkingDays > 0 {
			a.Advice = Reinforce
		} else {
			a.Advice = Rethink
		}
	}
	switch {
	case isRate:
		a.Resources = Unknown
	case pr.Status == Met:
		// Nothing left to do: whatever the pace, it is enough.
		a.Resources = Enough
	case remaining == 0:
		a.Resources = NotEnough
	case !(pace > 0):
		a.Resources = Unknown
	case pr.NeededPerDay <= pace*enoughPace:
		a.Resources = Enough
	case pr.NeededPerDay <= pace*stretchPace:
		a.Resources = Stretch
	default:
		a.Resources = NotEnough
	}
	return a
}
