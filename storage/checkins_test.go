package storage

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// stores returns the engines the suite runs on: always a fresh in-memory
// engine, and a real MongoDB when TEST_MONGODB_URI is set.
func stores(t *testing.T) map[string]*Store {
	t.Helper()
	ctx := context.Background()
	out := map[string]*Store{}
	mem, err := OpenMemory(ctx)
	if err != nil {
		t.Fatalf("OpenMemory: %v", err)
	}
	t.Cleanup(func() { _ = mem.Close(ctx) })
	out["memory"] = mem
	if uri := os.Getenv("TEST_MONGODB_URI"); uri != "" {
		s, err := Open(ctx, Config{URI: uri})
		if err != nil {
			t.Fatalf("Open(mongo): %v", err)
		}
		_ = s.checkIns.Drop(ctx)
		if err := s.ensureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close(ctx) })
		out["mongodb"] = s
	}
	return out
}

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func checkIn(ws, user, key, day string, at time.Time, counts map[string]int) CheckIn {
	return CheckIn{Workspace: ws, User: user, Key: key, Day: day, TZ: "Europe/Paris", Raw: "raw " + key, Counts: counts, Source: "test", CreatedAt: at}
}

func TestSaveCheckInIsIdempotentPerWorkspaceKey(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			first, created, err := s.SaveCheckIn(ctx, checkIn("T1", "U1", "trig-1", "2026-11-23", t0, map[string]int{"meetings": 3}))
			if err != nil || !created {
				t.Fatalf("first save: created=%v err=%v", created, err)
			}
			again, created, err := s.SaveCheckIn(ctx, checkIn("T1", "U1", "trig-1", "2026-11-23", t0.Add(time.Second), map[string]int{"meetings": 9}))
			if err != nil {
				t.Fatalf("second save: %v", err)
			}
			if created {
				t.Fatal("second save with the same key reported created")
			}
			if again.ID != first.ID || again.Counts["meetings"] != 3 {
				t.Fatalf("second save returned %+v, want the first entry %+v", again, first)
			}
			// The same key in another workspace is another entry.
			if _, created, err := s.SaveCheckIn(ctx, checkIn("T2", "U1", "trig-1", "2026-11-23", t0, map[string]int{"meetings": 1})); err != nil || !created {
				t.Fatalf("other workspace: created=%v err=%v", created, err)
			}
			got, err := s.CheckIns(ctx, "T1", "U1", "2026-11-23", "2026-11-23")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("T1 has %d entries, want 1", len(got))
			}
			if got[0].Raw != "raw trig-1" || got[0].TZ != "Europe/Paris" || !got[0].CreatedAt.Equal(t0) {
				t.Fatalf("stored entry lost fields: %+v", got[0])
			}
		})
	}
}

func TestSaveCheckInRequiresScope(t *testing.T) {
	s := stores(t)["memory"]
	for _, c := range []CheckIn{
		checkIn("", "U1", "k", "2026-11-23", t0, nil),
		checkIn("T1", "", "k", "2026-11-23", t0, nil),
		checkIn("T1", "U1", "", "2026-11-23", t0, nil),
	} {
		if _, _, err := s.SaveCheckIn(context.Background(), c); err == nil {
			t.Errorf("SaveCheckIn(%+v) succeeded, want an error", c)
		}
	}
}

func TestCheckInsScopesByWorkspaceUserAndDays(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			seed := []CheckIn{
				checkIn("T1", "U1", "a", "2026-11-22", t0, nil),
				checkIn("T1", "U1", "b", "2026-11-23", t0.Add(2*time.Minute), nil),
				checkIn("T1", "U1", "c", "2026-11-23", t0.Add(time.Minute), nil),
				checkIn("T1", "U1", "d", "2026-11-30", t0, nil),
				checkIn("T1", "U2", "e", "2026-11-23", t0, nil),
				checkIn("T2", "U1", "f", "2026-11-23", t0, nil),
			}
			for _, c := range seed {
				if _, _, err := s.SaveCheckIn(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
			tests := []struct {
				ws, user, from, to string
				want               []string
			}{
				{"T1", "U1", "2026-11-23", "2026-11-29", []string{"c", "b"}},
				{"T1", "U1", "2026-11-22", "2026-11-30", []string{"a", "c", "b", "d"}},
				{"T1", "U2", "2026-11-23", "2026-11-29", []string{"e"}},
				{"T2", "U1", "2026-11-01", "2026-11-30", []string{"f"}},
				{"T3", "U1", "2026-11-01", "2026-11-30", nil},
			}
			for _, tt := range tests {
				got, err := s.CheckIns(ctx, tt.ws, tt.user, tt.from, tt.to)
				if err != nil {
					t.Fatal(err)
				}
				var keys []string
				for _, c := range got {
					keys = append(keys, c.Key)
				}
				if !slices.Equal(keys, tt.want) {
					t.Errorf("CheckIns(%s,%s,%s..%s) = %v, want %v", tt.ws, tt.user, tt.from, tt.to, keys, tt.want)
				}
			}
		})
	}
}

func TestUndoLastCheckIn(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			for i, key := range []string{"k1", "k2"} {
				if _, _, err := s.SaveCheckIn(ctx, checkIn("T1", "U1", key, "2026-11-23", t0.Add(time.Duration(i)*time.Minute), map[string]int{"calls": i + 1})); err != nil {
					t.Fatal(err)
				}
			}
			if _, _, err := s.SaveCheckIn(ctx, checkIn("T2", "U1", "k9", "2026-11-23", t0.Add(time.Hour), nil)); err != nil {
				t.Fatal(err)
			}
			undone, err := s.UndoLastCheckIn(ctx, "T1", "U1", "2026-11-23", t0.Add(2*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if undone.Key != "k2" || undone.Raw != "raw k2" || undone.UndoneAt == nil {
				t.Fatalf("undid %+v, want k2 with its raw text and undo time", undone)
			}
			// A redelivery of the undone trigger must not resurrect it.
			if _, created, err := s.SaveCheckIn(ctx, checkIn("T1", "U1", "k2", "2026-11-23", t0, nil)); err != nil || created {
				t.Fatalf("redelivered undone key: created=%v err=%v", created, err)
			}
			live, _ := s.CheckIns(ctx, "T1", "U1", "2026-11-23", "2026-11-23")
			if len(live) != 1 || live[0].Key != "k1" {
				t.Fatalf("live entries after undo = %+v, want only k1", live)
			}
			if u, err := s.UndoLastCheckIn(ctx, "T1", "U1", "2026-11-23", t0.Add(3*time.Hour)); err != nil || u.Key != "k1" {
				t.Fatalf("second undo = %+v, %v; want k1", u, err)
			}
			if _, err := s.UndoLastCheckIn(ctx, "T1", "U1", "2026-11-23", t0.Add(4*time.Hour)); !errors.Is(err, ErrNotFound) {
				t.Fatalf("third undo err = %v, want ErrNotFound", err)
			}
			// The other workspace's entry was never touched.
			if other, _ := s.CheckIns(ctx, "T2", "U1", "2026-11-23", "2026-11-23"); len(other) != 1 {
				t.Fatalf("T2 entries = %d, want 1", len(other))
			}
		})
	}
}

func TestEmbeddedFileEngineKeepsDataAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SaveCheckIn(ctx, checkIn("T1", "U1", "k", "2026-11-23", t0, map[string]int{"proposals": 1})); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	got, err := s.CheckIns(ctx, "T1", "U1", "2026-11-23", "2026-11-23")
	if err != nil || len(got) != 1 || got[0].Counts["proposals"] != 1 {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	// The unique index survived the restart too.
	if _, created, err := s.SaveCheckIn(ctx, checkIn("T1", "U1", "k", "2026-11-23", t0, nil)); err != nil || created {
		t.Fatalf("repeated key after reopen: created=%v err=%v", created, err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRejectsBadURIWithoutLeakingIt(t *testing.T) {
	_, err := Open(context.Background(), Config{URI: "mongodb://user:s3cret@:bad:port"})
	if err == nil {
		t.Fatal("Open accepted a malformed URI")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error leaks the password: %v", err)
	}
}

func TestImportCheckInsSkipsKnownKeys(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if _, _, err := s.SaveCheckIn(ctx, checkIn("T1", "U1", "k1", "2026-11-20", t0, nil)); err != nil {
				t.Fatal(err)
			}
			n, err := s.ImportCheckIns(ctx, []CheckIn{
				checkIn("T1", "U1", "k1", "2026-11-20", t0, nil),
				checkIn("T1", "U1", "k2", "2026-11-21", t0, nil),
				checkIn("T1", "U1", "k3", "2026-11-22", t0, nil),
			})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := s.CheckIns(ctx, "T1", "U1", "2026-11-01", "2026-11-30")
			if len(got) != 3 {
				t.Fatalf("stored %d entries (import reported %d), want 3", len(got), n)
			}
		})
	}
}
