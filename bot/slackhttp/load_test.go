//go:build loadtest

package slackhttp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/respond"
)

// TestLoad sends 2,000 signed /log requests at 200 per second to the real
// HTTP handler over loopback, on the in-memory engine, and reports the
// latency. Run it with: go test -tags loadtest -run TestLoad -v ./bot
func TestLoad(t *testing.T) {
	const (
		total = 2000
		rate  = 200 // requests per second
		reps  = 200
		p99ms = 100
	)
	store := testkit.MemStore(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, TZ: testkit.Paris, Lang: "fr", Outbox: &testkit.DiscardOutbox{}, Logger: testkit.Quiet})
	defer h.Wait()
	r := respond.New(respond.Config{Handler: h, Logger: testkit.Quiet})
	srv := httptest.NewServer(NewHandler(Config{SigningSecret: testkit.TestSecret, Responder: r, Logger: testkit.Quiet}))
	defer srv.Close()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	latencies, errs, elapsed := openLoop(t, client, srv, total, rate, reps, "load-", srv.URL+"/unused")
	r.Wait()

	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
		}
	}
	slices.Sort(latencies)
	p50, p99 := latencies[total/2], latencies[total*99/100]
	// The entries are today's, in Paris; storage reads a bounded range.
	today := time.Now().In(testkit.Paris)
	from, to := today.AddDate(0, 0, -1).Format(time.DateOnly), today.AddDate(0, 0, 1).Format(time.DateOnly)
	stored := 0
	for u := range reps {
		cs, err := store.CheckIns(context.Background(), "T1", "U"+strconv.Itoa(u), from, to)
		if err != nil {
			t.Fatal(err)
		}
		stored += len(cs)
	}
	t.Logf("%d requests in %v (%.0f/s): p50 %v, p99 %v, max %v, errors %d, stored %d",
		total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond), latencies[total-1].Round(10*time.Microsecond), failed, stored)
	if failed != 0 {
		t.Errorf("%d requests failed", failed)
	}
	if stored != total {
		t.Errorf("stored %d entries, want %d", stored, total)
	}
	if p99 > p99ms*time.Millisecond {
		t.Errorf("p99 %v, target under %dms", p99, p99ms)
	}
}

type statusError struct{ code int }

func (e *statusError) Error() string { return "status " + strconv.Itoa(e.code) }
