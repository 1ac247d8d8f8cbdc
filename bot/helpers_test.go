package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// quiet drops logs that tests do not read.
var quiet = slog.New(slog.DiscardHandler)

var update = flag.Bool("update", false, "rewrite golden files")

// clock is a settable time source; tests move it instead of sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var paris = mustLoad("Europe/Paris")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// monday10 is Monday 23 November 2026, 10:00 in Paris.
var monday10 = time.Date(2026, 11, 23, 10, 0, 0, 0, paris)

// memStore opens a fresh in-memory engine: the production code path.
func memStore(t testing.TB) *storage.Store {
	t.Helper()
	s, err := storage.OpenMemory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// fakeProfiles answers from a map, like users.info would.
type fakeProfiles map[string]Profile

func (f fakeProfiles) Profile(_ context.Context, _, user string) (Profile, bool) {
	p, ok := f[user]
	return p, ok
}

func newHandler(t *testing.T, store Store, now func() time.Time, profiles Profiles) *Handler {
	t.Helper()
	return NewHandler(HandlerConfig{Store: store, Profiles: profiles, Now: now, TZ: paris, Lang: prompts.French, Logger: quiet})
}

// allCheckIns reads every live entry of a user in November 2026.
func allCheckIns(t *testing.T, s *storage.Store, ws, user string) []storage.CheckIn {
	t.Helper()
	cs, err := s.CheckIns(context.Background(), ws, user, "2026-08-01", "2026-12-31")
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// golden compares the JSON Slack would receive for msg with testdata/golden/name.json; -update
// rewrites the file.
// replace pairs make random parts, such as objective codes, stable.
func golden(t *testing.T, name string, msg slack.Msg, replace ...[2]string) {
	t.Helper()
	got, err := json.MarshalIndent(wire(msg), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	for _, r := range replace {
		got = bytes.ReplaceAll(got, []byte(r[0]), []byte(r[1]))
	}
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// checkBlockKitLimits fails when msg breaks a Slack Block Kit limit.
func checkBlockKitLimits(t *testing.T, msg slack.Msg) {
	t.Helper()
	blocks := msg.Blocks.BlockSet
	if len(blocks) > 50 {
		t.Errorf("%d blocks, Slack allows 50", len(blocks))
	}
	for i, b := range blocks {
		switch b := b.(type) {
		case *slack.SectionBlock:
			if b.Text != nil && len([]rune(b.Text.Text)) > 3000 {
				t.Errorf("block %d: section text of %d characters, Slack allows 3000", i, len([]rune(b.Text.Text)))
			}
			if len(b.Fields) > 10 {
				t.Errorf("block %d: %d fields, Slack allows 10", i, len(b.Fields))
			}
		case *slack.HeaderBlock:
			if len([]rune(b.Text.Text)) > 150 {
				t.Errorf("block %d: header of %d characters, Slack allows 150", i, len([]rune(b.Text.Text)))
			}
		case *slack.ContextBlock:
			if n := len(b.ContextElements.Elements); n > 10 {
				t.Errorf("block %d: %d context elements, Slack allows 10", i, n)
			}
		}
	}
	if msg.Text == "" {
		t.Error("no fallback text: notifications and screen readers need one")
	}
}

func mustDate(t *testing.T, s string) kpi.Date {
	t.Helper()
	d, err := kpi.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
