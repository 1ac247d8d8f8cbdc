package slackhttp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/respond"
	"github.com/kpibot/kpibot/storage"
)

// benchCheckIn is the document one "/log 3 rdv 1 offre" stores.
func benchCheckIn(i int) storage.CheckIn {
	return storage.CheckIn{
		Workspace: "T1", User: "U" + strconv.Itoa(i%500), Key: "trig-" + strconv.Itoa(i),
		Day: "2026-11-23", TZ: "Europe/Paris", Raw: "3 rdv 1 offre",
		Counts: map[string]int{"meetings": 3, "proposals": 1}, Source: "slack-http", CreatedAt: testkit.Monday10,
	}
}

func benchHTTP(b *testing.B, store bot.Store) (http.Handler, *testkit.Clock) {
	clk := testkit.NewClock(testkit.Monday10)
	// An outbox, as in production, so each /log also runs its alert check
	// in the background.
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: testkit.Paris, Lang: "fr", Outbox: &testkit.DiscardOutbox{}, Logger: testkit.Quiet})
	r := respond.New(respond.Config{Handler: h, Logger: testkit.Quiet})
	b.Cleanup(h.Wait)
	b.Cleanup(r.Wait)
	return NewHandler(Config{SigningSecret: testkit.TestSecret, Responder: r, Now: clk.Now, Logger: testkit.Quiet}), clk
}

func logRequest(i int, at time.Time) *http.Request {
	body := testkit.SlashBody("U"+strconv.Itoa(i%500), "3 rdv 1 offre", "trig-"+strconv.Itoa(i), "http://127.0.0.1:1/unused")
	return testkit.SignedRequest("/slack/commands", body, testkit.TestSecret, at)
}

// BenchmarkStoreInsert is the baseline: the raw insert of the document a
// /log stores, into the same engine.
func BenchmarkStoreInsert(b *testing.B) {
	s := testkit.MemStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, _, _, err := s.SaveCheckIn(ctx, benchCheckIn(i), "2026-11-23", 1000); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLogHTTP is one signed /log request through the real HTTP
// handler, from verification to stored and answered.
func BenchmarkLogHTTP(b *testing.B) {
	h, clk := benchHTTP(b, testkit.MemStore(b))
	b.ReportAllocs()
	serveLogs(b, h, 0, clk.Now())
}

// serveLogs times b.N /log requests through h, numbered from first. They
// are signed beforehand: Slack's side is not ours to time.
func serveLogs(b *testing.B, h http.Handler, first int, at time.Time) {
	b.Helper()
	reqs := make([]*http.Request, b.N)
	for i := range reqs {
		reqs[i] = logRequest(first+i, at)
	}
	b.ResetTimer()
	for i := range b.N {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, reqs[i])
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkLogOverhead runs both paths in step, on two engines that grow
// alike, and reports the handler's own cost as a share of the raw insert:
// a ratio stays meaningful on a noisy machine where absolute times do not.
func BenchmarkLogOverhead(b *testing.B) {
	raw := testkit.MemStore(b)
	h, clk := benchHTTP(b, testkit.MemStore(b))
	ctx := context.Background()
	var insert, handler time.Duration
	for i := 0; b.Loop(); i++ {
		// Alternate which path goes first, so neither always pays for the
		// garbage the other left behind.
		doc, req := benchCheckIn(i), logRequest(i, clk.Now())
		w := httptest.NewRecorder()
		timeInsert := func() {
			start := time.Now()
			if _, _, _, err := raw.SaveCheckIn(ctx, doc, "2026-11-23", 1000); err != nil {
				b.Fatal(err)
			}
			insert += time.Since(start)
		}
		timeHandler := func() {
			start := time.Now()
			h.ServeHTTP(w, req)
			handler += time.Since(start)
		}
		if i%2 == 0 {
			timeInsert()
			timeHandler()
		} else {
			timeHandler()
			timeInsert()
		}
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(insert.Nanoseconds())/n, "insert-ns/op")
	b.ReportMetric(float64(handler.Nanoseconds())/n, "handler-ns/op")
	b.ReportMetric(100*float64(handler-insert)/float64(insert), "overhead-%")
}
