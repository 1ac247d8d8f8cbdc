// Package slackrate keeps each workspace's Slack Web API calls inside each
// method's published tier (slackscopes.TierOf), with golang.org/x/time/rate,
// and holds a method back after a 429 for its Retry-After: that method
// in that workspace only, so a throttled history read does not slow
// users.info, and a busy workspace does not slow another.
//
// Slack applies its tiers "per API method per workspace per app": each
// workspace's token has its own budget of each method. The workspace of a
// call is the one its context names (tenancy.With, which is bot/wsctx's);
// calls without one (start-up's auth.test in single-workspace mode) share
// the budget of workspace "".
package slackrate

import (
	"context"
	"errors"
	"net/http"
	"path"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/kpibot/kpibot/bot/slackscopes"
	"github.com/kpibot/kpibot/bot/wsctx"
)

// Clock is time for the limiter: Now, and Sleep, which returns early with
// ctx.Err() when ctx is done. Tests use a simulated clock.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

// Limiter is the budget of each workspace's token: a token bucket per
// workspace and Web API method, refilled at the method's tier rate with
// room for one call, so that no sliding minute holds more calls of a
// method in a workspace than the tier allows. Special methods
// (chat.postMessage) are not limited here: the deliverer paces them per
// channel. A Limiter is safe for concurrent use.
type Limiter struct {
	clock Clock

	mu      sync.Mutex
	budgets map[budgetKey]*budget
}

// budgetKey names one budget: a method's, in a workspace.
type budgetKey struct{ workspace, method string }

// maxIdle is how many budgets a Limiter keeps before it drops those at
// rest (full, not held back), which a fresh budget would equal: memory
// follows the workspaces at work, not those ever served.
const maxIdle = 4096

type budget struct {
	lim  *rate.Limiter
	hold time.Time // no call before, after a 429
}

// New returns a limiter on clock; real time when nil.
func New(clock Clock) *Limiter {
	if clock == nil {
		clock = realClock{}
	}
	return &Limiter{clock: clock, budgets: map[budgetKey]*budget{}}
}

// budget returns method's budget in the workspace of ctx, nil for a
// method with none.
func (l *Limiter) budget(ctx context.Context, method string) *budget {
	n := slackscopes.TierOf(method).PerMinute()
	if n <= 0 {
		return nil
	}
	key := budgetKey{workspace: wsctx.Of(ctx), method: method}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.budgets[key]; ok {
		return b
	}
	if len(l.budgets) >= maxIdle {
		l.pruneLocked()
	}
	b := &budget{lim: rate.NewLimiter(rate.Every(time.Minute/time.Duration(n)), 1)}
	l.budgets[key] = b
	return b
}

// pruneLocked drops the budgets at rest: a full bucket and no hold are
// what a new budget starts with, so nothing is lost. A caller holding
// one dropped keeps using it; the next caller starts a fresh one, which
// can only let one call more through in a minute, once.
func (l *Limiter) pruneLocked() {
	now := l.clock.Now()
	for k, b := range l.budgets {
		if !b.hold.After(now) && b.lim.TokensAt(now) >= 1 {
			delete(l.budgets, k)
		}
	}
}

// Wait blocks until a call of method, in the workspace of ctx, keeps
// within its budget, and takes that slot; it returns ctx.Err(), giving
// the slot back, when ctx ends first. Callers set a call's own deadline
// after Wait, so that waiting for the budget does not eat into it.
func (l *Limiter) Wait(ctx context.Context, method string) error {
	b := l.budget(ctx, method)
	if b == nil {
		return ctx.Err()
	}
	for {
		now := l.clock.Now()
		l.mu.Lock()
		hold := b.hold
		l.mu.Unlock()
		if !hold.After(now) {
			break
		}
		if late(ctx, hold) {
			return ErrNoBudget
		}
		if err := l.clock.Sleep(ctx, hold.Sub(now)); err != nil {
			return err
		}
	}
	now := l.clock.Now()
	r := b.lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	if d <= 0 {
		return ctx.Err()
	}
	if late(ctx, now.Add(d)) {
		// Waiting would only end in the deadline: say so now, and leave
		// the slot to a caller who can wait for it.
		r.CancelAt(now)
		return ErrNoBudget
	}
	if err := l.clock.Sleep(ctx, d); err != nil {
		r.CancelAt(l.clock.Now())
		return err
	}
	return nil
}

// ErrNoBudget is Wait's answer when the method's next slot comes after
// the context's deadline: a caller such as a command's users.info, which
// falls back on what it knows, learns it at once instead of at its
// deadline.
var ErrNoBudget = errors.New("slackrate: no budget for this call before its deadline")

// late reports whether t is past ctx's deadline.
func late(ctx context.Context, t time.Time) bool {
	deadline, ok := ctx.Deadline()
	return ok && t.After(deadline)
}

// Backoff holds method back in the workspace of ctx for d after Slack
// answered it 429 there: the method's next calls in that workspace wait
// for Retry-After; other methods, and other workspaces, go on.
func (l *Limiter) Backoff(ctx context.Context, method string, d time.Duration) {
	b := l.budget(ctx, method)
	if b == nil {
		return
	}
	until := l.clock.Now().Add(d)
	l.mu.Lock()
	defer l.mu.Unlock()
	if until.After(b.hold) {
		b.hold = until
	}
}

// Transport paces every call made through it: it waits for the method's
// budget in the workspace of the request's context (the method is the
// last element of the URL path, as slack-go sends it), then sends the
// call through next, and backs the method off there after a 429. The wait runs under the request's context, deadline
// included: a caller with a tight deadline (a command's users.info) gives
// up rather than wait. Callers that wait themselves (the deliverer) use a
// client without it, so that no call counts twice.
func (l *Limiter) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return transport{l: l, next: next}
}

type transport struct {
	l    *Limiter
	next http.RoundTripper
}

func (t transport) RoundTrip(req *http.Request) (*http.Response, error) {
	method := path.Base(req.URL.Path)
	if err := t.l.Wait(req.Context(), method); err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	resp, err := t.next.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		t.l.Backoff(req.Context(), method, RetryAfter(resp.Header.Get("Retry-After")))
	}
	return resp, err
}

// RetryAfter reads a Retry-After header in seconds, at least one second
// so that a missing or zero header cannot make a tight loop.
func RetryAfter(h string) time.Duration {
	s, err := strconv.Atoi(h)
	if err != nil || s < 1 {
		s = 1
	}
	return time.Duration(s) * time.Second
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
