package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
)

func TestPartitionsBetween(t *testing.T) {
	for _, tt := range []struct {
		from, to string
		want     []string
	}{
		{"2026-11-02", "2026-11-16", []string{"weeks_2026_11_02", "weeks_2026_11_09", "weeks_2026_11_16"}},
		{"2026-10-26", "2026-11-02", []string{"weeks_2026_10_26", "weeks_2026_11_02"}},
		{"2026-10-20", "2026-11-01", []string{"weeks_2026_10_26"}}, // from a Tuesday: the next Monday
		{"2026-12-28", "2027-01-04", []string{"weeks_2026_12_28", "weeks_2027_01_04"}},
		{"2026-11-30", "2026-11-02", nil},
	} {
		got, err := partitionsBetween(tt.from, tt.to)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("partitionsBetween(%s, %s) = %v, %v; want %v", tt.from, tt.to, got, err, tt.want)
		}
	}
	if _, err := partitionsBetween("soon", "2026-11-02"); err == nil {
		t.Error("a bad date was accepted")
	}
}

// A week is stored in the collection of its Monday, and a period read
// spans every week it needs: the week of Mon 26 Oct holds Sun 1 Nov.
func TestCheckInsAcrossMonths(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			save(t, s, checkIn("T1", "U1", "a", "2026-11-01", t0, map[string]int{"calls": 3}))
			save(t, s, checkIn("T1", "U1", "b", "2026-11-02", t0, map[string]int{"calls": 4}))
			save(t, s, checkIn("T1", "U1", "c", "2026-12-01", t0.AddDate(0, 0, 8), map[string]int{"calls": 5}))
			got, err := s.CheckIns(context.Background(), "T1", "U1", "2026-11-01", "2026-12-31")
			if err != nil || !slices.Equal(keys(got), []string{"a", "b", "c"}) {
				t.Fatalf("check-ins = %v, %v", keys(got), err)
			}
			for coll, want := range map[string]int64{"weeks_2026_10_26": 1, "weeks_2026_11_02": 1, "weeks_2026_11_30": 1} {
				n, err := s.coll(coll).CountDocuments(context.Background(), bson.D{})
				if err != nil || n != want {
					t.Errorf("%s holds %d weeks, %v; want %d", coll, n, err, want)
				}
			}
		})
	}
}

// A key is written before its entry. A crash between the two leaves a
// key with no entry: the redelivery completes it, once. A refused entry
// takes its key back.
func TestCheckInKeyWithoutItsEntry(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			k := checkInKey{ID: keyID("T1", "trig"), User: "U1", Week: weekID("T1", "U1", "2026-11-23"), Start: "2026-11-23", CreatedAt: dbTime(t0)}
			if _, err := s.coll(keyBucket("T1", "trig")).InsertOne(ctx, k); err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				_, created, _ := save(t, s, checkIn("T1", "U1", "trig", "2026-11-23", t0, map[string]int{"calls": 2}))
				if created != (i == 0) {
					t.Fatalf("delivery %d: created %v", i, created)
				}
			}
			if got, _ := s.CheckIns(ctx, "T1", "U1", "2026-11-23", "2026-11-23"); len(got) != 1 {
				t.Fatalf("stored %d entries, want 1", len(got))
			}

			save(t, s, checkIn("T1", "U1", "full", "2026-11-24", t0, map[string]int{"calls": 1000}))
			_, _, _, err := s.SaveCheckIn(ctx, checkIn("T1", "U1", "over", "2026-11-24", t0, map[string]int{"calls": 1}), "2026-11-23", cap1000)
			var capErr *CapError
			if !errors.As(err, &capErr) {
				t.Fatalf("err %v, want a CapError", err)
			}
			if n, _ := s.coll(keyBucket("T1", "over")).CountDocuments(ctx, bson.D{{Key: "_id", Value: keyID("T1", "over")}}); n != 0 {
				t.Error("a refused entry left its key behind")
			}
		})
	}
}

// Keys are kept a week and finished occurrences five: the collections a
// /log and a reminder write to stay small.
func TestPrune(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := t0.AddDate(0, 2, 0)
			save(t, s, checkIn("T1", "U1", "old", "2026-11-23", t0, map[string]int{"calls": 1}))
			save(t, s, checkIn("T1", "U1", "new", "2026-11-24", now.Add(-time.Hour), map[string]int{"calls": 1}))
			for id, at := range map[string]time.Time{"T1/sales/digest/old": t0, "T1/sales/digest/new": now.Add(-time.Hour)} {
				if _, err := s.ClaimOccurrence(ctx, "T1", id, "r1", at, time.Minute); err != nil {
					t.Fatal(err)
				}
				if err := s.MarkOccurrenceDone(ctx, id, "r1", "1.0", at); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.ClaimOccurrence(ctx, "T1", "T1/sales/digest/stuck", "r1", t0, time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := s.Prune(ctx, now); err != nil {
				t.Fatal(err)
			}
			var left []string
			for _, c := range append(keyBuckets(), occurrencesCollection) {
				docs, err := findAll[struct {
					ID string `bson:"_id"`
				}](ctx, s.coll(c), bson.D{}, c)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range docs {
					left = append(left, d.ID)
				}
			}
			slices.Sort(left)
			if want := []string{"T1/new", "T1/sales/digest/new", "T1/sales/digest/stuck"}; !slices.Equal(left, want) {
				t.Fatalf("after the prune: %v, want %v", left, want)
			}
			// The entries themselves are history, never pruned.
			if got, _ := s.CheckIns(ctx, "T1", "U1", "2026-11-01", "2026-11-30"); len(got) != 2 {
				t.Fatalf("the prune took entries: %d left", len(got))
			}
		})
	}
}

// Data stored in an older layout moves into the weekly collections on the
// first start, keeps recent keys, and moves once.
func TestLegacyWeeksMigrate(t *testing.T) {
	// The single collection of the first layout, and a monthly one of the
	// second.
	for _, from := range []string{legacyWeeks, "weeks_2026_11"} {
		t.Run(from, func(t *testing.T) { testLegacyWeeksMigrate(t, from) })
	}
}

func testLegacyWeeksMigrate(t *testing.T, from string) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	legacy := s.coll(from)
	var docs []any
	for i, start := range []string{"2026-10-26", "2026-11-16", "2026-11-23"} {
		at := t0.AddDate(0, 0, -7*(2-i))
		docs = append(docs, Week{ID: weekID("T1", "U1", start), Workspace: "T1", User: "U1", Start: start,
			Entries: []CheckIn{{Key: fmt.Sprintf("k%d", i), Day: start, Raw: "3 rdv", Counts: map[string]int{"meetings": 3}, CreatedAt: dbTime(at)}},
			Days:    map[string]map[string]int{start: {"meetings": 3}}})
	}
	if _, err := legacy.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return t0.Add(time.Hour) }
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second start finds nothing to move
		s, err = Open(ctx, Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		names, err := s.db.ListCollectionNames(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(names, from) || !slices.Contains(names, "weeks_2026_10_26") || !slices.Contains(names, "weeks_2026_11_23") {
			t.Fatalf("collections after migration: %v", names)
		}
		got, err := s.CheckIns(ctx, "T1", "U1", "2026-10-26", "2026-11-29")
		if err != nil || !slices.Equal(keys(got), []string{"k0", "k1", "k2"}) {
			t.Fatalf("migrated check-ins: %v, %v", keys(got), err)
		}
		// The last entry's key came along: its redelivery is a repeat.
		if _, created, _ := save(t, s, checkIn("T1", "U1", "k2", "2026-11-23", t0, map[string]int{"meetings": 3})); created {
			t.Fatal("a migrated key was stored again")
		}
		if err := s.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
