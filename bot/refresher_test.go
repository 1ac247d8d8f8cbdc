package bot

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// gate is a refresh that blocks until released, counting runs.
type gate struct {
	mu      sync.Mutex
	runs    map[string]int
	running int
	most    int
	started chan string
	release chan struct{}
}

func newGate() *gate {
	return &gate{runs: map[string]int{}, started: make(chan string, 100), release: make(chan struct{})}
}

func (g *gate) run(ctx context.Context, workspace, user string) {
	g.mu.Lock()
	g.runs[user]++
	g.running++
	g.most = max(g.most, g.running)
	g.mu.Unlock()
	g.started <- user
	select {
	case <-g.release:
	case <-ctx.Done():
	}
	g.mu.Lock()
	g.running--
	g.mu.Unlock()
}

// A burst of check-ins by one user makes one refresh while one waits,
// and one more after one that runs; a burst of many users runs a few at
// a time.
func TestRefresherCoalescesAndBounds(t *testing.T) {
	ctx := context.Background()
	var r refresher
	g := newGate()
	r.add(ctx, "T1", "UA", g.run)
	<-g.started // UA runs
	for range 10 {
		r.add(ctx, "T1", "UA", g.run) // one more after this run, not ten
	}
	for i := range 20 {
		r.add(ctx, "T1", fmt.Sprintf("U%02d", i), g.run)
	}
	close(g.release)
	r.wait()
	if g.runs["UA"] != 2 {
		t.Errorf("UA refreshed %d times for a burst during its refresh, want 2", g.runs["UA"])
	}
	for i := range 20 {
		if n := g.runs[fmt.Sprintf("U%02d", i)]; n != 1 {
			t.Errorf("U%02d refreshed %d times, want 1", i, n)
		}
	}
	if g.most > homeRefreshers {
		t.Errorf("%d refreshes at once, at most %d wanted", g.most, homeRefreshers)
	}
}

// stop drops what has not started and cancels what runs, so that
// shutdown does not wait on Slack's budget for tabs nobody is looking at.
func TestRefresherStop(t *testing.T) {
	ctx := context.Background()
	var r refresher
	g := newGate() // never released: only cancellation ends a run
	for i := range 10 {
		r.add(ctx, "T1", fmt.Sprintf("U%02d", i), g.run)
	}
	for range homeRefreshers {
		<-g.started
	}
	r.stop()
	total := 0
	for _, n := range g.runs {
		total += n
	}
	if total != homeRefreshers {
		t.Errorf("%d refreshes ran, want only the %d already started", total, homeRefreshers)
	}
	r.add(ctx, "T1", "UZ", g.run) // after stop: nothing
	r.wait()
	if g.runs["UZ"] != 0 {
		t.Error("a refresh ran after stop")
	}
}
