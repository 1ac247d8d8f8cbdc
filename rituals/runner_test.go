package rituals

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kpibot/kpibot/storage"
	"github.com/kpibot/kpibot/storage/storagetest"
)

// clock is the fake clock all replicas of a simulation share.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// slackMessage is one message the fake Slack holds.
type slackMessage struct {
	Occurrence string
	Job        Job
	Posted     time.Time
	Holder     string
	TS         string
}

// String says what was posted, to whom, and when on the recipient's clock.
func (m slackMessage) String() string {
	to := m.Job.Target
	if to == "" {
		to = m.Job.Team
	}
	return fmt.Sprintf("%s %s %s", m.Job.Ritual, to, local(m.Posted, m.Job.Schedule.Loc))
}

// fakeSlack stands in for Slack. It keeps each message's occurrence ID, as
// the real message metadata does, and honours the Poster contract: a post
// for an occurrence it already holds returns that message's ts.
type fakeSlack struct {
	clock *clock

	mu           sync.Mutex
	messages     []slackMessage
	byOccurrence map[string]string
	calls        int
}

func (s *fakeSlack) post(job Job, id, holder string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if ts, ok := s.byOccurrence[id]; ok {
		return ts // found by its metadata: not posted again
	}
	now := s.clock.Now()
	ts := fmt.Sprintf("%d.%06d", now.Unix(), len(s.messages)+1)
	s.messages = append(s.messages, slackMessage{Occurrence: id, Job: job, Posted: now, Holder: holder, TS: ts})
	s.byOccurrence[id] = ts
	return ts
}

func (s *fakeSlack) snapshot() (msgs []slackMessage, calls int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages), s.calls
}

// poster is one replica's Poster on the shared fake Slack; fail, when set,
// can make a call fail before anything is posted.
type poster struct {
	slack  *fakeSlack
	holder string
	fail   func(id string) error
}

func (p *poster) Post(_ context.Context, job Job, id string, _ time.Time) (string, error) {
	if p.fail != nil {
		if err := p.fail(id); err != nil {
			return "", err
		}
	}
	return p.slack.post(job, id, p.holder), nil
}

// markCrasher makes MarkOccurrenceDone fail as a replica that dies right
// after posting would.
type markCrasher struct {
	Claimer
	fail func(id string) error
}

func (m markCrasher) MarkOccurrenceDone(ctx context.Context, id, holder, ts string, now time.Time) error {
	if err := m.fail(id); err != nil {
		return err
	}
	return m.Claimer.MarkOccurrenceDone(ctx, id, holder, ts, now)
}

// replica is one Runner of a simulation. A dead replica stops ticking.
type replica struct {
	name   string
	runner *Runner
	poster *poster
	dead   atomic.Bool
	report TickReport
}

func (r *replica) add(rep TickReport) {
	r.report.Posted += rep.Posted
	r.report.Skipped += rep.Skipped
	r.report.LostClaims += rep.LostClaims
	r.report.Failed += rep.Failed
}

// sim is several replicas sharing one in-memory store, one fake Slack and
// one fake clock.
type sim struct {
	t        *testing.T
	store    *storage.Store
	clock    *clock
	slack    *fakeSlack
	replicas []*replica
}

func newSim(t *testing.T, holders ...string) *sim {
	t.Helper()
	return newSimOn(t, storagetest.Open(t), holders...)
}

// newSimOn is newSim on a given store, for the tests that run on every
// engine.
func newSimOn(t *testing.T, st *storage.Store, holders ...string) *sim {
	t.Helper()
	c := &clock{}
	s := &sim{t: t, store: st, clock: c, slack: &fakeSlack{clock: c, byOccurrence: map[string]string{}}}
	for _, h := range holders {
		p := &poster{slack: s.slack, holder: h}
		s.replicas = append(s.replicas, &replica{name: h, poster: p, runner: &Runner{
			Claimer: st,
			Poster:  p,
			Holder:  h,
			Now:     c.Now,
			Logger:  slog.New(slog.DiscardHandler),
		}})
	}
	return s
}

// once returns a hook that fails its first call; with kill, the replica
// dies with it, as a crash would take it down.
func once(r *replica, what string, kill bool) func(string) error {
	var done atomic.Bool
	return func(string) error {
		if done.Swap(true) {
			return nil
		}
		if kill {
			r.dead.Store(true)
		}
		return fmt.Errorf("%s: %s", r.name, what)
	}
}

// run steps the clock from from (inclusive) to to (exclusive), and at each
// step ticks every live replica, in turn or all at once.
func (s *sim) run(jobs []Job, from, to time.Time, step time.Duration, concurrent bool) {
	ctx := context.Background()
	for now := from; now.Before(to); now = now.Add(step) {
		s.clock.Set(now)
		if !concurrent {
			for _, r := range s.replicas {
				if !r.dead.Load() {
					r.add(r.runner.Tick(ctx, jobs))
				}
			}
			continue
		}
		var wg sync.WaitGroup
		for _, r := range s.replicas {
			if !r.dead.Load() {
				wg.Go(func() { r.add(r.runner.Tick(ctx, jobs)) })
			}
		}
		wg.Wait()
	}
}

func (s *sim) total() TickReport {
	var t TickReport
	for _, r := range s.replicas {
		t.Posted += r.report.Posted
		t.Skipped += r.report.Skipped
		t.LostClaims += r.report.LostClaims
		t.Failed += r.report.Failed
	}
	return t
}

func (s *sim) occurrence(id string) storage.Occurrence {
	s.t.Helper()
	o, err := s.store.Occurrence(context.Background(), id)
	if err != nil {
		s.t.Fatalf("Occurrence(%s): %v", id, err)
	}
	return o
}

// teamJobs is one team's rituals on their defaults: the manager's digest,
// the Monday review, and the reminders of a rep in Paris and one in New
// York, on the workspace's French holidays.
func teamJobs(t *testing.T, holidays Holidays) []Job {
	job := func(r Ritual, target string, loc *time.Location) Job {
		return Job{Workspace: "T1", Team: "M1", Ritual: r, Target: target, Schedule: mustSchedule(t, DefaultSpec(r), loc), Grace: DefaultGrace(r), Holidays: holidays}
	}
	return []Job{job(Digest, "", paris), job(Review, "", paris), job(Reminder, "U1", paris), job(Reminder, "U2", newYork)}
}

// dailyJob runs at 02:30 in Paris every day, to cross the DST changes.
func dailyJob(t *testing.T) []Job {
	return []Job{{Workspace: "T1", Team: "M1", Ritual: Digest, Schedule: mustSchedule(t, "daily 02:30", paris), Grace: 6 * time.Hour}}
}

// TestRunnerWeek runs three replicas over a week of simulated time, the
// clock stepping every minute, and checks that every occurrence is posted
// exactly once, when and to whom it should be.
func TestRunnerWeek(t *testing.T) {
	weekdays := func(to string, zone string, days ...string) []string {
		var out []string
		for _, d := range days {
			out = append(out, fmt.Sprintf("reminder %s %s 17:30 %s", to, d, zone))
		}
		return out
	}
	nov := []string{"Mon 2026-11-23", "Tue 2026-11-24", "Wed 2026-11-25", "Thu 2026-11-26", "Fri 2026-11-27"}
	may := []string{"Mon 2026-05-11", "Tue 2026-05-12", "Wed 2026-05-13", "Fri 2026-05-15"}
	novWeek := slices.Concat(
		[]string{"digest M1 Mon 2026-11-23 08:00 CET", "review M1 Mon 2026-11-23 09:30 CET"},
		weekdays("U1", "CET", nov...), weekdays("U2", "EST", nov...))
	tests := []struct {
		name        string
		jobs        []Job
		monday      time.Time
		concurrent  bool
		want        []string
		wantSkipped []string // occurrence IDs skipped for a holiday
	}{
		{name: "in turn", jobs: teamJobs(t, FrenchHolidays(2026)), monday: at(2026, time.November, 23, 0, 0), want: novWeek},
		{name: "concurrently", jobs: teamJobs(t, FrenchHolidays(2026)), monday: at(2026, time.November, 23, 0, 0), concurrent: true, want: novWeek},
		{
			name: "Ascension week", jobs: teamJobs(t, FrenchHolidays(2026)), monday: at(2026, time.May, 11, 0, 0),
			want: slices.Concat(
				[]string{"digest M1 Mon 2026-05-11 08:00 CEST", "review M1 Mon 2026-05-11 09:30 CEST"},
				weekdays("U1", "CEST", may...), weekdays("U2", "EDT", may...)),
			wantSkipped: []string{"T1/M1/reminder/2026-05-14/U1", "T1/M1/reminder/2026-05-14/U2"},
		},
		{
			name: "spring-forward week: 02:30 does not exist on Sunday", jobs: dailyJob(t), monday: at(2026, time.March, 23, 0, 0),
			want: []string{
				"digest M1 Mon 2026-03-23 02:30 CET", "digest M1 Tue 2026-03-24 02:30 CET", "digest M1 Wed 2026-03-25 02:30 CET",
				"digest M1 Thu 2026-03-26 02:30 CET", "digest M1 Fri 2026-03-27 02:30 CET", "digest M1 Sat 2026-03-28 02:30 CET",
			},
		},
		{
			name: "fall-back week: 02:30 happens twice on Sunday, posted once", jobs: dailyJob(t), monday: at(2026, time.October, 19, 0, 0), concurrent: true,
			want: []string{
				"digest M1 Mon 2026-10-19 02:30 CEST", "digest M1 Tue 2026-10-20 02:30 CEST", "digest M1 Wed 2026-10-21 02:30 CEST",
				"digest M1 Thu 2026-10-22 02:30 CEST", "digest M1 Fri 2026-10-23 02:30 CEST", "digest M1 Sat 2026-10-24 02:30 CEST",
				"digest M1 Sun 2026-10-25 02:30 CEST",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, "A", "B", "C")
			s.run(tt.jobs, tt.monday, tt.monday.AddDate(0, 0, 7), time.Minute, tt.concurrent)

			msgs, calls := s.slack.snapshot()
			got := make([]string, len(msgs))
			for i, m := range msgs {
				got[i] = m.String()
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tt.want))
			if !slices.Equal(got, want) {
				t.Fatalf("posted:\n%q\nwant:\n%q", got, want)
			}
			if calls != len(msgs) {
				t.Errorf("Post called %d times for %d messages", calls, len(msgs))
			}
			for _, m := range msgs {
				if o := s.occurrence(m.Occurrence); o.State != storage.OccurrenceDone || o.MessageTS != m.TS || o.Attempts != 1 || o.Holder != m.Holder {
					t.Errorf("occurrence %s = %+v, want done by %s with ts %s", m.Occurrence, o, m.Holder, m.TS)
				}
			}
			for _, id := range tt.wantSkipped {
				if o := s.occurrence(id); o.State != storage.OccurrenceSkipped || o.Reason != ReasonHoliday {
					t.Errorf("occurrence %s = %+v, want skipped for a holiday", id, o)
				}
			}
			// Every replica records a holiday skip (it is idempotent) and
			// each of the two losers loses each claim once.
			wantReport := TickReport{Posted: len(msgs), Skipped: 3 * len(tt.wantSkipped), LostClaims: 2 * len(msgs)}
			if total := s.total(); total != wantReport {
				t.Errorf("reports add up to %+v, want %+v", total, wantReport)
			}
		})
	}
}

// TestRunnerCrashes injects a crash into replica A at its first occurrence
// and checks that B finishes it after the lease, with exactly one message.
func TestRunnerCrashes(t *testing.T) {
	digest, reminder := teamJobs(t, nil)[0], teamJobs(t, nil)[2]
	mon := func(hh, mm int) time.Time { return at(2026, time.November, 23, hh, mm) }
	tests := []struct {
		name  string
		job   Job
		from  time.Time
		crash func(s *sim, a *replica)
		// what must be true at the end
		wantPosted   string // local time of the one message
		wantPoster   string // replica that posted it
		wantHolder   string // replica that marked it done
		wantCalls    int    // Post calls that reached Slack
		wantFailedA  int
		wantAttempts int
	}{
		{
			name: "between claim and post", job: digest, from: mon(7, 58),
			crash:      func(_ *sim, a *replica) { a.poster.fail = once(a, "crashed before posting", true) },
			wantPosted: "Mon 2026-11-23 08:02 CET", wantPoster: "B", wantHolder: "B", wantCalls: 1, wantFailedA: 1, wantAttempts: 2,
		},
		{
			name: "between claim and post, reminder with no grace", job: reminder, from: mon(17, 28),
			crash:      func(_ *sim, a *replica) { a.poster.fail = once(a, "crashed before posting", true) },
			wantPosted: "Mon 2026-11-23 17:32 CET", wantPoster: "B", wantHolder: "B", wantCalls: 1, wantFailedA: 1, wantAttempts: 2,
		},
		{
			name: "between post and mark", job: digest, from: mon(7, 58),
			crash: func(s *sim, a *replica) {
				a.runner.Claimer = markCrasher{Claimer: s.store, fail: once(a, "crashed before marking", true)}
			},
			// A's message stands; B's Post finds it by its metadata.
			wantPosted: "Mon 2026-11-23 08:00 CET", wantPoster: "A", wantHolder: "B", wantCalls: 2, wantFailedA: 1, wantAttempts: 2,
		},
		{
			name: "post fails once, the replica lives and retries", job: digest, from: mon(7, 58),
			crash:      func(_ *sim, a *replica) { a.poster.fail = once(a, "slack unavailable", false) },
			wantPosted: "Mon 2026-11-23 08:02 CET", wantPoster: "A", wantHolder: "A", wantCalls: 1, wantFailedA: 1, wantAttempts: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, "A", "B", "C")
			a := s.replicas[0]
			tt.crash(s, a)
			s.run([]Job{tt.job}, tt.from, tt.from.Add(15*time.Minute), time.Minute, false)

			msgs, calls := s.slack.snapshot()
			if len(msgs) != 1 {
				t.Fatalf("%d messages, want exactly 1: %v", len(msgs), msgs)
			}
			m := msgs[0]
			if got := local(m.Posted, paris); got != tt.wantPosted || m.Holder != tt.wantPoster || calls != tt.wantCalls {
				t.Errorf("message posted %s by %s after %d calls, want %s by %s after %d", got, m.Holder, calls, tt.wantPosted, tt.wantPoster, tt.wantCalls)
			}
			o := s.occurrence(m.Occurrence)
			if o.State != storage.OccurrenceDone || o.Holder != tt.wantHolder || o.MessageTS != m.TS || o.Attempts != tt.wantAttempts {
				t.Errorf("occurrence = %+v, want done by %s with ts %s after %d attempts", o, tt.wantHolder, m.TS, tt.wantAttempts)
			}
			if a.report.Failed != tt.wantFailedA || s.total().Failed != tt.wantFailedA {
				t.Errorf("failures: A %d, all %d; want %d, all A's", a.report.Failed, s.total().Failed, tt.wantFailedA)
			}
			if s.total().Posted != 1 {
				t.Errorf("replicas report %d posts, want 1", s.total().Posted)
			}
		})
	}
}

// TestRunnerCatchUp restarts or pauses a single replica around the Monday
// 08:00 digest.
func TestRunnerCatchUp(t *testing.T) {
	digest := teamJobs(t, nil)[0]
	id := digest.OccurrenceID(at(2026, time.November, 23, 8, 0))
	mon := func(hh, mm int) time.Time { return at(2026, time.November, 23, hh, mm) }
	tests := []struct {
		name       string
		ticks      []time.Time
		want       TickReport
		wantState  string // "" when nothing is recorded
		wantReason string
	}{
		{"restart at 10:00, inside grace: caught up", []time.Time{mon(10, 0)}, TickReport{Posted: 1}, storage.OccurrenceDone, ""},
		{"paused 07:00 to 15:00, outside grace: skipped", []time.Time{mon(7, 0), mon(15, 0)}, TickReport{Skipped: 1}, storage.OccurrenceSkipped, ReasonOutsideGrace},
		// Without LookBackTo a new Runner looks back one grace window only,
		// so it never sees an older run; nothing is recorded for it.
		{"restart at 15:00, outside grace: not seen", []time.Time{mon(15, 0)}, TickReport{}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, "A")
			var rep TickReport
			for _, now := range tt.ticks {
				s.clock.Set(now)
				r := s.replicas[0].runner.Tick(context.Background(), []Job{digest})
				rep.Posted += r.Posted
				rep.Skipped += r.Skipped
				rep.LostClaims += r.LostClaims
				rep.Failed += r.Failed
			}
			if rep != tt.want {
				t.Errorf("report = %+v, want %+v", rep, tt.want)
			}
			o, err := s.store.Occurrence(context.Background(), id)
			if tt.wantState == "" {
				if !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("occurrence = %+v, %v; want none", o, err)
				}
				return
			}
			if err != nil || o.State != tt.wantState || o.Reason != tt.wantReason {
				t.Errorf("occurrence = %+v, %v; want %s (%q)", o, err, tt.wantState, tt.wantReason)
			}
		})
	}
}

// TestRunnerLooksBackToRecordDowntime restarts a replica that was down
// since Sunday: with LookBackTo, Monday's digest, missed outside its grace
// window, is recorded as skipped instead of vanishing.
func TestRunnerLooksBackToRecordDowntime(t *testing.T) {
	digest := teamJobs(t, nil)[0]
	id := digest.OccurrenceID(at(2026, time.November, 23, 8, 0))
	for _, restart := range []time.Time{at(2026, time.November, 23, 15, 0), at(2026, time.November, 27, 9, 0)} {
		s := newSim(t, "A")
		s.clock.Set(restart)
		r := s.replicas[0].runner
		r.LookBackTo = at(2026, time.November, 22, 12, 0) // when the bot went down
		if rep := r.Tick(context.Background(), []Job{digest}); rep.Skipped != 1 || rep.Posted != 0 {
			t.Errorf("restart %v: report %+v, want one skip", restart, rep)
		}
		o, err := s.store.Occurrence(context.Background(), id)
		if err != nil || o.State != storage.OccurrenceSkipped || o.Reason != ReasonOutsideGrace {
			t.Errorf("restart %v: occurrence %+v, %v", restart, o, err)
		}
	}
}

// TestRunnerAbandons has a lone replica whose posts always fail: it
// retries after each lease until one lease past the grace window, then
// records the occurrence as skipped.
func TestRunnerAbandons(t *testing.T) {
	s := newSim(t, "A")
	a := s.replicas[0]
	a.poster.fail = func(string) error { return errors.New("slack down") }
	reminder := teamJobs(t, nil)[2]
	s.run([]Job{reminder}, at(2026, time.November, 23, 17, 29), at(2026, time.November, 23, 17, 45), time.Minute, false)

	if want := (TickReport{Failed: 2, Skipped: 1}); a.report != want {
		t.Errorf("report = %+v, want %+v (posts failed at 17:30 and 17:32, given up at 17:34)", a.report, want)
	}
	o := s.occurrence(reminder.OccurrenceID(at(2026, time.November, 23, 17, 30)))
	if o.State != storage.OccurrenceSkipped || o.Reason != ReasonOutsideGrace || o.Attempts != 2 {
		t.Errorf("occurrence = %+v, want skipped outside grace after 2 attempts", o)
	}
}

// cancelAfterClaim stands for a shutdown signal arriving right after a
// claim is won, before the post.
type cancelAfterClaim struct {
	*storage.Store
	cancel context.CancelFunc
}

func (c cancelAfterClaim) ClaimOccurrence(ctx context.Context, workspace, id, holder string, now time.Time, lease time.Duration) (storage.Occurrence, error) {
	o, err := c.Store.ClaimOccurrence(ctx, workspace, id, holder, now, lease)
	c.cancel()
	return o, err
}

// TestRunnerReleasesOnShutdown checks that a replica shutting down between
// claim and post hands the claim back, so another posts it at once.
func TestRunnerReleasesOnShutdown(t *testing.T) {
	s := newSim(t, "A", "B")
	a, b := s.replicas[0], s.replicas[1]
	ctx, cancel := context.WithCancel(context.Background())
	a.runner.Claimer = cancelAfterClaim{Store: s.store, cancel: cancel}
	digest := teamJobs(t, nil)[0]
	s.clock.Set(at(2026, time.November, 23, 8, 0))

	if rep := a.runner.Tick(ctx, []Job{digest}); rep != (TickReport{}) {
		t.Errorf("A's report = %+v, want nothing done", rep)
	}
	if rep := b.runner.Tick(context.Background(), []Job{digest}); rep != (TickReport{Posted: 1}) {
		t.Errorf("B's report = %+v, want one post", rep)
	}
	o := s.occurrence(digest.OccurrenceID(at(2026, time.November, 23, 8, 0)))
	if o.State != storage.OccurrenceDone || o.Holder != "B" || o.Attempts != 2 {
		t.Errorf("occurrence = %+v, want done by B on the second claim", o)
	}
}

// Three replicas claiming the same occurrences at once post each exactly
// once on every engine, not only on the in-memory one: the journaled
// embedded store, and MongoDB when TEST_MONGODB_URI is set.
func TestReplicasPostOnceOnEveryEngine(t *testing.T) {
	monday := at(2026, time.November, 23, 0, 0)
	for name, st := range storagetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			s := newSimOn(t, st, "A", "B", "C")
			s.run(teamJobs(t, FrenchHolidays(2026)), monday, monday.AddDate(0, 0, 2), time.Minute, true)
			msgs, _ := s.slack.snapshot()
			seen := map[string]int{}
			for _, m := range msgs {
				seen[m.String()]++
			}
			for m, n := range seen {
				if n != 1 {
					t.Errorf("%s posted %d times", m, n)
				}
			}
			if len(seen) != 6 { // digest, review, and two reps on two days
				t.Errorf("posted %d distinct messages, want 6: %v", len(seen), seen)
			}
		})
	}
}

// TestRunnerObserves checks what metrics are told: each occurrence once,
// with its ritual, on time, caught up with its lag, failed, or skipped.
func TestRunnerObserves(t *testing.T) {
	digest := teamJobs(t, nil)[0]
	mon := func(hh, mm int) time.Time { return at(2026, time.November, 23, hh, mm) }
	observed := func(s *sim) *[]Outcome {
		var got []Outcome
		s.replicas[0].runner.Observe = func(o Outcome) { got = append(got, o) }
		return &got
	}

	s := newSim(t, "A")
	got := observed(s)
	s.clock.Set(mon(8, 0))
	s.replicas[0].runner.Tick(context.Background(), []Job{digest})
	if len(*got) != 1 || (*got)[0] != (Outcome{Ritual: Digest, Kind: OutcomePosted, Scheduled: mon(8, 0), Lag: 0}) {
		t.Errorf("on time: %+v", *got)
	}

	s = newSim(t, "A")
	got = observed(s)
	s.clock.Set(mon(10, 0))
	s.replicas[0].runner.Tick(context.Background(), []Job{digest})
	if len(*got) != 1 || (*got)[0].Kind != OutcomeCaughtUp || (*got)[0].Lag != 2*time.Hour {
		t.Errorf("restart at 10:00: %+v, want caught up 2h late", *got)
	}

	s = newSim(t, "A")
	got = observed(s)
	s.replicas[0].poster.fail = func(string) error { return errors.New("slack down") }
	reminder := teamJobs(t, nil)[2]
	s.run([]Job{reminder}, at(2026, time.November, 23, 17, 29), at(2026, time.November, 23, 17, 45), time.Minute, false)
	var kinds []string
	for _, o := range *got {
		if o.Ritual != Reminder {
			t.Errorf("ritual %q, want reminder", o.Ritual)
		}
		kinds = append(kinds, o.Kind)
	}
	if want := []string{OutcomeFailed, OutcomeFailed, OutcomeSkipped}; !slices.Equal(kinds, want) {
		t.Errorf("failing posts: %v, want %v", kinds, want)
	}
}

// A permanent failure is tried once, logged once and recorded as skipped
// with its reason; a transient one keeps being retried.
func TestRunnerStopsOnPermanentFailure(t *testing.T) {
	s := newSim(t, "A")
	a := s.replicas[0]
	var logs syncBuffer
	a.runner.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	var calls atomic.Int32
	a.poster.fail = func(id string) error {
		calls.Add(1)
		return fmt.Errorf("post: %w", &PermanentError{Reason: "is_archived", Err: errors.New("is_archived")})
	}
	var stopped []string
	a.runner.Observe = func(o Outcome) {
		if o.Kind == OutcomeStopped {
			stopped = append(stopped, o.Reason)
		}
	}
	review := teamJobs(t, nil)[1]
	s.run([]Job{review}, at(2026, time.November, 23, 9, 59), at(2026, time.November, 23, 16, 0), time.Minute, false)

	if calls.Load() != 1 {
		t.Errorf("posted %d times, want once: a permanent failure is not retried", calls.Load())
	}
	o := s.occurrence(review.OccurrenceID(at(2026, time.November, 23, 10, 0)))
	if o.State != storage.OccurrenceSkipped || o.Reason != "slack: is_archived" {
		t.Errorf("occurrence = %+v, want skipped for is_archived", o)
	}
	if n := strings.Count(logs.String(), "refused for good"); n != 1 || len(stopped) != 1 || stopped[0] != "is_archived" {
		t.Errorf("logged %d times, observed %v:\n%s", n, stopped, logs.String())
	}
}

// A revoked token pauses the whole workspace: its other occurrences are
// skipped without a post until PermanentPause is over, then tried again.
func TestRunnerPausesAWorkspaceWhoseTokenFailed(t *testing.T) {
	s := newSim(t, "A")
	a := s.replicas[0]
	var logs syncBuffer
	a.runner.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	var calls atomic.Int32
	revoked := true
	a.poster.fail = func(id string) error {
		calls.Add(1)
		if revoked {
			return &PermanentError{Workspace: true, Reason: "token_revoked", Err: errors.New("token_revoked")}
		}
		return nil
	}
	jobs := teamJobs(t, nil) // the digest at 08:00, the review at 10:00 on Monday
	s.run(jobs, at(2026, time.November, 23, 7, 59), at(2026, time.November, 23, 8, 30), time.Minute, false)
	if calls.Load() != 1 {
		t.Fatalf("%d posts, want the digest's only", calls.Load())
	}
	revoked = false // reinstalled
	s.run(jobs, at(2026, time.November, 23, 8, 30), at(2026, time.November, 23, 10, 30), time.Minute, false)
	if calls.Load() != 2 {
		t.Errorf("%d posts, want the review's after the pause", calls.Load())
	}
	if n := strings.Count(logs.String(), "refused for good"); n != 1 || !strings.Contains(logs.String(), "works again") {
		t.Errorf("logs:\n%s", logs.String())
	}
}

// A transient failure keeps being retried inside the grace window.
func TestRunnerRetriesTransientFailures(t *testing.T) {
	s := newSim(t, "A")
	a := s.replicas[0]
	var calls atomic.Int32
	a.poster.fail = func(string) error {
		if calls.Add(1) < 4 {
			return errors.New("slack: 503")
		}
		return nil
	}
	digest := teamJobs(t, nil)[0]
	s.run([]Job{digest}, at(2026, time.November, 23, 7, 59), at(2026, time.November, 23, 8, 30), time.Minute, false)
	if o := s.occurrence(digest.OccurrenceID(at(2026, time.November, 23, 8, 0))); o.State != storage.OccurrenceDone || calls.Load() != 4 {
		t.Errorf("occurrence %+v after %d calls", o, calls.Load())
	}
}

// The first claim's Post learns it is attempt 1; a retry, a later one.
func TestRunnerTellsPostItsAttempt(t *testing.T) {
	s := newSim(t, "A")
	a := s.replicas[0]
	var attempts []int
	a.runner.Poster = posterFunc(func(ctx context.Context, job Job, id string, _ time.Time) (string, error) {
		attempts = append(attempts, Attempt(ctx))
		if len(attempts) == 1 {
			return "", errors.New("timeout")
		}
		return "1.2", nil
	})
	digest := teamJobs(t, nil)[0]
	s.run([]Job{digest}, at(2026, time.November, 23, 7, 59), at(2026, time.November, 23, 8, 10), time.Minute, false)
	if !slices.Equal(attempts, []int{1, 2}) {
		t.Errorf("attempts %v, want [1 2]", attempts)
	}
}

type posterFunc func(ctx context.Context, job Job, id string, at time.Time) (string, error)

func (f posterFunc) Post(ctx context.Context, job Job, id string, at time.Time) (string, error) {
	return f(ctx, job, id, at)
}

// syncBuffer is a log buffer safe for the runner's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// A post that hangs holds up its own team only: the Tick's other teams
// post while it waits.
func TestRunnerHungPostDelaysItsJobOnly(t *testing.T) {
	s := newSim(t, "A")
	a := s.replicas[0]
	release := make(chan struct{})
	others := make(chan string, 8)
	a.runner.Poster = posterFunc(func(ctx context.Context, job Job, id string, _ time.Time) (string, error) {
		if job.Target == "U1" {
			<-release // hangs until every other job posted
			return "1.1", nil
		}
		others <- job.Target
		return "1.2", nil
	})
	var jobs []Job
	for i, rep := range []string{"U1", "U2", "U3", "U4"} {
		jobs = append(jobs, Job{Workspace: "T1", Team: fmt.Sprintf("M%d", i), Ritual: Reminder, Target: rep, Schedule: mustSchedule(t, DefaultSpec(Reminder), paris)})
	}
	s.clock.Set(at(2026, time.November, 23, 17, 30))
	done := make(chan TickReport)
	go func() { done <- a.runner.Tick(context.Background(), jobs) }()
	for range 3 {
		<-others
	}
	close(release)
	if rep := <-done; rep.Posted != 4 {
		t.Fatalf("report %+v, want 4 posts", rep)
	}
}
