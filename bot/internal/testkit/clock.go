package testkit

import (
	"context"
	"sync"
	"time"
)

// Clock is a settable time source; tests move it instead of sleeping.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// StepClock is a settable clock with a Sleep that just moves it forward:
// pacing runs in simulated time, for one goroutine at a time.
type StepClock struct {
	*Clock
	slept []time.Duration // under Clock.mu
}

// NewStepClock returns a step clock standing at t.
func NewStepClock(t time.Time) *StepClock { return &StepClock{Clock: NewClock(t)} }

// Sleep moves the clock d forward, at once.
func (c *StepClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.slept = append(c.slept, d)
	return nil
}

// Sleeps returns every Sleep so far, in order.
func (c *StepClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// SimClock is simulated time for many goroutines: goroutines started with
// Go run while time stands still, and time jumps to the earliest wake-up
// only when every one of them sleeps. So concurrent sleeps overlap as they
// would in real time, and a fan-out's simulated duration is exactly what
// its pacing makes it; time spent in HTTP calls counts as zero.
// A goroutine started with Go must only block in Sleep (or briefly on a
// lock or an HTTP call), or time never moves.
type SimClock struct {
	mu       sync.Mutex
	now      time.Time
	running  int
	sleepers []*simSleeper
}

type simSleeper struct {
	wake  time.Time
	ch    chan struct{}
	woken bool
}

// NewSimClock returns simulated time starting at t.
func NewSimClock(t time.Time) *SimClock { return &SimClock{now: t} }

// Now returns the simulated time.
func (c *SimClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Go runs f in a goroutine that takes part in simulated time.
func (c *SimClock) Go(wg *sync.WaitGroup, f func()) {
	c.mu.Lock()
	c.running++
	c.mu.Unlock()
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer func() {
			c.mu.Lock()
			c.running--
			c.advanceLocked()
			c.mu.Unlock()
		}()
		f()
	}()
}

// Sleep waits for d of simulated time.
func (c *SimClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	c.mu.Lock()
	s := &simSleeper{wake: c.now.Add(d), ch: make(chan struct{})}
	c.sleepers = append(c.sleepers, s)
	c.running--
	c.advanceLocked()
	c.mu.Unlock()
	select {
	case <-s.ch:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		defer c.mu.Unlock()
		if !s.woken {
			for i, o := range c.sleepers {
				if o == s {
					c.sleepers = append(c.sleepers[:i], c.sleepers[i+1:]...)
					break
				}
			}
			c.running++
		}
		return ctx.Err()
	}
}

// advanceLocked moves time to the earliest wake-up when nobody runs.
func (c *SimClock) advanceLocked() {
	if c.running > 0 || len(c.sleepers) == 0 {
		return
	}
	next := c.sleepers[0].wake
	for _, s := range c.sleepers[1:] {
		if s.wake.Before(next) {
			next = s.wake
		}
	}
	if next.After(c.now) {
		c.now = next
	}
	keep := c.sleepers[:0]
	for _, s := range c.sleepers {
		if s.wake.After(c.now) {
			keep = append(keep, s)
			continue
		}
		s.woken = true
		c.running++
		close(s.ch)
	}
	clear(c.sleepers[len(keep):])
	c.sleepers = keep
}
