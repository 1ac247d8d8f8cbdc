package rituals

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/kpibot/kpibot/storage/storagetest"
)

// BenchmarkTickStoredJobs is one scheduler Tick over n stored jobs of
// which 10 are due (claimed, posted, marked in the in-memory store) and
// the rest quiet, at 1k, 10k and 100k: the work the stored jobs add is a
// comparison each, the due ones cost their claims.
func BenchmarkTickStoredJobs(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("stored=%d", n), func(b *testing.B) {
			store := storagetest.Open(b)
			now := at(2026, time.November, 24, 17, 30).Add(10 * time.Second)
			r := &Runner{Claimer: store, Holder: "A", Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler),
				Poster: posterFunc(func(context.Context, Job, string, time.Time) (string, error) { return "1.1", nil })}
			quiet := mustScheduleB(b, "daily 09:00")
			due := mustScheduleB(b, "daily 17:30")
			jobs := make([]Job, n)
			for i := range jobs {
				jobs[i] = Job{Workspace: fmt.Sprintf("T%d", i%100), Team: fmt.Sprintf("M%d", i), Ritual: Digest, Schedule: quiet, Grace: time.Hour}
			}
			ctx := context.Background()
			r.Tick(ctx, jobs) // the quiet jobs' first tick decides their past
			b.ResetTimer()
			for i := range b.N {
				tick := append(jobs[:n:n], make([]Job, 10)...)
				for k := range 10 {
					tick[n+k] = Job{Workspace: "T1", Team: fmt.Sprintf("D%d-%d", i, k), Ritual: Reminder, Schedule: due}
				}
				if rep := r.Tick(ctx, tick); rep.Posted != 10 {
					b.Fatalf("tick %d: %+v, want 10 posted", i, rep)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/stored-job")
		})
	}
}

func mustScheduleB(b *testing.B, spec string) Schedule {
	b.Helper()
	s, err := ParseSchedule(spec, paris)
	if err != nil {
		b.Fatal(err)
	}
	return s
}
