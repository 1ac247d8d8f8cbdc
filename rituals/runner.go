package rituals

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kpibot/kpibot/storage"
)

// DefaultConcurrency is how many jobs a Tick works on at once when
// Runner.Concurrency is zero: enough for Slack's workspace-wide post rate
// at a call's usual latency, few enough to stay far below any tier.
const DefaultConcurrency = 16

// DefaultLease is how long a claim lasts when Runner.Lease is zero: long
// enough for a Slack post with its retries, short enough that a replica's
// death delays a ritual by minutes only.
const DefaultLease = 2 * time.Minute

// Claimer is what the runner needs from storage (implemented by
// *storage.Store). A lost claim is reported as storage.ErrClaimed; when it
// is a *storage.ClaimError, the runner also learns whether the occurrence
// is final and when a live lease ends, so it neither retries finished work
// nor polls a live claim.
type Claimer interface {
	ClaimOccurrence(ctx context.Context, workspace, id, holder string, now time.Time, lease time.Duration) (storage.Occurrence, error)
	MarkOccurrenceDone(ctx context.Context, id, holder, messageTS string, now time.Time) error
	SkipOccurrence(ctx context.Context, workspace, id, reason string, now time.Time) error
}

// releaser is the optional part of a Claimer used on shutdown; a Claimer
// without it just lets the lease run out.
type releaser interface {
	ReleaseOccurrence(ctx context.Context, id, holder string) error
}

// Job is one scheduled ritual for one workspace and team, or for one rep
// of the team when Target is set (reminders follow each rep's timezone, so
// each rep is a job with a schedule in the rep's zone).
type Job struct {
	Workspace, Team string
	Ritual          Ritual
	// Target is the rep of a per-rep ritual; empty for team rituals.
	Target   string
	Schedule Schedule
	Grace    time.Duration
	Holidays Holidays
}

// OccurrenceID returns the exactly-once key of the job's run at at.
func (j Job) OccurrenceID(at time.Time) string {
	return OccurrenceID(j.Workspace, j.Team, j.Ritual, period(at, j.Schedule.Loc, j.Target))
}

// key identifies the job across ticks, whatever its schedule, so editing a
// schedule does not restart its catch-up window.
func (j Job) key() string {
	return OccurrenceID(j.Workspace, j.Team, j.Ritual, j.Target)
}

// window is how long after its time a run may still start.
func (j Job) window() time.Duration { return max(j.Grace, Tolerance) }

// Poster performs an occurrence and returns the Slack ts of its message.
//
// Post must be safe to call again for the same occurrenceID after a crash
// between post and mark: the runner cannot tell "posted, then died" from
// "died before posting", so after a lease expires it calls Post again.
// Implementations put occurrenceID in the message metadata and, before
// posting, look for a message of the bot carrying it in the target
// conversation; when they find one they return its ts without posting.
type Poster interface {
	Post(ctx context.Context, job Job, occurrenceID string, at time.Time) (ts string, err error)
}

// PermanentError is a Post failure that no retry can fix: the workspace's
// token is revoked, the channel is gone or archived, the bot is not in
// it. The runner does not retry it: it records the occurrence as skipped
// with Reason, logs the first such failure of its scope once, and, when
// Workspace is set, posts nothing more for that workspace for
// PermanentPause (its due occurrences are skipped for the same reason).
// Posters wrap such failures in it; every other error is transient and
// retried inside the grace window.
type PermanentError struct {
	// Workspace says the whole workspace is concerned (its token), not
	// only the job's conversation.
	Workspace bool
	// Reason is what went wrong, in a word: Slack's error code.
	Reason string
	Err    error
}

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// PermanentPause is how long a workspace whose Post failed for good gets
// no more posts before one is tried again: an admin may reinstall the app.
const PermanentPause = time.Hour

// failer is the optional part of a Claimer that records a claimed
// occurrence as skipped by its holder (a permanent failure); without it
// the claim is left to expire, and the occurrence is skipped when its
// grace window ends.
type failer interface {
	FailOccurrence(ctx context.Context, id, holder, reason string, now time.Time) error
}

// Runner runs due occurrences of jobs, one replica of possibly several
// sharing one store. Its zero value is not usable: Claimer, Poster and
// Holder are required. A Runner keeps, per job, where its last Tick left
// off and which occurrences it is waiting on; Tick calls are serialised.
type Runner struct {
	Claimer Claimer
	Poster  Poster
	// Holder names this replica in claims; it must differ between replicas.
	Holder string
	// Lease is how long a claim lasts before another replica may take it
	// over; DefaultLease when zero. Post is cut off just before it ends.
	Lease time.Duration
	// Now is the clock; time.Now when nil. Tests inject a fake one.
	Now func() time.Time
	// Logger gets skips, failures and posts; slog.Default() when nil.
	Logger *slog.Logger
	// LookBackTo is how far back the first Tick looks for runs of rituals
	// that have a grace window: runs inside it are caught up, older ones
	// recorded as skipped and logged, so downtime leaves a trace. Zero
	// looks back one grace window. Reminders are never looked back on: a
	// missed reminder is simply not sent.
	LookBackTo time.Time
	// Observe, when set, is told of each occurrence a Tick counts as
	// posted, skipped or failed, with its ritual, from inside the Tick
	// (one call at a time): what metrics count by ritual. It must not
	// block.
	Observe func(Outcome)
	// Concurrency is how many teams a Tick works on at once, so that a
	// slow or hung post holds up its own team only; DefaultConcurrency
	// when zero. The Poster keeps Slack's pace per channel and workspace.
	Concurrency int
	// Go starts one of a Tick's workers; wg.Go when nil. Tests on
	// simulated time start them on their clock.
	Go func(wg *sync.WaitGroup, f func())

	mu   sync.Mutex
	jobs map[string]*jobState
	// byTeam holds the keys of each team's jobs, so a TickTeams forgets
	// the jobs of the teams it lists only.
	byTeam map[TeamRef]map[string]bool
	// busy holds the teams with pending occurrences after the last Tick
	// that listed them.
	busy map[TeamRef]bool
	// smu guards stopped, paused and calls to Observe, which the Tick's
	// workers share.
	smu sync.Mutex
	// stopped holds, by workspace or by job, the permanent failure
	// already logged, until a post there succeeds again.
	stopped map[string]string
	// paused holds workspaces whose token failed for good, until when.
	paused map[string]time.Time
}

// jobState is what a Runner remembers about one job between ticks.
type jobState struct {
	last    time.Time           // runs up to here were decided
	pending map[string]*pending // by occurrence ID
	// next is the schedule's first run after last, for the schedule of
	// nextSpec in nextLoc: a job with nothing pending
	// whose next run is still ahead is passed over at the cost of a
	// comparison, as most jobs are on most ticks.
	next     time.Time
	nextSpec string // "" when next is not computed
	nextLoc  *time.Location
}

// quiet reports whether the job has nothing to do at now: nothing
// pending, and its next run still ahead.
func (st *jobState) quiet(job Job, now time.Time) bool {
	if len(st.pending) > 0 {
		return false
	}
	if st.nextSpec == "" || st.nextSpec != job.Schedule.Spec || st.nextLoc != job.Schedule.Loc {
		st.next, st.nextSpec, st.nextLoc = job.Schedule.Next(st.last), job.Schedule.Spec, job.Schedule.Loc
	}
	return st.next.After(now)
}

// pending is an occurrence that should run but is not done as far as this
// replica knows: another replica holds it, or this one failed to post it.
// It is tried again at retryAt, until deadline.
type pending struct {
	at, retryAt, deadline time.Time
}

// TickReport counts what one Tick did. Posted and Skipped count what this
// replica did; LostClaims counts due runs another replica had claimed,
// which is normal; Failed counts errors, each of which is also logged.
type TickReport struct {
	Posted, Skipped, LostClaims, Failed int
}

// The kinds of Outcome, each also counted in the TickReport (a caught-up
// occurrence in Posted). A caught-up occurrence was posted more than
// Tolerance after its time: missed while the bot was down, or retried.
const (
	OutcomePosted   = "posted"
	OutcomeCaughtUp = "caught_up"
	OutcomeSkipped  = "skipped"
	OutcomeFailed   = "failed"
	// OutcomeStopped is an occurrence not posted for a permanent failure
	// (a *PermanentError, its Reason in Outcome.Reason): not retried.
	OutcomeStopped = "stopped"
)

// Outcome is what a Tick did with one occurrence, for Runner.Observe.
type Outcome struct {
	Ritual Ritual
	// Kind is one of the Outcome* constants.
	Kind string
	// Scheduled is the occurrence's time.
	Scheduled time.Time
	// Lag is, for a posted or caught-up occurrence, the time from
	// Scheduled to the post's being recorded (on the Runner's clock).
	Lag time.Duration
	// Reason is a stopped occurrence's PermanentError.Reason.
	Reason string
}

// observe tells Observe, when set, what became of one occurrence.
func (r *Runner) observe(job Job, kind string, at time.Time, lag time.Duration) {
	r.tell(Outcome{Ritual: job.Ritual, Kind: kind, Scheduled: at, Lag: lag})
}

// tell hands o to Observe, one call at a time: the Tick's workers run
// concurrently, Observe need not be safe for it.
func (r *Runner) tell(o Outcome) {
	if r.Observe == nil {
		return
	}
	r.smu.Lock()
	defer r.smu.Unlock()
	r.Observe(o)
}

// Tick evaluates every job at Now(). For each decision Due makes since the
// job's previous Tick it records a skip (SkipOccurrence) or claims the
// occurrence; on a won claim it posts and marks the occurrence done. On a
// job's first Tick, the previous one is taken as Now() minus the job's
// grace window, which is how a run missed during downtime is caught up.
//
// A lost claim is normal: another replica runs it. This replica still
// remembers it and looks again when the other lease ends, and takes it
// over if the other replica died. A Post error leaves the claim to expire,
// so that the lease timeout retries it, here or elsewhere. An occurrence
// still not done one lease after its grace window is recorded as skipped.
//
// Teams are worked on by Concurrency workers at once, each team's jobs
// in order by one worker, so a post that hangs delays its own team only. Jobs missing from
// jobs are forgotten, so a ritual turned off stops being retried. A
// cancelled ctx stops the Tick; a claim won but not yet
// posted is then released when the Claimer supports it.
func (r *Runner) Tick(ctx context.Context, jobs []Job) TickReport {
	return r.tick(ctx, jobs, nil)
}

// TeamRef names one team of one workspace.
type TeamRef struct{ Workspace, Team string }

// TickTeams is Tick over the jobs of some teams only, the ones due soon
// and the ones Busy names: jobs lists every job of those teams. The jobs
// of a listed team missing from jobs are forgotten; other teams' jobs keep
// their state, and a job listed again after a pause has its runs since it
// was last listed decided, within its grace window. The work follows the
// teams listed, not the jobs known.
func (r *Runner) TickTeams(ctx context.Context, teams []TeamRef, jobs []Job) TickReport {
	listed := make(map[TeamRef]bool, len(teams))
	for _, t := range teams {
		listed[t] = true
	}
	for _, j := range jobs {
		listed[TeamRef{j.Workspace, j.Team}] = true
	}
	return r.tick(ctx, jobs, listed)
}

// Busy returns the teams with occurrences this replica is waiting on (a
// failed post to retry, another replica's claim to watch): TickTeams must
// list them until they are done, whatever the index of due times says.
func (r *Runner) Busy() []TeamRef {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]TeamRef, 0, len(r.busy))
	for t := range r.busy {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b TeamRef) int {
		if c := strings.Compare(a.Workspace, b.Workspace); c != 0 {
			return c
		}
		return strings.Compare(a.Team, b.Team)
	})
	return out
}

// tick is Tick over all jobs when listed is nil, else TickTeams.
func (r *Runner) tick(ctx context.Context, jobs []Job, listed map[TeamRef]bool) TickReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.jobs == nil {
		r.jobs = map[string]*jobState{}
		r.byTeam = map[TeamRef]map[string]bool{}
		r.busy = map[TeamRef]bool{}
		r.stopped = map[string]string{}
		r.paused = map[string]time.Time{}
	}
	now := r.now()
	var rep TickReport
	seen := make(map[string]bool, len(jobs))
	todo := make([]work, 0, len(jobs))
	for _, job := range jobs {
		key := job.key()
		if seen[key] {
			r.logger().Warn("rituals: job listed twice, second ignored", "job", key)
			continue
		}
		seen[key] = true
		team := TeamRef{job.Workspace, job.Team}
		st := r.jobs[key]
		if st == nil {
			last := now.Add(-job.window())
			if job.Grace > 0 && !r.LookBackTo.IsZero() && r.LookBackTo.Before(last) {
				last = r.LookBackTo
			}
			st = &jobState{last: last, pending: map[string]*pending{}}
			r.jobs[key] = st
			if r.byTeam[team] == nil {
				r.byTeam[team] = map[string]bool{}
			}
			r.byTeam[team][key] = true
		} else if listed != nil && len(st.pending) == 0 {
			// A job not listed for a while: the runs it missed here were
			// the index's to list, and another replica may have run them;
			// only those still inside the grace window are decided again.
			if from := now.Add(-job.window()); st.last.Before(from) {
				st.last = from
			}
		}
		if st.quiet(job, now) {
			st.last = now
			continue
		}
		todo = append(todo, work{job, st})
	}
	forget := func(team TeamRef) {
		for key := range r.byTeam[team] {
			if !seen[key] {
				delete(r.jobs, key)
				delete(r.byTeam[team], key)
			}
		}
		if len(r.byTeam[team]) == 0 {
			delete(r.byTeam, team)
		}
		delete(r.busy, team)
	}
	if listed == nil {
		for team := range r.byTeam {
			forget(team)
		}
	} else {
		for team := range listed {
			forget(team)
		}
	}
	defer func() {
		for _, w := range todo {
			if len(w.st.pending) > 0 {
				r.busy[TeamRef{w.job.Workspace, w.job.Team}] = true
			}
		}
	}()

	// The jobs are shared out to a few workers, one job at a time and the
	// teams in turn, never two workers on one team's jobs: so a team whose
	// conversations hang holds up one worker, while the others go on
	// serving every other team at Slack's pace. A cancelled ctx stops the
	// workers between jobs, keeping every job's state for the next Tick.
	q := newTeamQueue(todo)
	spawn := r.Go
	if spawn == nil {
		spawn = func(wg *sync.WaitGroup, f func()) { wg.Go(f) }
	}
	var (
		wg  sync.WaitGroup
		rmu sync.Mutex
	)
	// The workers start together, once all are started: on a simulated
	// clock, time cannot move on while some are not yet running.
	start := make(chan struct{})
	for range min(r.concurrency(), len(q.teams)) {
		spawn(&wg, func() {
			<-start
			var mine TickReport
			for ctx.Err() == nil {
				w, team, ok := q.next()
				if !ok {
					break
				}
				r.tickJob(ctx, w.job, w.st, now, &mine)
				q.done(team)
			}
			rmu.Lock()
			rep.Posted += mine.Posted
			rep.Skipped += mine.Skipped
			rep.LostClaims += mine.LostClaims
			rep.Failed += mine.Failed
			rmu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return rep
}

func (r *Runner) concurrency() int {
	if r.Concurrency <= 0 {
		return DefaultConcurrency
	}
	return r.Concurrency
}

// work is one job of a Tick, with its state.
type work struct {
	job Job
	st  *jobState
}

// teamQueue hands a Tick's jobs to its workers: the next job of the next
// team in turn that no worker is on. A worker finding none free stops;
// the workers still busy finish their teams.
type teamQueue struct {
	mu    sync.Mutex
	teams []*teamWork
	turn  int
}

type teamWork struct {
	jobs []work
	busy bool
}

func newTeamQueue(todo []work) *teamQueue {
	q := &teamQueue{}
	byTeam := map[string]*teamWork{}
	for _, w := range todo {
		k := w.job.Workspace + "/" + w.job.Team
		t, ok := byTeam[k]
		if !ok {
			t = &teamWork{}
			byTeam[k] = t
			q.teams = append(q.teams, t)
		}
		t.jobs = append(t.jobs, w)
	}
	return q
}

// next takes the next job of a free team, marking the team busy.
func (q *teamQueue) next() (work, *teamWork, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for range q.teams {
		t := q.teams[q.turn]
		q.turn = (q.turn + 1) % len(q.teams)
		if t.busy || len(t.jobs) == 0 {
			continue
		}
		w := t.jobs[0]
		t.jobs = t.jobs[1:]
		t.busy = true
		return w, t, true
	}
	return work{}, nil, false
}

// done frees a team for its next job.
func (q *teamQueue) done(t *teamWork) {
	q.mu.Lock()
	defer q.mu.Unlock()
	t.busy = false
}

// tickJob retries the job's pending occurrences, oldest first, then acts
// on its new decisions.
func (r *Runner) tickJob(ctx context.Context, job Job, st *jobState, now time.Time, rep *TickReport) {
	ids := make([]string, 0, len(st.pending))
	for id := range st.pending {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return st.pending[a].at.Compare(st.pending[b].at) })
	for _, id := range ids {
		p := st.pending[id]
		switch {
		case ctx.Err() != nil:
			return
		case now.After(p.deadline):
			delete(st.pending, id)
			r.abandon(ctx, job, id, p.at, now, rep)
		case !now.Before(p.retryAt):
			r.run(ctx, job, st, id, p.at, now, false, rep)
		}
	}
	for _, d := range Due(job.Schedule, st.last, now, job.Grace, job.Holidays) {
		if ctx.Err() != nil {
			return // st.last stays before d, so d is decided again
		}
		id := job.OccurrenceID(d.At)
		if d.Run {
			r.run(ctx, job, st, id, d.At, now, true, rep)
		} else {
			r.skip(ctx, job, id, d.At, d.Reason, now, rep)
		}
		st.last = d.At
	}
	st.last, st.nextSpec = now, ""
}

// run claims, posts and marks one occurrence. first is false for retries,
// which are not counted as lost claims again.
func (r *Runner) run(ctx context.Context, job Job, st *jobState, id string, at, now time.Time, first bool, rep *TickReport) {
	log := r.logger().With("occurrence", id, "scheduled", at, "holder", r.Holder)
	lease := r.lease()
	wait := func(until time.Time) {
		st.pending[id] = &pending{at: at, retryAt: until, deadline: at.Add(job.window() + lease)}
	}
	if until, reason, ok := r.pausedUntil(job.Workspace); ok {
		if now.Before(until) {
			// Quietly: the failure was logged once when it paused.
			delete(st.pending, id)
			err := r.Claimer.SkipOccurrence(ctx, job.Workspace, id, permanentReason(reason), now)
			if err != nil && !errors.Is(err, storage.ErrClaimed) {
				rep.Failed++
				r.observe(job, OutcomeFailed, at, 0)
				log.Error("rituals: skip failed", "err", err)
				return
			}
			rep.Skipped++
			r.tell(Outcome{Ritual: job.Ritual, Kind: OutcomeStopped, Scheduled: at, Reason: reason})
			return
		}
		r.unpause(job.Workspace) // try again, once
	}
	occ, err := r.Claimer.ClaimOccurrence(ctx, job.Workspace, id, r.Holder, r.now(), lease)
	if errors.Is(err, storage.ErrClaimed) {
		if first {
			rep.LostClaims++
		}
		var ce *storage.ClaimError
		switch {
		case errors.As(err, &ce) && ce.Final():
			delete(st.pending, id)
		case ce != nil && ce.LeaseUntil.After(now):
			wait(ce.LeaseUntil)
		default:
			wait(now.Add(lease))
		}
		return
	}
	if err != nil {
		rep.Failed++
		r.observe(job, OutcomeFailed, at, 0)
		log.Error("rituals: claim failed", "err", err)
		wait(now) // storage hiccup: try again next tick
		return
	}
	if ctx.Err() != nil {
		r.release(ctx, id, log)
		wait(now)
		return
	}
	// Post is cut off before the lease ends, so no other replica takes
	// the claim over while this post may still be under way. The timeout
	// is relative, in real time, since the clock may be a test's.
	postCtx, cancel := context.WithTimeout(ctx, lease*9/10)
	ts, err := r.Poster.Post(WithAttempt(postCtx, attemptOf(first, occ)), job, id, at)
	cancel()
	var pe *PermanentError
	if errors.As(err, &pe) {
		delete(st.pending, id)
		r.stop(ctx, job, id, at, pe, rep, log)
		return
	}
	if err != nil {
		rep.Failed++
		r.observe(job, OutcomeFailed, at, 0)
		log.Error("rituals: post failed; retried when the lease ends", "err", err, "lease_until", occ.LeaseUntil)
		wait(occ.LeaseUntil)
		return
	}
	if err := r.Claimer.MarkOccurrenceDone(ctx, id, r.Holder, ts, r.now()); err != nil {
		// Posted but not recorded: after the lease, a replica takes the
		// claim over and the Poster finds this message instead of posting.
		rep.Failed++
		r.observe(job, OutcomeFailed, at, 0)
		log.Error("rituals: mark done failed after posting", "err", err, "ts", ts)
		wait(occ.LeaseUntil)
		return
	}
	delete(st.pending, id)
	for _, key := range []string{job.Workspace, job.key()} {
		r.smu.Lock()
		reason, ok := r.stopped[key]
		delete(r.stopped, key)
		r.smu.Unlock()
		if ok {
			log.Info("rituals: posting works again", "scope", key, "was", reason)
		}
	}
	rep.Posted++
	kind, lag := OutcomePosted, r.now().Sub(at)
	if lag > Tolerance {
		kind = OutcomeCaughtUp
	}
	r.observe(job, kind, at, lag)
	log.Info("rituals: posted", "ritual", job.Ritual, "ts", ts, "attempt", occ.Attempts)
}

// stop records an occurrence that failed for good as skipped, logs the
// failure once for its scope (the workspace, or the job's conversation),
// and pauses a workspace whose token failed.
func (r *Runner) stop(ctx context.Context, job Job, id string, at time.Time, pe *PermanentError, rep *TickReport, log *slog.Logger) {
	scope := job.key()
	r.smu.Lock()
	if pe.Workspace {
		scope = job.Workspace
		r.paused[job.Workspace] = r.now().Add(PermanentPause)
	}
	_, logged := r.stopped[scope]
	r.stopped[scope] = pe.Reason
	r.smu.Unlock()
	if !logged {
		log.Error("rituals: Slack refused for good; not retried", "ritual", job.Ritual, "workspace", job.Workspace, "team", job.Team,
			"reason", pe.Reason, "whole_workspace", pe.Workspace, "err", pe.Err)
	}
	rep.Skipped++
	r.tell(Outcome{Ritual: job.Ritual, Kind: OutcomeStopped, Scheduled: at, Reason: pe.Reason})
	f, ok := r.Claimer.(failer)
	if !ok {
		return // the lease expires, and the grace window's end skips it
	}
	if err := f.FailOccurrence(ctx, id, r.Holder, permanentReason(pe.Reason), r.now()); err != nil {
		log.Warn("rituals: recording a permanent failure failed; the lease will expire", "err", err)
	}
}

// pausedUntil says whether workspace is paused after a permanent failure,
// until when, and for what.
func (r *Runner) pausedUntil(workspace string) (until time.Time, reason string, ok bool) {
	r.smu.Lock()
	defer r.smu.Unlock()
	until, ok = r.paused[workspace]
	return until, r.stopped[workspace], ok
}

func (r *Runner) unpause(workspace string) {
	r.smu.Lock()
	defer r.smu.Unlock()
	delete(r.paused, workspace)
}

// permanentReason is the skip reason of an occurrence stopped for reason.
func permanentReason(reason string) string { return "slack: " + reason }

// skip records a run that must not happen, so no replica runs it later.
// ErrClaimed means it is done or being run in time by another replica,
// whose clock decided before ours: that stands.
func (r *Runner) skip(ctx context.Context, job Job, id string, at time.Time, reason string, now time.Time, rep *TickReport) {
	err := r.Claimer.SkipOccurrence(ctx, job.Workspace, id, reason, now)
	switch {
	case err == nil:
		rep.Skipped++
		r.observe(job, OutcomeSkipped, at, 0)
		r.logger().Info("rituals: occurrence skipped", "occurrence", id, "scheduled", at, "reason", reason)
	case errors.Is(err, storage.ErrClaimed):
	default:
		rep.Failed++
		r.observe(job, OutcomeFailed, at, 0)
		r.logger().Error("rituals: skip failed", "occurrence", id, "err", err)
	}
}

// abandon gives up an occurrence still not done one lease after its grace
// window, and records it as skipped unless someone holds or finished it.
func (r *Runner) abandon(ctx context.Context, job Job, id string, at, now time.Time, rep *TickReport) {
	err := r.Claimer.SkipOccurrence(ctx, job.Workspace, id, ReasonOutsideGrace, now)
	switch {
	case err == nil:
		rep.Skipped++
		r.observe(job, OutcomeSkipped, at, 0)
		r.logger().Warn("rituals: occurrence never posted, skipped", "occurrence", id, "scheduled", at)
	case errors.Is(err, storage.ErrClaimed):
	default:
		rep.Failed++
		r.observe(job, OutcomeFailed, at, 0)
		r.logger().Error("rituals: skip failed", "occurrence", id, "err", err)
	}
}

// release hands a claim back on shutdown so another replica need not wait
// for the lease. The Tick's ctx is cancelled, so a short one of its own
// is used.
func (r *Runner) release(ctx context.Context, id string, log *slog.Logger) {
	rel, ok := r.Claimer.(releaser)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := rel.ReleaseOccurrence(ctx, id, r.Holder); err != nil {
		log.Warn("rituals: release failed; the lease will expire", "err", err)
	}
}

// attemptOf is the attempt a Post makes: 1 only for an occurrence this
// replica decides for the first time and whose claim is the first.
func attemptOf(first bool, occ storage.Occurrence) int {
	if first && occ.Attempts <= 1 {
		return 1
	}
	return max(occ.Attempts, 2)
}

type attemptKey struct{}

// WithAttempt tells Post which attempt it makes at its occurrence: 1 is
// the first claim ever taken, so nothing can be posted yet and a Poster
// may post without looking for an earlier message.
func WithAttempt(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, attemptKey{}, n)
}

// Attempt is the attempt WithAttempt set, 0 when none was: a Poster must
// then look before posting.
func Attempt(ctx context.Context) int {
	n, _ := ctx.Value(attemptKey{}).(int)
	return n
}

func (r *Runner) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

func (r *Runner) lease() time.Duration {
	if r.Lease <= 0 {
		return DefaultLease
	}
	return r.Lease
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.Default()
	}
	return r.Logger
}
