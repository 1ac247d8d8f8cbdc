//go:build loadtest

package slackhttp

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/respond"
	"github.com/kpibot/kpibot/storage"
)

// slowedStore takes delay for every check-in write: a MongoDB hiccup,
// long enough that every /log takes the "saving…" path.
type slowedStore struct {
	*storage.Store
	delay time.Duration
}

func (s slowedStore) SaveCheckIn(ctx context.Context, c storage.CheckIn, weekStart string, dayCap int) (storage.CheckIn, bool, storage.Week, error) {
	time.Sleep(s.delay) // stands for the slow database; a load test runs in real time
	return s.Store.SaveCheckIn(ctx, c, weekStart, dayCap)
}

// TestLoadSlowStore sends 2,000 signed /log at 200 per second to the HTTP
// handler on loopback, on a store slowed to 2.5 s a write, with keep-alive
// connections (as proxies use) and with one connection per request. It
// reports the time to any HTTP answer: none may pass Slack's 3 s. Every
// late answer must reach response_url, and every entry be stored.
// Run it with: go test -tags loadtest -run TestLoadSlowStore -v ./bot/slackhttp
func TestLoadSlowStore(t *testing.T) {
	const (
		total = 2000
		rate  = 200
		reps  = 200
	)
	for _, keepAlive := range []bool{true, false} {
		t.Run(fmt.Sprintf("keepalive=%v", keepAlive), func(t *testing.T) {
			mem := testkit.MemStore(t)
			store := slowedStore{Store: mem, delay: 2500 * time.Millisecond}
			h := bot.NewHandler(bot.HandlerConfig{Store: store, TZ: testkit.Paris, Lang: "fr", Outbox: &testkit.DiscardOutbox{}, Logger: testkit.Quiet})
			defer h.Wait()
			r := respond.New(respond.Config{Handler: h, Logger: testkit.Quiet, MaxBackground: 4096})
			srv := httptest.NewServer(NewHandler(Config{SigningSecret: testkit.TestSecret, Responder: r, Logger: testkit.Quiet}))
			defer srv.Close()
			var late atomic.Int64
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { late.Add(1) }))
			defer hook.Close()
			tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableKeepAlives: !keepAlive}
			client := &http.Client{Timeout: 15 * time.Second, Transport: tr}
			defer tr.CloseIdleConnections()

			latencies, errs, elapsed := openLoop(t, client, srv, total, rate, reps, "slow-", hook.URL+"/r")
			r.Wait()

			failed, over3s := 0, 0
			for i, err := range errs {
				if err != nil {
					failed++
				}
				if latencies[i] > 3*time.Second {
					over3s++
				}
			}
			slices.Sort(latencies)
			stored := 0
			for u := range reps {
				cs, err := mem.CheckIns(context.Background(), "T1", "U"+strconv.Itoa(u), testkit.Monday10.AddDate(0, -1, 0).Format(time.DateOnly), time.Now().AddDate(0, 0, 1).Format(time.DateOnly))
				if err != nil {
					t.Fatal(err)
				}
				stored += len(cs)
			}
			t.Logf("keep-alive %v: %d requests in %v: time to any answer p50 %v, p99 %v, max %v; over 3 s: %d; errors %d; late answers %d; stored %d",
				keepAlive, total, elapsed.Round(time.Millisecond), latencies[total/2].Round(time.Millisecond), latencies[total*99/100].Round(time.Millisecond),
				latencies[total-1].Round(time.Millisecond), over3s, failed, late.Load(), stored)
			if over3s != 0 || failed != 0 {
				t.Errorf("%d answers past 3 s, %d errors", over3s, failed)
			}
			if stored != total || late.Load() != total {
				t.Errorf("stored %d, late answers %d, want %d each", stored, late.Load(), total)
			}
		})
	}
}
