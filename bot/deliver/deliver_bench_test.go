package deliver

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
)

// fanOut is the outcome of one reminder fan-out.
type fanOut struct {
	simulated  time.Duration // first call to last post, in simulated time
	duplicates int           // messages beyond the first for an occurrence
	losses     int           // reps without exactly one message in their DM
	throttled  int           // 429 answers of the fake
	violations int           // posts the fake found too soon for its pace
	calls      int           // API calls
	postErrors int           // Posts that failed and were tried again
	postCalls  int           // chat.postMessage calls
	stats      Stats
}

// runReminderFanOut sends one reminder DM to each of reps reps from a pool
// of workers, against the fake Web API answering 429 to share % of calls
// and enforcing 1 post/s per channel and perMinute per workspace, all in
// simulated time. A failed Post is tried again, as the runner would once
// the lease ran out.
func runReminderFanOut(b *testing.B, reps, workers, perMinute int, faults func(testkit.Call) testkit.Fault) fanOut {
	b.Helper()
	clk := testkit.NewSimClock(testkit.Monday10)
	f, d := deliveryRig(b, clk, Config{PerChannel: time.Second, PerWorkspace: perMinute})
	f.SetPace(time.Second, perMinute)
	f.SetFaults(faults)

	jobs := make(chan int, reps)
	for i := range reps {
		jobs <- i
	}
	close(jobs)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs int
		last time.Time
	)
	ctx := context.Background()
	for range workers {
		clk.Go(&wg, func() {
			for i := range jobs {
				rep := fmt.Sprintf("U%04d", i)
				msg := slack.Msg{Text: "Pense à saisir ta journée", Blocks: slack.Blocks{BlockSet: []slack.Block{
					views.Section("Tu n'as pas encore saisi ta journée. *2 minutes* suffisent."),
				}}}
				for attempt := 0; ; attempt++ {
					_, err := d.Post(ctx, rep, msg, reminderOccurrence(rep))
					if err == nil {
						break
					}
					mu.Lock()
					errs++
					mu.Unlock()
					if attempt == 3 {
						b.Errorf("%s: %v", rep, err)
						break
					}
				}
				mu.Lock()
				if now := clk.Now(); now.After(last) {
					last = now
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	out := fanOut{
		simulated:  last.Sub(testkit.Monday10),
		throttled:  f.Throttles(),
		violations: f.PaceViolations(),
		calls:      f.CallCount(""),
		postCalls:  f.CallCount("chat.postMessage"),
		postErrors: errs,
		stats:      d.Stats(),
	}
	byOccurrence := map[string]int{}
	byRep := map[string]int{}
	for _, m := range f.Posted() {
		id := m.Occurrence()
		byOccurrence[id]++
		if byOccurrence[id] > 1 {
			out.duplicates++
		}
		if id == reminderOccurrence("U"+m.Channel[1:]) {
			byRep[m.Channel]++
		}
	}
	for i := range reps {
		if byRep[testkit.DM(fmt.Sprintf("U%04d", i))] != 1 {
			out.losses++
		}
	}
	return out
}

// BenchmarkReminderFanOut sends the check-in reminder to 1,000 reps, each
// a DM (conversations.open, the occurrence lookup, chat.postMessage),
// through 50 workers, against a fake Slack that allows 1 message per
// second per channel and 600 per minute in the workspace and answers 429
// (Retry-After: 1) to 5% of calls. Time is simulated, so it runs in
// seconds; sim-min is the simulated time of the whole fan-out, theory-min
// the floor the workspace budget sets (1000/600 minutes).
func BenchmarkReminderFanOut(b *testing.B) {
	benchmarkFanOut(b, testkit.RateLimitShare(5, 1))
}

// BenchmarkReminderFanOutDroppedConnections is the same fan-out where, on
// top of the 429s, 1% of chat.postMessage calls lose their connection
// after the request was read, half of them after the message landed. The
// failed Posts are tried again; the lookup must find the landed ones.
func BenchmarkReminderFanOutDroppedConnections(b *testing.B) {
	limited := testkit.RateLimitShare(5, 1)
	benchmarkFanOut(b, func(c testkit.Call) testkit.Fault {
		if c.Method == "chat.postMessage" {
			h := fnv.New32a()
			fmt.Fprintf(h, "drop-%d", c.MethodN)
			if v := h.Sum32() % 200; v < 2 {
				return testkit.Fault{Drop: true, Record: v == 0}
			}
		}
		return limited(c)
	})
}

func benchmarkFanOut(b *testing.B, faults func(testkit.Call) testkit.Fault) {
	const reps, workers, perMinute = 1000, 50, 600
	var r fanOut
	for b.Loop() {
		r = runReminderFanOut(b, reps, workers, perMinute, faults)
		if r.duplicates != 0 || r.losses != 0 {
			b.Fatalf("%d duplicates, %d losses: want none", r.duplicates, r.losses)
		}
	}
	theory := float64(reps) / perMinute
	sim := r.simulated.Minutes()
	b.ReportMetric(sim, "sim-min")
	b.ReportMetric(theory, "theory-min")
	b.ReportMetric(sim/theory, "sim/theory")
	b.ReportMetric(float64(r.duplicates), "duplicates")
	b.ReportMetric(float64(r.losses), "losses")
	b.ReportMetric(float64(r.throttled), "429s")
	b.ReportMetric(float64(r.violations), "pace-violations")
	b.ReportMetric(float64(r.calls)/reps, "calls/rep")
	b.Logf("simulated %v for %d reps (floor %v); %d calls (%d chat.postMessage), %d answered 429, %d pace violations; %d failed Posts tried again; stats %+v",
		r.simulated.Round(time.Millisecond), reps, time.Duration(theory*float64(time.Minute)).Round(time.Millisecond),
		r.calls, r.postCalls, r.throttled, r.violations, r.postErrors, r.stats)
}
