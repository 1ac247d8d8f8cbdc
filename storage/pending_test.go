package storage

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"
)

func TestPendingReadings(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			if _, err := s.Pending(ctx, "T1", "U1", t0); !errors.Is(err, ErrNotFound) {
				t.Fatalf("nothing waits yet: %v", err)
			}
			if _, err := s.SavePending(ctx, Pending{Workspace: "T1", User: "U1"}); err == nil {
				t.Fatal("a reading without its entry was stored")
			}
			entry := checkIn("T1", "U1", "trig-1", "2026-11-22", t0, map[string]int{"lost": 1})
			p := Pending{Workspace: "T1", User: "U1", Entry: entry, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour),
				Doubts: []PendingDoubt{{Kind: "fuzzy", Token: "perdo", Reading: "perdu", Metric: "lost"}}}
			first, err := s.SavePending(ctx, p)
			if err != nil || len(first.Code) != 5 {
				t.Fatalf("SavePending: %+v, %v", first, err)
			}
			got, err := s.Pending(ctx, "T1", "U1", t0.Add(59*time.Minute))
			if err != nil || got.Code != first.Code || got.Entry.Key != "trig-1" || got.Entry.User != "U1" ||
				!maps.Equal(got.Entry.Counts, entry.Counts) || len(got.Doubts) != 1 || got.Doubts[0].Reading != "perdu" {
				t.Fatalf("Pending: %+v, %v", got, err)
			}
			// Another user, or another workspace, has nothing waiting.
			for _, who := range [][2]string{{"T1", "U2"}, {"T2", "U1"}} {
				if _, err := s.Pending(ctx, who[0], who[1], t0); !errors.Is(err, ErrNotFound) {
					t.Errorf("%v sees U1's reading: %v", who, err)
				}
				if err := s.DeletePending(ctx, who[0], who[1], first.Code); !errors.Is(err, ErrNotFound) {
					t.Errorf("%v dropped U1's reading with its code: %v", who, err)
				}
			}
			// A new reading replaces the one waiting, under a new code; the
			// old code drops nothing.
			p.Entry.Key = "trig-2"
			second, err := s.SavePending(ctx, p)
			if err != nil || second.Code == first.Code {
				t.Fatalf("second reading: %+v, %v", second, err)
			}
			if err := s.DeletePending(ctx, "T1", "U1", first.Code); !errors.Is(err, ErrNotFound) {
				t.Fatalf("the old code dropped the new reading: %v", err)
			}
			if got, err := s.Pending(ctx, "T1", "U1", t0); err != nil || got.Entry.Key != "trig-2" {
				t.Fatalf("after replacing: %+v, %v", got, err)
			}
			// An hour later it has expired, and the prune takes it away.
			if _, err := s.Pending(ctx, "T1", "U1", t0.Add(time.Hour)); !errors.Is(err, ErrNotFound) {
				t.Fatalf("an expired reading is still waiting: %v", err)
			}
			if err := s.Prune(ctx, t0.Add(2*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := s.DeletePending(ctx, "T1", "U1", second.Code); !errors.Is(err, ErrNotFound) {
				t.Fatalf("the prune left the expired reading: %v", err)
			}
			// Dropping works once.
			third, err := s.SavePending(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.DeletePending(ctx, "T1", "U1", third.Code); err != nil {
				t.Fatal(err)
			}
			if err := s.DeletePending(ctx, "T1", "U1", third.Code); !errors.Is(err, ErrNotFound) {
				t.Fatalf("dropped twice: %v", err)
			}
		})
	}
}
