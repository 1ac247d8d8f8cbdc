package bot_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/deliver"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/slackrate"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
	"github.com/kpibot/kpibot/storage"
)

// slackPostsPerMinute is the workspace-wide chat.postMessage ceiling the
// fake enforces and the deliverer keeps to. Slack publishes no figure
// ("a workspace-wide limit"); 600 a minute is the deliverer's default.
const slackPostsPerMinute = 600

// rig is the production path on simulated time: the rituals runner (its
// workers on the clock), the bot's RitualPoster, the deliverer with the
// tier budget, and a fake Slack enforcing each method's tier, 1 post a
// second per channel and slackPostsPerMinute in the workspace.
type rig struct {
	clk    *testkit.SimClock
	store  *storage.Store
	fake   *testkit.FakeWebAPI
	h      *bot.Handler
	runner *rituals.Runner

	mu     sync.Mutex
	report rituals.TickReport
}

func newRig(tb testing.TB, start time.Time) *rig {
	tb.Helper()
	r := &rig{clk: testkit.NewSimClock(start), store: memStore(tb), fake: testkit.NewFakeWebAPI(tb)}
	r.fake.SetClock(r.clk.Now)
	r.fake.SetSleep(r.clk.Sleep)
	r.fake.EnforceTiers()
	r.fake.SetPace(time.Second, slackPostsPerMinute)
	budget := slackrate.New(r.clk)
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	tb.Cleanup(tr.CloseIdleConnections)
	d := deliver.New(deliver.Config{API: r.fake.API(tb), Clock: r.clk, Budget: budget, PerWorkspace: slackPostsPerMinute, Logger: quiet})
	r.h = bot.NewHandler(bot.HandlerConfig{Store: r.store, Now: r.clk.Now, TZ: paris, Lang: prompts.French, Outbox: d, Logger: quiet})
	r.runner = &rituals.Runner{Claimer: r.store, Poster: bot.NewRitualPoster(r.h, d), Holder: "A", Now: r.clk.Now, Go: r.clk.Go, Logger: quiet}
	return r
}

// run ticks the scheduler every 30 simulated seconds until until, on the
// jobs of the given rituals only.
func (r *rig) run(tb testing.TB, until time.Time, only ...rituals.Ritual) {
	tb.Helper()
	ctx := context.Background()
	for r.clk.Now().Before(until) {
		all, err := r.h.RitualJobs(ctx, r.store, r.clk.Now())
		if err != nil {
			tb.Fatal(err)
		}
		var jobs []rituals.Job
		for _, j := range all {
			for _, rt := range only {
				if j.Ritual == rt {
					jobs = append(jobs, j)
				}
			}
		}
		rep := r.runner.Tick(ctx, jobs)
		r.mu.Lock()
		r.report.Posted += rep.Posted
		r.report.Skipped += rep.Skipped
		r.report.Failed += rep.Failed
		r.mu.Unlock()
		// To the next tick: this goroutine is not on the clock, so a
		// sleeper started on it moves time.
		next := r.clk.Now().Truncate(30 * time.Second).Add(30 * time.Second)
		var wg sync.WaitGroup
		r.clk.Go(&wg, func() { _ = r.clk.Sleep(ctx, next.Sub(r.clk.Now())) })
		wg.Wait()
	}
}

// fanOutResult is what a reminder fan-out did.
type fanOutResult struct {
	last       time.Duration            // from 17:30 to the last reminder posted
	posted     map[string]time.Duration // rep → from 17:30 to their reminder
	duplicates int
	missing    int // reps who had not logged and got no reminder
	toLogged   int // reminders to reps who had logged
	skipped    int
	throttled  int
	tierRefus  map[string]int
	calls      map[string]int
}

// tuesday1730 is when the fan-out's reminders are due.
var tuesday1730 = time.Date(2026, 11, 24, 17, 30, 0, 0, paris)

// reminderFanOut sets up teams×perTeam reps, one in ten having logged
// today, and runs the 17:30 reminders through the rig with faults.
func reminderFanOut(tb testing.TB, teams, perTeam int, faults func(testkit.Call) testkit.Fault) fanOutResult {
	tb.Helper()
	r := newRig(tb, tuesday1730.Add(-30*time.Second))
	ctx := context.Background()
	logged := map[string]bool{}
	logger := bot.NewHandler(bot.HandlerConfig{Store: r.store, Now: r.clk.Now, TZ: paris, Lang: prompts.French, Logger: quiet})
	for t := range teams {
		manager := fmt.Sprintf("UM%03d", t)
		if _, err := r.store.MakeManager(ctx, "T1", manager); err != nil {
			tb.Fatal(err)
		}
		for i := range perTeam {
			rep := fmt.Sprintf("U%04d", t*perTeam+i)
			if _, err := r.store.AddRep(ctx, "T1", manager, rep); err != nil {
				tb.Fatal(err)
			}
			if (t*perTeam+i)%10 == 0 {
				if _, err := logger.Handle(ctx, bot.Command{Workspace: "T1", User: rep, Name: "/log", Text: "3 rdv 1 offre", Key: "k" + rep}); err != nil {
					tb.Fatal(err)
				}
				logged[rep] = true
			}
		}
	}
	r.fake.SetFaults(faults)
	r.run(tb, tuesday1730.Add(15*time.Minute), rituals.Reminder)

	out := fanOutResult{posted: map[string]time.Duration{}, skipped: r.report.Skipped, throttled: r.fake.Throttles(), tierRefus: r.fake.TierRefusals(), calls: map[string]int{}}
	for _, c := range r.fake.CallLog() {
		out.calls[c.Method]++
	}
	for _, m := range r.fake.Posted() {
		id := m.Occurrence()
		if !strings.Contains(id, "/reminder/") {
			continue
		}
		rep := id[strings.LastIndex(id, "/")+1:]
		if _, dup := out.posted[rep]; dup {
			out.duplicates++
			continue
		}
		out.posted[rep] = m.At.Sub(tuesday1730)
		out.last = max(out.last, m.At.Sub(tuesday1730))
		if logged[rep] {
			out.toLogged++
		}
	}
	for n := range teams * perTeam {
		rep := fmt.Sprintf("U%04d", n)
		if _, ok := out.posted[rep]; !ok && !logged[rep] {
			out.missing++
		}
	}
	return out
}

// BenchmarkRemindersAt1730 sends the 17:30 reminder to the 900 of 1,000
// reps in 50 teams who have not logged, through the production runner,
// poster and deliverer, against the tier-enforcing fake answering 429
// (Retry-After 1) to 5% of calls, on simulated time. sim-min is when the
// last reminder was posted, after 17:30; floor-min the least Slack's
// workspace post rate allows (900 / 600 a minute).
func BenchmarkRemindersAt1730(b *testing.B) {
	for range b.N {
		res := reminderFanOut(b, 50, 20, testkit.RateLimitShare(5, 1))
		floor := time.Duration(900) * time.Minute / slackPostsPerMinute
		checkFanOut(b, res, floor)
		b.ReportMetric(res.last.Minutes(), "sim-min")
		b.ReportMetric(floor.Minutes(), "floor-min")
		b.ReportMetric(float64(res.last)/float64(floor), "x-floor")
		b.ReportMetric(float64(res.throttled), "429s")
	}
}

// checkFanOut fails unless every rep who had not logged got exactly one
// reminder, nobody who had logged got one, and the last came within 1.2
// times floor.
func checkFanOut(tb testing.TB, res fanOutResult, floor time.Duration) {
	tb.Helper()
	if res.missing != 0 || res.duplicates != 0 || res.toLogged != 0 || res.skipped != 0 {
		tb.Errorf("missing %d, duplicated %d, to reps who logged %d, skipped %d; want 0 of each", res.missing, res.duplicates, res.toLogged, res.skipped)
	}
	if limit := floor * 12 / 10; res.last > limit {
		tb.Errorf("last reminder %v after 17:30, want within %v (1.2 × %v)", res.last, limit, floor)
	}
	if len(res.tierRefus) != 0 {
		tb.Errorf("calls refused for their tier: %v", res.tierRefus)
	}
}

// BenchmarkRemindersWithAStall is the same fan-out with every call about
// one team's reps hanging from 17:30 for a minute (each until the
// client's 10 s deadline): every other team's reminders are delayed by
// under 5 s against the same run without the stall. 429s are picked by
// conversation here, so both runs meet the same ones.
func BenchmarkRemindersWithAStall(b *testing.B) {
	for range b.N {
		base := reminderFanOut(b, 50, 20, rateLimitByConversation(5))
		stalled := reminderFanOut(b, 50, 20, stallTeam(0, 20, rateLimitByConversation(5)))
		// Each other team's reminders are all out no more than 5 s later
		// than without the stall. (Which rep of the workspace goes in
		// which slot shifts between runs; a team's last post does not.)
		worst := time.Duration(0)
		for team := 1; team < 50; team++ {
			worst = max(worst, teamDone(stalled, team, 20)-teamDone(base, team, 20))
		}
		if worst >= 5*time.Second {
			b.Errorf("another team's reminders were delayed %v by the stall, want under 5s", worst)
		}
		b.ReportMetric(worst.Seconds(), "worst-delay-s")
		b.ReportMetric(base.last.Minutes(), "base-sim-min")
		b.ReportMetric(teamDone(stalled, 0, 20).Minutes(), "stalled-team-min")
	}
}

// stallTeam makes every call about team's reps (their user IDs or DMs)
// between 17:30 and 17:31 hang for the client's 10 s deadline, and hands
// the others to next.
func stallTeam(team, perTeam int, next func(testkit.Call) testkit.Fault) func(testkit.Call) testkit.Fault {
	return func(c testkit.Call) testkit.Fault {
		if c.Channel != "" && inTeam("U"+c.Channel[1:], team, perTeam) && !c.At.Before(tuesday1730) && c.At.Before(tuesday1730.Add(time.Minute)) {
			return testkit.Fault{Stall: deliver.DefaultCallTimeout, Drop: true}
		}
		return next(c)
	}
}

// teamDone is when the last of team's reminders was posted, after 17:30.
func teamDone(res fanOutResult, team, perTeam int) time.Duration {
	var last time.Duration
	for rep, at := range res.posted {
		if inTeam(rep, team, perTeam) {
			last = max(last, at)
		}
	}
	return last
}

// rateLimitByConversation answers 429 (Retry-After 1) to about percent %
// of calls, picked by the method, the conversation and how many times
// it was called there: the same calls in two runs whose order differs.
func rateLimitByConversation(percent int) func(testkit.Call) testkit.Fault {
	var mu sync.Mutex
	seen := map[string]int{}
	return func(c testkit.Call) testkit.Fault {
		mu.Lock()
		key := c.Method + "/" + c.Channel
		seen[key]++
		n := seen[key]
		mu.Unlock()
		h := fnv.New32a()
		fmt.Fprintf(h, "%s/%d", key, n)
		if int(h.Sum32()%100) < percent {
			return testkit.Fault{Status: http.StatusTooManyRequests, RetryAfter: 1}
		}
		return testkit.Fault{}
	}
}

func inTeam(rep string, team, perTeam int) bool {
	var n int
	if _, err := fmt.Sscanf(rep, "U%04d", &n); err != nil {
		return false
	}
	return n/perTeam == team
}

// BenchmarkMondayAt0800 posts 200 teams' digests (with their charts,
// native or PNG) and 200 reviews, all due at 08:00, through the same path, 5% of calls
// answered 429: every one is posted inside its grace window, and no call
// is refused for its tier (Tier 3 included).
func BenchmarkMondayAt0800(b *testing.B) {
	monday := time.Date(2026, 11, 30, 8, 0, 0, 0, paris)
	for range b.N {
		r := newRig(b, monday.Add(-30*time.Second))
		ctx := context.Background()
		for t := range 200 {
			manager := fmt.Sprintf("UM%03d", t)
			r.store.MakeManager(ctx, "T1", manager)
			for i := range 3 {
				rep := fmt.Sprintf("U%04d", t*3+i)
				r.store.AddRep(ctx, "T1", manager, rep)
				// Each rep logged last week, so the team has the contributors
				// its digest needs to draw charts (a team below its minimum
				// gets none: they would show a rep's counts).
				entry := storage.CheckIn{Workspace: "T1", User: rep, Key: "k-" + rep, Day: "2026-11-24", TZ: "Europe/Paris",
					Raw: "40 appels 8 leads 3 rdv 2 offres 1 vente", Counts: map[string]int{"calls": 40, "leads": 8, "meetings": 3, "proposals": 2, "signatures": 1},
					Source: "slash", CreatedAt: monday.Add(-6 * 24 * time.Hour)}
				if _, _, _, err := r.store.SaveCheckIn(ctx, entry, "2026-11-23", 0); err != nil {
					b.Fatal(err)
				}
			}
			r.store.SetTeamChannel(ctx, "T1", manager, fmt.Sprintf("C%04d", t))
			r.store.SaveRitualSetting(ctx, storage.RitualSetting{Workspace: "T1", Team: manager, Ritual: string(rituals.Review), Spec: "mon 08:00"})
		}
		r.fake.SetFaults(testkit.RateLimitShare(5, 1))
		r.run(b, monday.Add(30*time.Minute), rituals.Digest, rituals.Review)

		var last time.Duration
		byRitual := map[string]int{}
		natives := 0
		for _, m := range r.fake.Posted() {
			id := m.Occurrence()
			switch {
			case strings.Contains(id, "/digest/"):
				byRitual["digest"]++
				if strings.Contains(string(m.Blocks), `"data_visualization"`) {
					natives++
				}
			case strings.Contains(id, "/review/"):
				byRitual["review"]++
			default:
				continue
			}
			last = max(last, m.At.Sub(monday))
		}
		if byRitual["digest"] != 200 || byRitual["review"] != 200 || r.report.Skipped != 0 {
			b.Errorf("posted %v, skipped %d; want 200 digests and 200 reviews", byRitual, r.report.Skipped)
		}
		if last > rituals.DefaultGrace(rituals.Digest) {
			b.Errorf("last post %v after 08:00, outside the grace window", last)
		}
		if refused := r.fake.TierRefusals(); len(refused) != 0 {
			b.Errorf("calls refused for their tier: %v", refused)
		}
		tier3 := 0
		for _, c := range r.fake.CallLog() {
			switch c.Method {
			case "conversations.history", "conversations.replies", "conversations.open":
				tier3++
			}
		}
		b.ReportMetric(last.Minutes(), "sim-min")
		// The posts alone need 400 / 600 a minute; each PNG shared (a
		// chart Slack cannot draw natively) needs a call of each of two
		// Tier 4 methods, 100 a minute.
		uploads := len(r.fake.Shares())
		if natives != 200 {
			b.Errorf("%d digests of 200 carry a native chart", natives)
		}
		b.ReportMetric(float64(400)/slackPostsPerMinute, "posts-floor-min")
		b.ReportMetric(float64(uploads), "pngs")
		b.ReportMetric(float64(natives), "native-digests")
		b.ReportMetric(float64(uploads)/100, "uploads-floor-min")
		b.ReportMetric(float64(tier3), "tier3-calls")
		b.ReportMetric(float64(r.fake.Throttles()), "429s")
	}
}
