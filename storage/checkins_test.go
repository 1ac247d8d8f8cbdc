package storage

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// stores returns the engines the suite runs on: always a fresh in-memory
// engine and a journaled embedded one, and a real MongoDB when
// TEST_MONGODB_URI is set.
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
	// The embedded store as production opens it: journaled, fsynced.
	emb, err := Open(ctx, Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("Open(embedded): %v", err)
	}
	t.Cleanup(func() { _ = emb.Close(ctx) })
	out["journal"] = emb
	if uri := os.Getenv("TEST_MONGODB_URI"); uri != "" {
		// A fresh database per test, dropped after it, so the suite can
		// run again and again against the same server.
		s, err := Open(ctx, Config{URI: uri, Database: "kpibot_test_" + newCode() + newCode()})
		if err != nil {
			t.Fatalf("Open(mongo): %v", err)
		}
		t.Cleanup(func() { _ = s.DropDatabase(ctx); _ = s.Close(ctx) })
		out["mongodb"] = s
	}
	return out
}

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

const cap1000 = 1000

// weekOf maps the November 2026 days the tests use to their Monday.
func weekOf(day string) string {
	d, _ := time.Parse(time.DateOnly, day)
	back := (int(d.Weekday()) + 6) % 7
	return d.AddDate(0, 0, -back).Format(time.DateOnly)
}

func checkIn(ws, user, key, day string, at time.Time, counts map[string]int) CheckIn {
	return CheckIn{Workspace: ws, User: user, Key: key, Day: day, TZ: "Europe/Paris", Raw: "raw " + key, Counts: counts, Source: "test", CreatedAt: at}
}

func save(t *testing.T, s *Store, c CheckIn) (CheckIn, bool, Week) {
	t.Helper()
	got, created, week, err := s.SaveCheckIn(context.Background(), c, weekOf(c.Day), cap1000)
	if err != nil {
		t.Fatalf("SaveCheckIn(%s): %v", c.Key, err)
	}
	return got, created, week
}

func keys(cs []CheckIn) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Key)
	}
	return out
}

func TestSaveCheckInIsIdempotentPerWorkspaceKey(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			first, created, week := save(t, s, checkIn("T1", "U1", "trig-1", "2026-11-23", t0, map[string]int{"meetings": 3}))
			if !created || first.Workspace != "T1" || first.User != "U1" {
				t.Fatalf("first save: created=%v entry=%+v", created, first)
			}
			if week.Start != "2026-11-23" || len(week.Live()) != 1 || week.Days["2026-11-23"]["meetings"] != 3 {
				t.Fatalf("week after first save: %+v", week)
			}
			again, created, week := save(t, s, checkIn("T1", "U1", "trig-1", "2026-11-23", t0.Add(time.Second), map[string]int{"meetings": 9}))
			if created {
				t.Fatal("second save with the same key reported created")
			}
			if again.Counts["meetings"] != 3 || !again.CreatedAt.Equal(t0) || len(week.Live()) != 1 {
				t.Fatalf("second save returned %+v, want the first entry", again)
			}
			// A redelivery that lands in another week is caught too.
			if _, created, _ := save(t, s, checkIn("T1", "U1", "trig-1", "2026-11-16", t0, nil)); created {
				t.Fatal("the same key was stored again in another week")
			}
			// The same key in another workspace is another entry.
			if _, created, _ := save(t, s, checkIn("T2", "U1", "trig-1", "2026-11-23", t0, map[string]int{"meetings": 1})); !created {
				t.Fatal("the same key in another workspace was refused")
			}
			got, err := s.CheckIns(ctx, "T1", "U1", "2026-11-01", "2026-11-30")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Raw != "raw trig-1" || got[0].TZ != "Europe/Paris" || !got[0].CreatedAt.Equal(t0) || got[0].Workspace != "T1" {
				t.Fatalf("stored %+v", got)
			}
		})
	}
}

func TestSaveCheckInEnforcesTheDailyCapAtomically(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			save(t, s, checkIn("T1", "U1", "a", "2026-11-23", t0, map[string]int{"calls": 600, "emails": 10}))
			_, _, _, err := s.SaveCheckIn(ctx, checkIn("T1", "U1", "b", "2026-11-23", t0, map[string]int{"emails": 1, "calls": 401}), "2026-11-23", cap1000)
			var capErr *CapError
			if !errors.As(err, &capErr) || capErr.Metric != "calls" || capErr.Total != 1001 || capErr.Cap != cap1000 {
				t.Fatalf("err = %v, want a cap error on calls at 1001", err)
			}
			// Exactly at the cap is fine, and another day has its own cap.
			save(t, s, checkIn("T1", "U1", "c", "2026-11-23", t0, map[string]int{"calls": 400}))
			save(t, s, checkIn("T1", "U1", "d", "2026-11-24", t0, map[string]int{"calls": 1000}))
			w, err := s.Week(ctx, "T1", "U1", "2026-11-23")
			if err != nil {
				t.Fatal(err)
			}
			if got := keys(w.Live()); !slices.Equal(got, []string{"a", "c", "d"}) {
				t.Fatalf("live entries %v", got)
			}
			if w.Days["2026-11-23"]["calls"] != 1000 || w.Days["2026-11-23"]["emails"] != 10 {
				t.Fatalf("day totals %v", w.Days)
			}
		})
	}
}

func TestSaveCheckInConcurrentDeliveriesStoreOnce(t *testing.T) {
	s := stores(t)["memory"]
	var wg sync.WaitGroup
	created := make(chan bool, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := "same"
			if i%2 == 1 {
				key = "other-" + string(rune('a'+i))
			}
			_, ok, _, err := s.SaveCheckIn(context.Background(), checkIn("T1", "U1", key, "2026-11-23", t0, map[string]int{"calls": 1}), "2026-11-23", cap1000)
			if err != nil {
				t.Error(err)
			}
			created <- ok
		}()
	}
	wg.Wait()
	close(created)
	n := 0
	for ok := range created {
		if ok {
			n++
		}
	}
	w, _ := s.Week(context.Background(), "T1", "U1", "2026-11-23")
	if n != 11 || len(w.Live()) != 11 || w.Days["2026-11-23"]["calls"] != 11 {
		t.Fatalf("created %d, stored %d, day total %d; want 11 each", n, len(w.Live()), w.Days["2026-11-23"]["calls"])
	}
}

func TestSaveCheckInRequiresScope(t *testing.T) {
	s := stores(t)["memory"]
	for _, c := range []CheckIn{
		checkIn("", "U1", "k", "2026-11-23", t0, nil),
		checkIn("T1", "", "k", "2026-11-23", t0, nil),
		checkIn("T1", "U1", "", "2026-11-23", t0, nil),
		checkIn("T1", "U1", "k", "", t0, nil),
	} {
		if _, _, _, err := s.SaveCheckIn(context.Background(), c, "2026-11-23", cap1000); err == nil {
			t.Errorf("SaveCheckIn(%+v) succeeded, want an error", c)
		}
	}
}

func TestCheckInsScopesByWorkspaceUserAndDays(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			for _, c := range []CheckIn{
				checkIn("T1", "U1", "a", "2026-11-22", t0, nil),
				checkIn("T1", "U1", "b", "2026-11-23", t0.Add(2*time.Minute), nil),
				checkIn("T1", "U1", "c", "2026-11-23", t0.Add(time.Minute), nil),
				checkIn("T1", "U1", "d", "2026-11-30", t0, nil),
				checkIn("T1", "U2", "e", "2026-11-23", t0, nil),
				checkIn("T2", "U1", "f", "2026-11-23", t0, nil),
			} {
				save(t, s, c)
			}
			tests := []struct {
				ws, user, from, to string
				want               []string
			}{
				{"T1", "U1", "2026-11-23", "2026-11-29", []string{"c", "b"}},
				{"T1", "U1", "2026-11-22", "2026-11-30", []string{"a", "c", "b", "d"}},
				{"T1", "U1", "2026-11-22", "2026-11-22", []string{"a"}},
				{"T1", "U1", "2026-11-24", "2026-11-29", nil},
				{"T1", "U2", "2026-11-23", "2026-11-29", []string{"e"}},
				{"T2", "U1", "2026-11-01", "2026-11-30", []string{"f"}},
				{"T3", "U1", "2026-11-01", "2026-11-30", nil},
			}
			for _, tt := range tests {
				got, err := s.CheckIns(ctx, tt.ws, tt.user, tt.from, tt.to)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(keys(got), tt.want) {
					t.Errorf("CheckIns(%s,%s,%s..%s) = %v, want %v", tt.ws, tt.user, tt.from, tt.to, keys(got), tt.want)
				}
			}
			if _, err := s.CheckIns(ctx, "T1", "U1", "not-a-day", "2026-11-30"); err == nil {
				t.Error("CheckIns accepted a malformed day")
			}
		})
	}
}

func TestUndoLastCheckIn(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			save(t, s, checkIn("T1", "U1", "k1", "2026-11-23", t0, map[string]int{"calls": 1}))
			save(t, s, checkIn("T1", "U1", "k2", "2026-11-23", t0.Add(time.Minute), map[string]int{"calls": 2}))
			save(t, s, checkIn("T1", "U1", "k0", "2026-11-24", t0.Add(-time.Hour), map[string]int{"calls": 5}))
			save(t, s, checkIn("T2", "U1", "k9", "2026-11-23", t0.Add(time.Hour), nil))

			undo := func(at time.Duration) (CheckIn, error) {
				return s.UndoLastCheckIn(ctx, "T1", "U1", "2026-11-23", "2026-11-23", t0.Add(at))
			}
			undone, err := undo(2 * time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if undone.Key != "k2" || undone.Raw != "raw k2" || undone.UndoneAt == nil {
				t.Fatalf("undid %+v, want k2 with its raw text and undo time", undone)
			}
			// A redelivery of the undone trigger must not resurrect it.
			if _, created, _ := save(t, s, checkIn("T1", "U1", "k2", "2026-11-23", t0, nil)); created {
				t.Fatal("redelivered undone key was stored again")
			}
			w, _ := s.Week(ctx, "T1", "U1", "2026-11-23")
			if got := keys(w.Live()); !slices.Equal(got, []string{"k1", "k0"}) || w.Days["2026-11-23"]["calls"] != 1 {
				t.Fatalf("after undo: live %v, day totals %v", got, w.Days)
			}
			if len(w.Entries) != 3 {
				t.Fatalf("undo deleted the entry: %d kept, want 3", len(w.Entries))
			}
			if u, err := undo(3 * time.Hour); err != nil || u.Key != "k1" {
				t.Fatalf("second undo = %+v, %v; want k1", u, err)
			}
			if _, err := undo(4 * time.Hour); !errors.Is(err, ErrNotFound) {
				t.Fatalf("third undo err = %v, want ErrNotFound", err)
			}
			// The other day and the other workspace were never touched.
			if got, _ := s.CheckIns(ctx, "T1", "U1", "2026-11-24", "2026-11-24"); len(got) != 1 {
				t.Fatalf("next day's entries = %d, want 1", len(got))
			}
			if other, _ := s.CheckIns(ctx, "T2", "U1", "2026-11-23", "2026-11-23"); len(other) != 1 {
				t.Fatalf("T2 entries = %d, want 1", len(other))
			}
		})
	}
}

func TestImportCheckInsSkipsKnownKeys(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			save(t, s, checkIn("T1", "U1", "k1", "2026-11-20", t0, map[string]int{"calls": 1}))
			_, err := s.ImportCheckIns(ctx, []CheckIn{
				checkIn("T1", "U1", "k1", "2026-11-20", t0, map[string]int{"calls": 1}),
				checkIn("T1", "U1", "k2", "2026-11-21", t0, map[string]int{"calls": 2}),
				checkIn("T1", "U1", "k3", "2026-11-23", t0, map[string]int{"calls": 3}),
			}, weekOf)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := s.CheckIns(ctx, "T1", "U1", "2026-11-01", "2026-11-30")
			if !slices.Equal(keys(got), []string{"k1", "k2", "k3"}) {
				t.Fatalf("stored %v, want k1 k2 k3", keys(got))
			}
			w, _ := s.Week(ctx, "T1", "U1", "2026-11-16")
			if w.Days["2026-11-20"]["calls"] != 1 || w.Days["2026-11-21"]["calls"] != 2 {
				t.Fatalf("day totals %v", w.Days)
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
	save(t, s, checkIn("T1", "U1", "k", "2026-11-23", t0, map[string]int{"proposals": 1}))
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
	if _, created, _ := save(t, s, checkIn("T1", "U1", "k", "2026-11-30", t0, nil)); created {
		t.Fatal("repeated key after reopen was stored")
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

func TestImportCheckInsIntoNewAndExistingWeeks(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			save(t, s, checkIn("T1", "U1", "old", "2026-11-23", t0, map[string]int{"calls": 1}))
			n, err := s.ImportCheckIns(ctx, []CheckIn{
				checkIn("T1", "U1", "a", "2026-11-24", t0, map[string]int{"calls": 2}), // existing week
				checkIn("T1", "U1", "b", "2026-11-16", t0, map[string]int{"calls": 3}), // new week
				checkIn("T1", "U1", "c", "2026-11-17", t0, map[string]int{"calls": 4}), // same new week
				checkIn("T1", "U1", "c", "2026-11-17", t0, map[string]int{"calls": 4}), // repeated in the batch
				checkIn("T1", "U2", "d", "2026-11-16", t0, nil),
			}, weekOf)
			if err != nil || n != 4 {
				t.Fatalf("imported %d, %v; want 4", n, err)
			}
			got, _ := s.CheckIns(ctx, "T1", "U1", "2026-11-01", "2026-11-30")
			if !slices.Equal(keys(got), []string{"b", "c", "old", "a"}) {
				t.Fatalf("stored %v", keys(got))
			}
			w, _ := s.Week(ctx, "T1", "U1", "2026-11-16")
			if w.Days["2026-11-16"]["calls"] != 3 || w.Days["2026-11-17"]["calls"] != 4 {
				t.Fatalf("day totals of the new week: %v", w.Days)
			}
			// The cap still holds on imported days.
			if _, _, _, err := s.SaveCheckIn(ctx, checkIn("T1", "U1", "e", "2026-11-17", t0, map[string]int{"calls": 997}), "2026-11-16", cap1000); err == nil {
				t.Fatal("the cap ignored imported totals")
			}
		})
	}
}

// A key already stored for one user, sent again by another, used to
// return the first user's entry and week as a repeat. It is a conflict:
// nothing is stored, and nothing of the first entry comes back.
func TestSaveCheckInKeyOfAnotherUser(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
			first := checkIn("T1", "U1", "trig-1", "2026-11-23", t0, map[string]int{"meetings": 7})
			first.Note = "Acme veut une remise"
			if _, created, _, err := s.SaveCheckIn(ctx, first, "2026-11-23", cap1000); err != nil || !created {
				t.Fatalf("U1: created %v, %v", created, err)
			}
			for _, day := range []string{"2026-11-23", "2026-11-16"} { // same week, and another
				weekStart := day
				entry, created, week, err := s.SaveCheckIn(ctx, checkIn("T1", "U2", "trig-1", day, t0, map[string]int{"meetings": 1}), weekStart, cap1000)
				if !errors.Is(err, ErrKeyConflict) {
					t.Fatalf("U2 with U1's key (%s): err %v, want ErrKeyConflict", day, err)
				}
				if created || entry.Note != "" || len(entry.Counts) != 0 || len(week.Entries) != 0 {
					t.Fatalf("U2 was handed %+v / %+v", entry, week)
				}
			}
			if got, _ := s.CheckIns(ctx, "T1", "U2", "2026-11-01", "2026-11-30"); len(got) != 0 {
				t.Fatalf("stored %d entries for U2", len(got))
			}
			// The same key from the same user is still a repeat.
			if _, created, _, err := s.SaveCheckIn(ctx, first, "2026-11-23", cap1000); err != nil || created {
				t.Fatalf("U1's repeat: created %v, %v", created, err)
			}
			// Another workspace is another key space.
			if _, created, _, err := s.SaveCheckIn(ctx, checkIn("T2", "U2", "trig-1", "2026-11-23", t0, map[string]int{"meetings": 1}), "2026-11-23", cap1000); err != nil || !created {
				t.Fatalf("T2: created %v, %v", created, err)
			}
		})
	}
}
