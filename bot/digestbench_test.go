package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/rituals"
)

// discardOutbox accepts everything, so a benchmark times only the build.
type discardOutbox struct{ bytes int }

func (o *discardOutbox) Send(context.Context, string, slack.Msg, string) (string, bool, error) {
	return "1700000000.000001", true, nil
}

func (o *discardOutbox) Upload(_ context.Context, _, _, _, _ string, png []byte) error {
	o.bytes += len(png)
	return nil
}

// BenchmarkDigest builds the manager digest of a 1,000-rep team with 13
// weeks of daily check-ins (65,000 entries), charts included: storage read,
// KPIs, coaching signals, Block Kit and both PNGs.
func BenchmarkDigest(b *testing.B) {
	store := memStore(b)
	entries := seedTeam(b, store, 1000)
	monday := time.Date(2026, 11, 30, 8, 0, 0, 0, paris)
	out := &discardOutbox{}
	h := NewHandler(HandlerConfig{Store: store, Now: newClock(monday).Now, TZ: paris, Lang: "fr", Outbox: out, Logger: quiet})
	sched, _ := rituals.ParseSchedule(rituals.DefaultSpec(rituals.Digest), paris)
	job := rituals.Job{Workspace: "T1", Team: "MGR", Ritual: rituals.Digest, Schedule: sched}
	poster := NewRitualPoster(h, out)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := poster.Post(context.Background(), job, job.OccurrenceID(monday), monday); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(entries), "entries")
	b.ReportMetric(float64(out.bytes)/float64(b.N), "png-bytes/op")
}

func (o *discardOutbox) OpenGroup(_ context.Context, users []string) (string, error) {
	return "G-" + strings.Join(users, "-"), nil
}
