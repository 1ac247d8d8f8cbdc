package testkit

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/storage"
)

// Quiet drops logs that tests do not read.
var Quiet = slog.New(slog.DiscardHandler)

// Paris is the workspaces' default zone in the tests.
var Paris = MustLoad("Europe/Paris")

// MustLoad loads a zone or panics.
func MustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// The days the tests reason in, in Paris.
var (
	// Monday10 is Monday 23 November 2026, 10:00.
	Monday10 = time.Date(2026, 11, 23, 10, 0, 0, 0, Paris)
	// Friday is Friday 27 November 2026, 18:00: a week of activity can be
	// logged with weekday names.
	Friday = time.Date(2026, 11, 27, 18, 0, 0, 0, Paris)
	// Monday0930 is Monday 30 November 2026, the review's time.
	Monday0930 = time.Date(2026, 11, 30, 9, 30, 0, 0, Paris)
)

// MemStore opens a fresh in-memory engine: the production code path.
func MemStore(t testing.TB) *storage.Store {
	t.Helper()
	s, err := storage.OpenMemory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// AllCheckIns reads every live entry of a user from August to December 2026.
func AllCheckIns(t *testing.T, s *storage.Store, ws, user string) []storage.CheckIn {
	t.Helper()
	cs, err := s.CheckIns(context.Background(), ws, user, "2026-08-01", "2026-12-31")
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// MustDate parses a YYYY-MM-DD date or fails the test.
func MustDate(t *testing.T, s string) kpi.Date {
	t.Helper()
	d, err := kpi.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// ModuleRoot is the directory of go.mod, found upwards from the test's
// working directory, so files of the repository are found from a package
// at any depth.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// ManifestScopes reads the bot scopes a Slack app manifest grants.
func ManifestScopes(t testing.TB, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		OAuth struct {
			Scopes struct {
				Bot []string `json:"bot"`
			} `json:"scopes"`
		} `json:"oauth_config"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m.OAuth.Scopes.Bot
}

// MustJSON marshals v or panics.
func MustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// MustRaw is MustJSON as bytes.
func MustRaw(v any) []byte { return []byte(MustJSON(v)) }
