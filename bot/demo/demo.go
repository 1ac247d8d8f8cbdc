// Package demo seeds a realistic sales team in a workspace of its own: a
// manager, eight reps with different habits and strengths, twelve weeks
// of backdated check-ins, objectives, shared practices and a coaching
// history. It is seeded and deterministic: the same seed and day give
// the same team, so a newcomer, a test and a benchmark see the same
// figures.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// Workspace is the demo team's workspace, apart from the console's own
// and from any Slack workspace sharing the store.
const Workspace = "kpibot-demo"

// Manager is the demo team's manager, as the console names users.
const Manager = views.ConsolePrefix + "maud"

// Channel is the demo team's channel, where its review goes, named in
// the team's language.
func Channel(lang prompts.Lang) string { return prompts.Text(lang, "demo.channel", nil) }

// Weeks is how much history the demo team has.
const Weeks = 12

// rep is one demo rep's habits: how many calls a day, how often they log,
// their conversion at each stage, and how often an offer they do not sign
// is lost rather than still open.
type rep struct {
	name                            string
	calls                           int     // a day, on average
	logs                            float64 // share of working days logged
	lead, meeting, proposal, signed float64 // stage rates
	lost                            float64 // of the offers not signed, the share lost
	deal                            int     // average deal, in euros
}

// reps differ on purpose: a prospector who converts little, a closer
// who calls little, an irregular logger, a newcomer…
var reps = []rep{
	{"alice", 30, 0.95, 0.12, 0.40, 0.60, 0.35, 0.40, 9000},
	{"bruno", 45, 0.90, 0.08, 0.25, 0.40, 0.20, 0.55, 6000},
	{"chloe", 18, 0.95, 0.15, 0.55, 0.70, 0.45, 0.30, 14000},
	{"david", 25, 0.55, 0.10, 0.35, 0.50, 0.30, 0.45, 8000},
	{"emma", 35, 0.85, 0.11, 0.20, 0.65, 0.40, 0.35, 7000},
	{"farid", 28, 0.90, 0.13, 0.45, 0.30, 0.25, 0.50, 10000},
	{"gaelle", 22, 0.80, 0.09, 0.50, 0.60, 0.15, 0.60, 12000},
	{"hugo", 40, 0.70, 0.07, 0.30, 0.45, 0.30, 0.40, 5000},
}

// Store is what seeding writes; *storage.Store is one.
type Store interface {
	EnsureWorkspace(ctx context.Context, workspace, user string, now time.Time) (storage.Workspace, error)
	SetInstaller(ctx context.Context, workspace, user string, now time.Time) error
	MakeManager(ctx context.Context, workspace, user string) (storage.Team, error)
	AddRep(ctx context.Context, workspace, manager, rep string) (storage.Team, error)
	SetTeamChannel(ctx context.Context, workspace, manager, channel string) (storage.Team, error)
	ImportCheckIns(ctx context.Context, cs []storage.CheckIn, weekStart func(day string) string) (int, error)
	SavePractice(ctx context.Context, p storage.Practice, weekCap int) (storage.Practice, error)
	SaveThread(ctx context.Context, t storage.Thread) (storage.Thread, error)
	SaveCommitment(ctx context.Context, c storage.Commitment) (storage.Commitment, error)
	CompleteCommitment(ctx context.Context, workspace, rep, code string, at time.Time) (storage.Commitment, error)
	AllTeams(ctx context.Context) ([]storage.Team, error)
}

// Summary says what Seed made.
type Summary struct {
	Manager  string
	Reps     []string
	CheckIns int
	// Already is true when the demo team was there: nothing was added.
	Already bool
}

// Reps are the demo reps' user IDs, in order.
func Reps() []string {
	out := make([]string, len(reps))
	for i, r := range reps {
		out[i] = views.ConsolePrefix + r.name
	}
	return out
}

// Seed makes the demo team in Workspace as of now, from seed: the same
// seed and day give the same team. Its people write in lang: their
// check-ins, practices, coaching questions and commitments. h sets the
// objectives as the reps would, through /kpi goal. Seeding twice adds
// nothing.
func Seed(ctx context.Context, store Store, h bot.CommandHandler, now time.Time, loc *time.Location, seed uint64, lang prompts.Lang) (Summary, error) {
	sum := Summary{Manager: Manager, Reps: Reps()}
	teams, err := store.AllTeams(ctx)
	if err != nil {
		return sum, fmt.Errorf("demo: %w", err)
	}
	for _, t := range teams {
		if t.Workspace == Workspace && t.Manager == Manager && len(t.Reps) > 0 {
			sum.Already = true
			return sum, nil
		}
	}
	if _, err := store.EnsureWorkspace(ctx, Workspace, Manager, now); err != nil {
		return sum, fmt.Errorf("demo: %w", err)
	}
	// The manager installed the demo: they are its admin.
	if err := store.SetInstaller(ctx, Workspace, Manager, now); err != nil {
		return sum, fmt.Errorf("demo: %w", err)
	}
	if _, err := store.MakeManager(ctx, Workspace, Manager); err != nil {
		return sum, fmt.Errorf("demo: %w", err)
	}
	for _, id := range sum.Reps {
		if _, err := store.AddRep(ctx, Workspace, Manager, id); err != nil {
			return sum, fmt.Errorf("demo: %w", err)
		}
	}
	// The team's channel, where the review goes.
	if _, err := store.SetTeamChannel(ctx, Workspace, Manager, Channel(lang)); err != nil {
		return sum, fmt.Errorf("demo: %w", err)
	}

	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	today := kpi.DateOf(now.In(loc))
	checkIns := CheckIns(rng, today, loc, lang)
	n, err := store.ImportCheckIns(ctx, checkIns, func(d string) string {
		date, _ := kpi.ParseDate(d)
		monday, _ := kpi.WeekOf(date)
		return monday.String()
	})
	if err != nil {
		return sum, fmt.Errorf("demo: check-ins: %w", err)
	}
	sum.CheckIns = n

	// Objectives, set the way reps set them.
	for i, id := range sum.Reps {
		goal := fmt.Sprintf("goal set signatures %d mois", 3+i%3)
		if i%2 == 1 {
			goal = fmt.Sprintf("goal set rdv %d semaine", 6+i%4)
		}
		if _, err := h.Handle(ctx, bot.Command{Workspace: Workspace, User: id, Name: "/kpi", Text: goal, Key: "demo-goal-" + id, Source: "console"}); err != nil {
			return sum, fmt.Errorf("demo: objective: %w", err)
		}
	}

	// Practices shared last week and this one.
	monday, _ := kpi.WeekOf(today)
	practices := []struct {
		who  int
		week kpi.Date
		text string
	}{
		{2, monday.AddDays(-7), text(lang, "demo.practice.1")},
		{0, monday.AddDays(-7), text(lang, "demo.practice.2")},
		{5, monday, text(lang, "demo.practice.3")},
	}
	for _, p := range practices {
		if _, err := store.SavePractice(ctx, storage.Practice{Workspace: Workspace, User: sum.Reps[p.who], Week: p.week.String(), Text: p.text, CreatedAt: now}, 3); err != nil {
			return sum, fmt.Errorf("demo: practice: %w", err)
		}
	}

	// A coaching history: past conversations with their commitments, one
	// of them done.
	history := []struct {
		who       int
		weeksAgo  int
		questions []string
		commit    string
		done      bool
	}{
		{1, 4, []string{text(lang, "demo.question.1"), text(lang, "demo.question.2")}, text(lang, "demo.commitment.1"), true},
		{1, 2, []string{text(lang, "demo.question.3")}, text(lang, "demo.commitment.2"), false},
		{6, 2, []string{text(lang, "demo.question.4")}, text(lang, "demo.commitment.3"), false},
		{3, 3, []string{text(lang, "demo.question.5")}, text(lang, "demo.commitment.4"), true},
	}
	for _, c := range history {
		at := now.AddDate(0, 0, -7*c.weeksAgo)
		th, err := store.SaveThread(ctx, storage.Thread{Workspace: Workspace, Manager: Manager, Rep: sum.Reps[c.who], Channel: "coaching-" + reps[c.who].name,
			Questions: c.questions, Draft: c.questions, Source: "template", State: storage.ThreadPosted, CreatedAt: at})
		if err != nil {
			return sum, fmt.Errorf("demo: coaching: %w", err)
		}
		cm, err := store.SaveCommitment(ctx, storage.Commitment{Workspace: Workspace, Rep: sum.Reps[c.who], Manager: Manager, Thread: th.Code, Text: c.commit,
			Due: kpi.DateOf(at.In(loc)).AddDays(14).String(), CreatedBy: sum.Reps[c.who], CreatedAt: at})
		if err != nil {
			return sum, fmt.Errorf("demo: commitment: %w", err)
		}
		if c.done {
			if _, err := store.CompleteCommitment(ctx, Workspace, cm.Rep, cm.Code, at.AddDate(0, 0, 10)); err != nil {
				return sum, fmt.Errorf("demo: commitment: %w", err)
			}
		}
	}
	return sum, nil
}

// CheckIns are the demo reps' Weeks weeks of check-ins up to yesterday,
// drawn from rng: one per day logged, its counts following each rep's
// habits. Each day's funnel narrows stage by stage, as a real one does:
// the leads are some of the calls, the meetings some of the leads, the
// offers some of the meetings; of the offers, some are signed, some lost
// and the rest still open. So every rate stays within 0 and 100 %, and the
// win rate is below 100 %. Each is written as a rep writing in lang
// would type it. Benchmarks reuse them.
func CheckIns(rng *rand.Rand, today kpi.Date, loc *time.Location, lang prompts.Lang) []storage.CheckIn {
	var out []storage.CheckIn
	monday, _ := kpi.WeekOf(today)
	start := monday.AddDays(-7 * Weeks)
	for i, r := range reps {
		id := views.ConsolePrefix + r.name
		for day := start; day.Before(today); day = day.AddDays(1) {
			if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday || rng.Float64() > r.logs {
				continue
			}
			calls := max(0, r.calls+rng.IntN(11)-5)
			leads := binomial(rng, calls, r.lead)
			meetings := binomial(rng, leads, r.meeting)
			proposals := binomial(rng, meetings, r.proposal)
			signed := binomial(rng, proposals, r.signed)
			lost := binomial(rng, proposals-signed, r.lost)
			followups := binomial(rng, 2*proposals+1, 0.5)
			counts := map[string]int{"calls": calls, "leads": leads, "meetings": meetings, "proposals": proposals, "followups": followups}
			if signed > 0 {
				counts["signatures"] = signed
			}
			if lost > 0 {
				counts["lost"] = lost
			}
			c := storage.CheckIn{
				Workspace: Workspace, User: id, Key: fmt.Sprintf("demo-%d-%s", i, day), Day: day.String(), TZ: loc.String(),
				Counts: counts,
				Source: "demo", CreatedAt: day.In(loc).Add(18 * time.Hour).UTC(), Currency: "EUR",
			}
			if signed > 0 {
				c.RevenueCents, c.HasRevenue = int64(signed*(r.deal+rng.IntN(r.deal/2))*100), true
			}
			c.Raw = typed(lang, counts, c.RevenueCents)
			out = append(out, c)
		}
	}
	return out
}

// typed writes counts and revenue as a rep types them in lang: /log's
// canonical text, which reads back as it is stored, so an entry edited
// later keeps its revenue.
func typed(lang prompts.Lang, counts map[string]int, revenueCents int64) string {
	e := kpi.Entry{Counts: map[kpi.Metric]int{}, RevenueCents: revenueCents, HasRevenue: revenueCents > 0, Currency: "EUR"}
	for m, n := range counts {
		e.Counts[kpi.Metric(m)] = n
	}
	if lang == prompts.English {
		return e.CanonicalEnglish()
	}
	return e.Canonical()
}

// text is a demo person's words in lang.
func text(lang prompts.Lang, key prompts.Key) string { return prompts.Text(lang, key, nil) }

// binomial draws how many of n tries succeed at rate p.
func binomial(rng *rand.Rand, n int, p float64) int {
	k := 0
	for range n {
		if rng.Float64() < p {
			k++
		}
	}
	return k
}
