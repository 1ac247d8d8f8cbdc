package storage

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// prefill stores n check-ins of 100 reps, one a working day each, going
// back from the week before t0: the history a /log must not pay for.
func prefill(b *testing.B, s *Store, n int) {
	b.Helper()
	const reps = 100
	var batch []CheckIn
	day := t0.AddDate(0, 0, -7)
	for i := 0; i < n; {
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			for r := 0; r < reps && i < n; r++ {
				d := day.Format(time.DateOnly)
				batch = append(batch, checkIn("T1", fmt.Sprintf("U%03d", r), "h-"+d+fmt.Sprint(r), d, day, map[string]int{"calls": 10, "meetings": 2}))
				i++
			}
		}
		day = day.AddDate(0, 0, -1)
		if len(batch) >= 5000 || i == n {
			if _, err := s.ImportCheckIns(context.Background(), batch, weekOf); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

// BenchmarkSaveCheckIn is one /log's storage write with 1k, 10k and 100k
// check-ins already stored: with the history partitioned by month, the
// cost must stay flat. Compare the sizes' ns/op within one run.
func BenchmarkSaveCheckIn(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("memory/history=%d", n), func(b *testing.B) {
			s, err := OpenMemory(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close(context.Background())
			benchSave(b, s, n)
		})
		b.Run(fmt.Sprintf("journal/history=%d", n), func(b *testing.B) {
			s, err := Open(context.Background(), Config{DataDir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close(context.Background())
			benchSave(b, s, n)
			st, _ := s.JournalStats()
			if st.Fsyncs > 0 {
				b.ReportMetric(float64(st.FsyncTime.Nanoseconds())/float64(st.Fsyncs), "ns/fsync")
			}
		})
	}
}

func benchSave(b *testing.B, s *Store, n int) {
	prefill(b, s, n)
	ctx := context.Background()
	// lungo keeps its oplog for the last second (real time, not ours to
	// inject), so right after the bulk prefill each commit would copy the
	// prefill's oplog. Steady writes for a second leave the oplog as a
	// running bot has it: only the last second's writes.
	for start, w := time.Now(), 0; time.Since(start) < 1100*time.Millisecond; w++ {
		c := checkIn("T9", "U9", fmt.Sprintf("warm-%d", w), "2026-11-23", t0, map[string]int{"calls": 1})
		if _, _, _, err := s.SaveCheckIn(ctx, c, "2026-11-23", 1_000_000); err != nil {
			b.Fatal(err)
		}
	}
	i := 0
	b.ResetTimer()
	for b.Loop() {
		c := checkIn("T1", fmt.Sprintf("U%03d", i%100), fmt.Sprintf("new-%d", i), "2026-11-23", t0, map[string]int{"calls": 1})
		if _, _, _, err := s.SaveCheckIn(ctx, c, "2026-11-23", 1_000_000); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
