package slackhttp

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/storage"
)

// BenchmarkLogFileEngine measures one /log through the HTTP handler on the
// embedded single-file engine holding 1k, 10k and 20k check-ins: the file
// is rewritten on every write, so the latency grows with the data, and the
// README's table tells users when to move to MongoDB.
func BenchmarkLogFileEngine(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 20_000} {
		b.Run(fmt.Sprintf("checkins=%d", n), func(b *testing.B) {
			ctx := context.Background()
			s, err := storage.Open(ctx, storage.Config{DataDir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close(ctx) })
			seedHistory(b, s, n)
			h, clk := benchHTTP(b, s)
			// A running bot has written recently: warm up so the engine's
			// oplog is in its steady state before timing.
			for i := range 200 {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, logRequest(10*n+i, clk.Now()))
			}
			serveLogs(b, h, n, clk.Now())
		})
	}
}

// seedHistory stores n check-ins of 100 reps, one a working day each,
// going back from the benchmark's Monday.
func seedHistory(b *testing.B, s *storage.Store, n int) {
	b.Helper()
	const reps = 100
	today := kpi.DateOf(testkit.Monday10)
	var batch []storage.CheckIn
	day := today.AddDays(-1)
	for i := 0; i < n; i++ {
		if i > 0 && i%reps == 0 {
			day = day.AddDays(-1)
			for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
				day = day.AddDays(-1)
			}
		}
		batch = append(batch, storage.CheckIn{
			Workspace: "T1", User: "U" + strconv.Itoa(i%reps), Key: "seed-" + strconv.Itoa(i),
			Day: day.String(), TZ: "Europe/Paris", Raw: "12 appels 3 rdv 1 offre",
			Counts: map[string]int{"calls": 12, "meetings": 3, "proposals": 1}, Source: "seed", CreatedAt: testkit.Monday10,
		})
	}
	weekStart := func(d string) string {
		date, _ := kpi.ParseDate(d)
		monday, _ := kpi.WeekOf(date)
		return monday.String()
	}
	for len(batch) > 0 {
		k := min(len(batch), 2_000)
		if _, err := s.ImportCheckIns(context.Background(), batch[:k], weekStart); err != nil {
			b.Fatal(err)
		}
		batch = batch[k:]
	}
}
