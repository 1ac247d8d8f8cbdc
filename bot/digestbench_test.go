package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/demo"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
)

// BenchmarkDigest builds the manager digest of a 1,000-rep team with 13
// weeks of daily check-ins (65,000 entries), charts included: storage read,
// KPIs, coaching signals, Block Kit and both PNGs.
func BenchmarkDigest(b *testing.B) {
	store := memStore(b)
	entries := seedTeam(b, store, 1000)
	monday := time.Date(2026, 11, 30, 8, 0, 0, 0, paris)
	out := &testkit.DiscardOutbox{}
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: newClock(monday).Now, TZ: paris, Lang: "fr", Outbox: out, Logger: quiet})
	sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rituals.Digest), paris)
	job := rituals.Job{Workspace: "T1", Team: "MGR", Ritual: rituals.Digest, Schedule: sched}
	poster := bot.NewRitualPoster(h, out)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := poster.Post(context.Background(), job, job.OccurrenceID(monday), monday); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(entries), "entries")
	b.ReportMetric(float64(out.Bytes)/float64(b.N), "png-bytes/op")
}

// BenchmarkDigestDemoTeam builds the digest of the demo team (package
// demo: 8 reps, 12 weeks), the team a newcomer sees first, and its App
// Home, from the same seeded generator.
func BenchmarkDigestDemoTeam(b *testing.B) {
	store := memStore(b)
	monday := time.Date(2026, 11, 30, 8, 0, 0, 0, paris)
	out := &testkit.DiscardOutbox{}
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: newClock(monday).Now, TZ: paris, Lang: "fr", Outbox: out, Logger: quiet})
	sum, err := demo.Seed(context.Background(), store, h, monday, paris, 2026, prompts.French)
	if err != nil {
		b.Fatal(err)
	}
	sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rituals.Digest), paris)
	job := rituals.Job{Workspace: demo.Workspace, Team: demo.Manager, Ritual: rituals.Digest, Schedule: sched}
	poster := bot.NewRitualPoster(h, out)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := poster.Post(context.Background(), job, job.OccurrenceID(monday), monday); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(sum.CheckIns), "entries")
}
