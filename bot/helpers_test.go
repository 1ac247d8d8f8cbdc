package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
)

// Shorthands for the shared test kit.
var (
	quiet               = testkit.Quiet
	paris               = testkit.Paris
	mustLoad            = testkit.MustLoad
	monday10            = testkit.Monday10
	newClock            = testkit.NewClock
	newStepClock        = testkit.NewStepClock
	memStore            = testkit.MemStore
	allCheckIns         = testkit.AllCheckIns
	mustDate            = testkit.MustDate
	checkBlockKitLimits = testkit.CheckBlockKitLimits
	mustJSON            = testkit.MustJSON
	mustRaw             = testkit.MustRaw
)

var update = flag.Bool("update", false, "rewrite golden files")

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

// golden compares the JSON Slack would receive for msg with testdata/golden/name.json; -update
// rewrites the file.
// replace pairs make random parts, such as objective codes, stable.
func golden(t *testing.T, name string, msg slack.Msg, replace ...[2]string) {
	t.Helper()
	got, err := json.MarshalIndent(views.Wire(msg), "", "  ")
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
