package storage

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/256dpi/lungo"
	"github.com/256dpi/lungo/bsonkit"
	"github.com/256dpi/lungo/mongokit"
	"go.mongodb.org/mongo-driver/bson"
)

// openWithTeams opens the in-memory engine on a catalog that already holds
// n teams. Building the catalog directly takes seconds where inserting
// through the engine takes about 25 minutes at 100k: lungo copies a
// collection for each document a write adds.
func openWithTeams(b *testing.B, n int) *Store {
	b.Helper()
	coll := mongokit.NewCollection(true)
	for i := range n {
		t := Team{ID: teamID(fmt.Sprintf("W%02d", i%100), fmt.Sprintf("M%06d", i)), Workspace: fmt.Sprintf("W%02d", i%100), Manager: fmt.Sprintf("M%06d", i), Reps: []string{}}
		raw, err := bson.Marshal(t)
		if err != nil {
			b.Fatal(err)
		}
		var d bson.D
		if err := bson.Unmarshal(raw, &d); err != nil {
			b.Fatal(err)
		}
		if _, err := coll.Insert(bsonkit.MustConvert(d)); err != nil {
			b.Fatal(err)
		}
	}
	cat := lungo.NewCatalog()
	cat.Namespaces[lungo.Handle{DefaultDatabase, "teams"}] = coll
	mem := lungo.NewMemoryStore()
	if err := mem.Store(cat); err != nil {
		b.Fatal(err)
	}
	s, err := openEngine(context.Background(), mem, "memory", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// BenchmarkTickStorage is the storage work of one scheduler tick on the
// embedded engine, at 1k, 10k and 100k stored teams of which 10 are due:
// the "index" path reads the due entries (TeamsDue), the due teams'
// documents (TeamsByID) and stores their next times (SetNextDue), as
// Handler.DueRitualJobs does; the "full" path reads every team, as the
// scheduler did before the index. The rest of a tick works on the due
// teams only. index-build-ms is what the first read after a write to the
// teams costs, once: TeamsByID indexes the collection's new version
// (teamIndex). Run with -benchtime of at most 20x.
func BenchmarkTickStorage(b *testing.B) {
	const slots, perSlot = 20, 10
	for _, path := range []string{"index", "full"} {
		for _, n := range []int{1_000, 10_000, 100_000} {
			b.Run(fmt.Sprintf("path=%s/stored=%d", path, n), func(b *testing.B) {
				if b.N > slots {
					b.Fatalf("-benchtime %dx: at most %dx", b.N, slots)
				}
				ctx := context.Background()
				s := openWithTeams(b, n)
				start := time.Date(2026, time.December, 1, 17, 29, 0, 0, time.UTC)
				quiet := make([]DueTeam, 0, n)
				for i := range n {
					id := teamID(fmt.Sprintf("W%02d", i%100), fmt.Sprintf("M%06d", i))
					at := start.Add(24 * time.Hour)
					if i < slots*perSlot {
						at = start.Add(time.Duration(1+i/perSlot) * time.Minute)
					}
					quiet = append(quiet, DueTeam{ID: id, Workspace: fmt.Sprintf("W%02d", i%100), Team: fmt.Sprintf("M%06d", i), NextAt: at, Rev: 1})
				}
				s.due = newMemDue()
				if err := s.due.importEntries(quiet); err != nil {
					b.Fatal(err)
				}
				if path == "index" {
					// The first read after a write to the teams indexes their
					// new version: once, not on every tick.
					began := time.Now()
					if _, err := s.TeamsByID(ctx, []string{"W00/M000000"}); err != nil {
						b.Fatal(err)
					}
					build := time.Since(began)
					defer func() { b.ReportMetric(float64(build.Microseconds())/1000, "index-build-ms") }()
				}
				b.ResetTimer()
				for i := range b.N {
					now := start.Add(time.Duration(1+i) * time.Minute)
					if path == "full" {
						if teams, err := s.AllTeams(ctx); err != nil || len(teams) != n {
							b.Fatalf("all teams: %d, %v", len(teams), err)
						}
						continue
					}
					due, err := s.TeamsDue(ctx, now)
					if err != nil || len(due) != perSlot {
						b.Fatalf("due at %s: %d, %v", now, len(due), err)
					}
					ids := make([]string, len(due))
					for k, d := range due {
						ids[k] = d.ID
					}
					if teams, err := s.TeamsByID(ctx, ids); err != nil || len(teams) != perSlot {
						b.Fatalf("teams by id: %d, %v", len(teams), err)
					}
					for _, d := range due {
						if ok, err := s.SetNextDue(ctx, d, now.Add(24*time.Hour)); err != nil || !ok {
							b.Fatalf("set next due: %v %v", ok, err)
						}
					}
				}
			})
		}
	}
}
