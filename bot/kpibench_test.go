package bot_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/storage"
)

// BenchmarkTeamWeek measures /kpi team month for a manager, from the
// storage read to the rendered message, on the in-memory engine: 13 weeks
// of daily check-ins for 500, 1,000 (about 65,000 entries) and 2,000 reps,
// so the growth shows.
func BenchmarkTeamWeek(b *testing.B) {
	for _, reps := range []int{500, 1000, 2000} {
		b.Run(fmt.Sprintf("reps=%d", reps), func(b *testing.B) {
			store := memStore(b)
			entries := seedTeam(b, store, reps)
			h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: newClock(friday).Now, TZ: paris, Lang: "fr", Logger: quiet})
			cmd := bot.Command{Workspace: "T1", User: "MGR", Name: "/kpi", Text: "team month", Key: "k", Source: "bench"}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				msg, err := h.Handle(context.Background(), cmd)
				if err != nil || len(msg.Blocks.BlockSet) < 6 {
					b.Fatalf("reply %v, %v", msg.Text, err)
				}
			}
			b.ReportMetric(float64(entries), "entries")
		})
	}
}

// seedTeam makes MGR the manager of reps reps with 13 weeks of check-ins,
// one each working day, and returns how many were stored.
func seedTeam(b *testing.B, s *storage.Store, reps int) int {
	b.Helper()
	ctx := context.Background()
	if _, err := s.EnsureWorkspace(ctx, "T1", "MGR", friday); err != nil {
		b.Fatal(err)
	}
	if _, err := s.MakeManager(ctx, "T1", "MGR"); err != nil {
		b.Fatal(err)
	}
	today := kpi.DateOf(friday)
	var batch []storage.CheckIn
	for r := range reps {
		rep := "U" + strconv.Itoa(r)
		if _, err := s.AddRep(ctx, "T1", "MGR", rep); err != nil {
			b.Fatal(err)
		}
		for d := range 13 * 7 {
			day := today.AddDays(-d)
			if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
				continue
			}
			batch = append(batch, storage.CheckIn{
				Workspace: "T1", User: rep, Key: rep + "-" + day.String(), Day: day.String(), TZ: "Europe/Paris",
				Raw: "20 appels 3 leads 2 rdv 1 offre", Source: "seed", CreatedAt: friday,
				Counts: map[string]int{"calls": 20 + r%7, "leads": 2 + d%3, "meetings": 1 + d%2, "proposals": 1, "followups": d % 2, "signatures": d % 4 / 3},
			})
		}
	}
	n, err := s.ImportCheckIns(ctx, batch, func(d string) string {
		date, _ := kpi.ParseDate(d)
		monday, _ := kpi.WeekOf(date)
		return monday.String()
	})
	if err != nil || n != len(batch) {
		b.Fatalf("seeded %d of %d: %v", n, len(batch), err)
	}
	return n
}
