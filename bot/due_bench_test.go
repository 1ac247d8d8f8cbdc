package bot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/rituals"
	"github.com/kpibot/kpibot/storage"
)

// allTeamsOnly hides the index of next-due times, so RitualJobs reads
// every team on every pass, as the scheduler did before the index.
type allTeamsOnly struct{ s *storage.Store }

func (a allTeamsOnly) AllTeams(ctx context.Context) ([]storage.Team, error) {
	return a.s.AllTeams(ctx)
}

// dueSlots is how many ticks a benchmark run can time: each minute from
// 18:30 has its own dueTeams teams due.
const (
	dueSlots = 20
	dueTeams = 10
)

// BenchmarkRitualTick is one scheduler tick through the production path
// (Handler.DueRitualJobs, then Runner.TickTeams, on the in-memory store)
// at 1k, 10k and 100k stored teams, of which 10 are due each tick: the
// "index" runs read the teams due from the index of next-due times, the
// "full" ones read every team as the scheduler did before it. The stored
// teams are imported with the index entries a first pass stores (their
// next run is Wednesday's 18:00 alert); the due teams have a daily digest
// at their minute. Run with -benchtime of at most 20x.
//
// On the embedded store the index is in memory (storage's memDue), and
// TeamsByID looks the due teams up in an index of the teams collection's
// current version (storage's teamIndex), so neither costs the teams
// stored. The set-up imports the teams with ImportTeams, yet lungo copies
// a collection for each document inserted: 100k teams take about 25
// minutes to set up on this engine, 30k a few. storage's
// BenchmarkTickStorage builds its catalog directly and measures the
// storage side of a tick at 100k.
func BenchmarkRitualTick(b *testing.B) {
	for _, path := range []string{"index", "full"} {
		for _, n := range []int{1_000, 10_000, 30_000, 100_000} {
			b.Run(fmt.Sprintf("path=%s/stored=%d", path, n), func(b *testing.B) {
				if b.N > dueSlots {
					b.Fatalf("-benchtime %dx: at most %dx, one tick per minute with teams due", b.N, dueSlots)
				}
				benchRitualTick(b, path, n)
			})
		}
	}
}

func benchRitualTick(b *testing.B, path string, n int) {
	ctx := context.Background()
	store := testkit.MemStore(b)
	tuesday := time.Date(2026, time.December, 1, 18, 29, 0, 0, paris)
	now := tuesday
	clock := func() time.Time { return now }
	h := bottest.NewHandler(b, store, clock, bottest.Profiles{})
	quiet := make([]storage.Team, 0, n)
	for i := range n - dueSlots*dueTeams {
		quiet = append(quiet, storage.Team{Workspace: fmt.Sprintf("W%02d", i%100), Manager: fmt.Sprintf("M%06d", i)})
	}
	wednesdayAlert := time.Date(2026, time.December, 2, 18, 0, 0, 0, paris)
	if err := store.ImportTeams(ctx, quiet, wednesdayAlert); err != nil {
		b.Fatal(err)
	}
	var due []storage.Team
	for s := range dueSlots {
		for k := range dueTeams {
			due = append(due, storage.Team{Workspace: "WD", Manager: fmt.Sprintf("D%02d-%d", s, k)})
		}
	}
	if err := store.ImportTeams(ctx, due, tuesday); err != nil {
		b.Fatal(err)
	}
	for i, t := range due {
		spec := fmt.Sprintf("daily 18:%02d", 30+i/dueTeams)
		if err := store.SaveRitualSetting(ctx, storage.RitualSetting{Workspace: t.Workspace, Team: t.Manager, Ritual: "digest", Spec: spec, TZ: "Europe/Paris"}); err != nil {
			b.Fatal(err)
		}
	}
	poster := &recordingPoster{}
	runner := &rituals.Runner{Claimer: store, Poster: poster, Holder: "A", Now: clock, Logger: testkit.Quiet}
	tick := func() (int, rituals.TickReport) {
		if path == "full" {
			jobs, err := h.RitualJobs(ctx, allTeamsOnly{store}, now)
			if err != nil {
				b.Fatal(err)
			}
			return n, runner.Tick(ctx, jobs)
		}
		teams, jobs, err := h.DueRitualJobs(ctx, store, now, 30*time.Second, runner.Busy())
		if err != nil {
			b.Fatal(err)
		}
		return len(teams), runner.TickTeams(ctx, teams, jobs)
	}
	tick() // the due teams' settings were just saved: their entries are computed
	b.ResetTimer()
	read := 0
	for i := range b.N {
		now = tuesday.Add(time.Duration(i+1)*time.Minute + 10*time.Second)
		teams, rep := tick()
		read += teams
		if rep.Posted != dueTeams || rep.Failed != 0 {
			b.Fatalf("tick at %s: %+v, want %d posted", now.Format("15:04:05"), rep, dueTeams)
		}
	}
	b.ReportMetric(float64(read)/float64(b.N), "teams-read/tick")
}
