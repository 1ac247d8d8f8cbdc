package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

const (
	occID = "T1/M1/digest/2026-11-23"
	lease = 2 * time.Minute
)

// claimsStores returns the engines the claims suite runs on, like stores:
// a fresh in-memory engine, and a real MongoDB when TEST_MONGODB_URI is
// set, with its occurrences dropped. Each call gives fresh state.
func claimsStores(t *testing.T) map[string]*Store {
	t.Helper()
	ctx := context.Background()
	out := stores(t)
	for name, s := range out {
		if name != "memory" {
			if err := s.occurrences().Drop(ctx); err != nil {
				t.Fatalf("drop occurrences: %v", err)
			}
		}
	}
	return out
}

func claim(t *testing.T, s *Store, holder string, at time.Time) (Occurrence, error) {
	t.Helper()
	return s.ClaimOccurrence(context.Background(), "T1", occID, holder, at, lease)
}

func mustClaim(t *testing.T, s *Store, holder string, at time.Time) Occurrence {
	t.Helper()
	o, err := claim(t, s, holder, at)
	if err != nil {
		t.Fatalf("ClaimOccurrence(%s at %s): %v", holder, at.Format(time.TimeOnly), err)
	}
	return o
}

func wantClaimed(t *testing.T, err error, state string) {
	t.Helper()
	if !errors.Is(err, ErrClaimed) {
		t.Fatalf("err = %v, want ErrClaimed", err)
	}
	var ce *ClaimError
	if !errors.As(err, &ce) || ce.State != state {
		t.Fatalf("err = %#v, want a *ClaimError with state %q", err, state)
	}
}

func TestClaimOccurrence(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, s *Store)
	}{
		{"new claim", func(t *testing.T, s *Store) {
			o := mustClaim(t, s, "A", t0)
			want := Occurrence{ID: occID, Workspace: "T1", State: OccurrenceClaimed, Holder: "A", LeaseUntil: t0.Add(lease), ClaimedAt: t0, Attempts: 1}
			if o != want {
				t.Fatalf("claim = %+v, want %+v", o, want)
			}
			got, err := s.Occurrence(ctx, occID)
			if err != nil || got != want {
				t.Fatalf("Occurrence = %+v, %v; want %+v", got, err, want)
			}
		}},
		{"same holder re-claims and extends the lease", func(t *testing.T, s *Store) {
			mustClaim(t, s, "A", t0)
			o := mustClaim(t, s, "A", t0.Add(time.Minute))
			if o.Attempts != 1 || o.Holder != "A" || !o.LeaseUntil.Equal(t0.Add(time.Minute+lease)) || !o.ClaimedAt.Equal(t0) {
				t.Fatalf("re-claim = %+v", o)
			}
		}},
		{"another holder refused while the lease is live", func(t *testing.T, s *Store) {
			mustClaim(t, s, "A", t0)
			_, err := claim(t, s, "B", t0.Add(lease-time.Millisecond))
			wantClaimed(t, err, OccurrenceClaimed)
			var ce *ClaimError
			errors.As(err, &ce)
			if ce.Holder != "A" || !ce.LeaseUntil.Equal(t0.Add(lease)) || ce.Final() {
				t.Fatalf("ClaimError = %+v", ce)
			}
		}},
		{"taken over after the lease expires", func(t *testing.T, s *Store) {
			mustClaim(t, s, "A", t0)
			at := t0.Add(lease)
			o := mustClaim(t, s, "B", at)
			if o.Holder != "B" || o.Attempts != 2 || !o.ClaimedAt.Equal(at) || !o.LeaseUntil.Equal(at.Add(lease)) {
				t.Fatalf("takeover = %+v", o)
			}
			if err := s.MarkOccurrenceDone(ctx, occID, "A", "1.0", at); !errors.Is(err, ErrClaimed) {
				t.Fatalf("MarkOccurrenceDone by the old holder: %v, want ErrClaimed", err)
			}
		}},
		{"done is final", func(t *testing.T, s *Store) {
			mustClaim(t, s, "A", t0)
			if err := s.MarkOccurrenceDone(ctx, occID, "A", "1700000000.000100", t0.Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			if err := s.MarkOccurrenceDone(ctx, occID, "A", "1700000000.000100", t0.Add(2*time.Second)); err != nil {
				t.Fatalf("repeated mark: %v, want nil", err)
			}
			for _, h := range []string{"A", "B"} {
				_, err := claim(t, s, h, t0.Add(time.Hour))
				wantClaimed(t, err, OccurrenceDone)
			}
			wantClaimed(t, s.SkipOccurrence(ctx, "T1", occID, "holiday", t0.Add(time.Hour)), OccurrenceDone)
			wantClaimed(t, s.ReleaseOccurrence(ctx, occID, "A"), OccurrenceDone)
			o, _ := s.Occurrence(ctx, occID)
			if o.State != OccurrenceDone || o.MessageTS != "1700000000.000100" || !o.DoneAt.Equal(t0.Add(time.Second)) || o.Reason != "" {
				t.Fatalf("occurrence = %+v", o)
			}
		}},
		{"skip is final and idempotent", func(t *testing.T, s *Store) {
			if err := s.SkipOccurrence(ctx, "T1", occID, "holiday", t0); err != nil {
				t.Fatal(err)
			}
			if err := s.SkipOccurrence(ctx, "T1", occID, "outside grace window", t0.Add(time.Minute)); err != nil {
				t.Fatalf("second skip: %v, want nil", err)
			}
			_, err := claim(t, s, "A", t0.Add(time.Hour))
			wantClaimed(t, err, OccurrenceSkipped)
			o, _ := s.Occurrence(ctx, occID)
			want := Occurrence{ID: occID, Workspace: "T1", State: OccurrenceSkipped, DoneAt: t0, Reason: "holiday"}
			if o != want {
				t.Fatalf("occurrence = %+v, want %+v", o, want)
			}
		}},
		{"skip does not undo a live claim", func(t *testing.T, s *Store) {
			mustClaim(t, s, "A", t0)
			wantClaimed(t, s.SkipOccurrence(ctx, "T1", occID, "outside grace window", t0.Add(time.Minute)), OccurrenceClaimed)
			if err := s.MarkOccurrenceDone(ctx, occID, "A", "1.0", t0.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
		}},
		{"skip ends an expired claim", func(t *testing.T, s *Store) {
			mustClaim(t, s, "A", t0)
			if err := s.SkipOccurrence(ctx, "T1", occID, "outside grace window", t0.Add(lease)); err != nil {
				t.Fatal(err)
			}
			o, _ := s.Occurrence(ctx, occID)
			if o.State != OccurrenceSkipped || o.Reason != "outside grace window" || o.Attempts != 1 {
				t.Fatalf("occurrence = %+v", o)
			}
		}},
		{"release lets another claim at once", func(t *testing.T, s *Store) {
			mustClaim(t, s, "A", t0)
			if err := s.ReleaseOccurrence(ctx, occID, "B"); !errors.Is(err, ErrClaimed) {
				t.Fatalf("release by a non-holder: %v, want ErrClaimed", err)
			}
			if err := s.ReleaseOccurrence(ctx, occID, "A"); err != nil {
				t.Fatal(err)
			}
			o := mustClaim(t, s, "B", t0.Add(time.Second))
			if o.Holder != "B" || o.Attempts != 2 {
				t.Fatalf("claim after release = %+v", o)
			}
		}},
		{"unknown occurrence", func(t *testing.T, s *Store) {
			if _, err := s.Occurrence(ctx, occID); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Occurrence: %v, want ErrNotFound", err)
			}
			if err := s.ReleaseOccurrence(ctx, occID, "A"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("ReleaseOccurrence: %v, want ErrNotFound", err)
			}
			if err := s.MarkOccurrenceDone(ctx, occID, "A", "1.0", t0); !errors.Is(err, ErrClaimed) {
				t.Fatalf("MarkOccurrenceDone: %v, want ErrClaimed", err)
			}
		}},
		{"bad arguments", func(t *testing.T, s *Store) {
			for _, c := range []struct{ ws, id, holder string }{{"", occID, "A"}, {"T1", "", "A"}, {"T1", occID, ""}} {
				if _, err := s.ClaimOccurrence(ctx, c.ws, c.id, c.holder, t0, lease); err == nil || errors.Is(err, ErrClaimed) {
					t.Errorf("ClaimOccurrence(%q, %q, %q) = %v, want an argument error", c.ws, c.id, c.holder, err)
				}
			}
			if _, err := s.ClaimOccurrence(ctx, "T1", occID, "A", t0, 0); err == nil {
				t.Error("ClaimOccurrence with no lease succeeded")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for engine, s := range claimsStores(t) {
				t.Run(engine, func(t *testing.T) { tt.run(t, s) })
			}
		})
	}
}

func TestClaimOccurrenceRace(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, s *Store) // leaves the occurrence claimable
	}{
		{"new occurrence", func(*testing.T, *Store) {}},
		{"expired lease", func(t *testing.T, s *Store) { mustClaim(t, s, "dead", t0.Add(-lease)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for engine, s := range claimsStores(t) {
				t.Run(engine, func(t *testing.T) { race(t, s, tt.setup) })
			}
		})
	}
}

// race has 20 replicas claim one occurrence at once.
func race(t *testing.T, s *Store, setup func(t *testing.T, s *Store)) {
	t.Helper()
	setup(t, s)
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = s.ClaimOccurrence(context.Background(), "T1", occID, fmt.Sprintf("r%02d", i), t0, lease)
		}()
	}
	close(start)
	wg.Wait()
	winners := 0
	for i, err := range errs {
		switch {
		case err == nil:
			winners++
		case !errors.Is(err, ErrClaimed):
			t.Errorf("claimer %d: %v", i, err)
		}
	}
	if winners != 1 {
		t.Fatalf("%d winners, want exactly 1", winners)
	}
}

func TestFailOccurrence(t *testing.T) {
	for name, s := range claimsStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			mustClaim(t, s, "A", t0)
			// Only the holder can record it failed.
			var ce *ClaimError
			if err := s.FailOccurrence(ctx, occID, "B", "slack: is_archived", t0); !errors.As(err, &ce) {
				t.Fatalf("another holder failed it: %v", err)
			}
			if err := s.FailOccurrence(ctx, occID, "A", "slack: is_archived", t0); err != nil {
				t.Fatal(err)
			}
			o, err := s.Occurrence(ctx, occID)
			if err != nil || o.State != OccurrenceSkipped || o.Reason != "slack: is_archived" {
				t.Fatalf("occurrence %+v, %v", o, err)
			}
			// Final: nobody claims it again, even after the lease.
			if _, err := claim(t, s, "B", t0.Add(time.Hour)); !errors.As(err, &ce) || !ce.Final() {
				t.Fatalf("claimed after a permanent failure: %v", err)
			}
		})
	}
}
