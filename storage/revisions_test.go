package storage

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
)

func TestEntryCodes(t *testing.T) {
	c := EntryCode("T1", "trig-1")
	r := EntryRef("T1", "trig-1")
	if len(c) != 5 || len(r) != 13 || r[:5] != c || EntryCode("T1", "trig-1") != c {
		t.Fatalf("code %q ref %q", c, r)
	}
	if EntryCode("T2", "trig-1") == c && EntryRef("T2", "trig-1") == r {
		t.Error("the same key in two workspaces has one reference")
	}
	for _, ch := range r {
		if !containsRune(codeAlphabet, ch) {
			t.Errorf("%q has %q, not in the code alphabet", r, ch)
		}
	}
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}

// dayTotal reads a day's stored total of a metric, as the cap sees it.
func dayTotal(t *testing.T, s *Store, user, day, metric string) int {
	t.Helper()
	start, _ := mondayOf(day)
	w, err := s.Week(context.Background(), "T1", user, start)
	if err != nil {
		t.Fatal(err)
	}
	return w.Days[day][metric]
}

func TestReviseCheckIn(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			orig, _, _ := save(t, s, checkIn("T1", "U1", "k1", "2026-11-23", t0, map[string]int{"meetings": 3}))
			save(t, s, checkIn("T1", "U1", "k2", "2026-11-23", t0.Add(time.Minute), map[string]int{"calls": 600}))

			// The same day: one atomic update, the old values kept.
			next := CheckIn{Day: "2026-11-23", Raw: "3 rdv 1 offre", Counts: map[string]int{"meetings": 3, "proposals": 1}, Source: "test-edit"}
			v1, err := s.ReviseCheckIn(ctx, orig, next, "edit-1", cap1000, t0.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if v1.Rev != 1 || v1.Raw != "3 rdv 1 offre" || v1.EditKey != "edit-1" || v1.EditedAt == nil || !v1.CreatedAt.Equal(t0) ||
				len(v1.Revisions) != 1 || v1.Revisions[0].Raw != "raw k1" || v1.Revisions[0].Rev != 0 || !v1.Revisions[0].At.Equal(t0) ||
				!maps.Equal(v1.Revisions[0].Counts, map[string]int{"meetings": 3}) {
				t.Fatalf("revision 1: %+v", v1)
			}
			if dayTotal(t, s, "U1", "2026-11-23", "proposals") != 1 || dayTotal(t, s, "U1", "2026-11-23", "meetings") != 3 {
				t.Fatal("day totals not moved by the edit")
			}
			// The same edit again changes nothing; an edit from a stale
			// read is refused.
			if again, err := s.ReviseCheckIn(ctx, v1, next, "edit-1", cap1000, t0.Add(2*time.Hour)); err != nil || again.Rev != 1 {
				t.Fatalf("repeated edit: %+v, %v", again, err)
			}
			if _, err := s.ReviseCheckIn(ctx, orig, next, "edit-2", cap1000, t0.Add(2*time.Hour)); !errors.Is(err, ErrStale) {
				t.Fatalf("edit of a stale read: %v", err)
			}

			// The daily cap applies after the edit: k2's 600 calls plus
			// 401 is too many, 400 is fine; nothing is half-saved.
			over := CheckIn{Day: "2026-11-23", Raw: "401 appels", Counts: map[string]int{"calls": 401}}
			var capErr *CapError
			if _, err := s.ReviseCheckIn(ctx, v1, over, "edit-3", cap1000, t0.Add(3*time.Hour)); !errors.As(err, &capErr) || capErr.Total != 1001 {
				t.Fatalf("edit past the cap: %v", err)
			}
			if got, err := s.FindCheckIn(ctx, "T1", "U1", v1.Code(), "2026-11-01", "2026-11-30"); err != nil || got.Rev != 1 || got.Raw != "3 rdv 1 offre" {
				t.Fatalf("after a refused edit: %+v, %v", got, err)
			}

			// Another day of the same week.
			wed := CheckIn{Day: "2026-11-25", Raw: "mercredi 3 rdv 1 offre", Counts: map[string]int{"meetings": 3, "proposals": 1}}
			v2, err := s.ReviseCheckIn(ctx, v1, wed, "edit-4", cap1000, t0.Add(4*time.Hour))
			if err != nil || v2.Rev != 2 || v2.Day != "2026-11-25" || len(v2.Revisions) != 2 {
				t.Fatalf("revision 2: %+v, %v", v2, err)
			}
			if dayTotal(t, s, "U1", "2026-11-23", "meetings") != 0 || dayTotal(t, s, "U1", "2026-11-25", "meetings") != 3 {
				t.Fatal("day totals not moved with the day")
			}

			// Another week, in another month: the entry moves, with its
			// key, its code and its history.
			oct := CheckIn{Day: "2026-10-30", Raw: "2026-10-30 3 rdv", Counts: map[string]int{"meetings": 3}, Note: "moved"}
			v3, err := s.ReviseCheckIn(ctx, v2, oct, "edit-5", cap1000, t0.Add(5*time.Hour))
			if err != nil || v3.Rev != 3 || v3.Key != "k1" || v3.Code() != orig.Code() || len(v3.Revisions) != 3 {
				t.Fatalf("revision 3: %+v, %v", v3, err)
			}
			nov, _ := s.Week(ctx, "T1", "U1", "2026-11-23")
			if keys(nov.Entries)[0] != "k2" || len(nov.Entries) != 1 || nov.Days["2026-11-25"]["meetings"] != 0 {
				t.Fatalf("old week after the move: %+v", nov)
			}
			if dayTotal(t, s, "U1", "2026-10-30", "meetings") != 3 {
				t.Fatal("new week's totals")
			}
			all, err := s.UserCheckIns(ctx, "T1", "U1", "2026-10-01", "2026-11-30")
			if err != nil || !slices.Equal(keys(all), []string{"k2", "k1"}) || all[1].Note != "moved" {
				t.Fatalf("entries after the move: %+v, %v", all, err)
			}
			// A redelivery of the /log that made it finds it where it is.
			if _, created, _ := save(t, s, checkIn("T1", "U1", "k1", "2026-11-23", t0, map[string]int{"meetings": 3})); created {
				t.Fatal("the moved entry's key was stored again")
			}
			if got, _ := s.CheckIns(ctx, "T1", "U1", "2026-10-01", "2026-11-30"); len(got) != 2 {
				t.Fatalf("%d live entries, want 2", len(got))
			}
			// The cap applies in the new week too.
			s.ReviseCheckIn(ctx, v3, CheckIn{Day: "2026-10-30", Raw: "x", Counts: map[string]int{"calls": 1}}, "edit-6", cap1000, t0.Add(6*time.Hour))
			got, _ := s.FindCheckIn(ctx, "T1", "U1", orig.Ref(), "2026-10-01", "2026-11-30")
			if _, err := s.ReviseCheckIn(ctx, got, CheckIn{Day: "2026-11-23", Raw: "401", Counts: map[string]int{"calls": 401}}, "edit-7", cap1000, t0.Add(7*time.Hour)); !errors.As(err, &capErr) {
				t.Fatalf("a move past the cap: %v", err)
			}
			if after, _ := s.FindCheckIn(ctx, "T1", "U1", orig.Code(), "2026-10-01", "2026-11-30"); after.Day != "2026-10-30" || after.Rev != got.Rev {
				t.Fatalf("a refused move changed the entry: %+v", after)
			}
		})
	}
}

func TestFindAndWithdrawCheckIn(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			a, _, _ := save(t, s, checkIn("T1", "U1", "ka", "2026-11-20", t0, map[string]int{"calls": 4}))
			b, _, _ := save(t, s, checkIn("T1", "U2", "kb", "2026-11-20", t0, map[string]int{"calls": 9}))
			if got, err := s.FindCheckIn(ctx, "T1", "U1", a.Code(), "2026-11-01", "2026-11-30"); err != nil || got.Key != "ka" {
				t.Fatalf("by code: %+v, %v", got, err)
			}
			// Another user's code, or a code of the wrong length, finds
			// nothing; so does a day outside the window.
			for _, code := range []string{b.Code(), b.Ref(), "abc", a.Code() + "x"} {
				if _, err := s.FindCheckIn(ctx, "T1", "U1", code, "2026-11-01", "2026-11-30"); !errors.Is(err, ErrNotFound) {
					t.Errorf("FindCheckIn(%q) = %v, want ErrNotFound", code, err)
				}
			}
			if _, err := s.FindCheckIn(ctx, "T1", "U1", a.Code(), "2026-11-21", "2026-11-30"); !errors.Is(err, ErrNotFound) {
				t.Errorf("outside the window: %v", err)
			}
			gone, err := s.WithdrawCheckIn(ctx, a, t0.Add(time.Hour))
			if err != nil || gone.UndoneAt == nil {
				t.Fatalf("withdraw: %+v, %v", gone, err)
			}
			if _, err := s.WithdrawCheckIn(ctx, a, t0.Add(2*time.Hour)); !errors.Is(err, ErrStale) {
				t.Fatalf("withdrawn twice: %v", err)
			}
			if dayTotal(t, s, "U1", "2026-11-20", "calls") != 0 || dayTotal(t, s, "U2", "2026-11-20", "calls") != 9 {
				t.Fatal("day totals after the withdrawal")
			}
			// Kept, with its raw text, for the history; not live.
			all, _ := s.UserCheckIns(ctx, "T1", "U1", "2026-11-01", "2026-11-30")
			if len(all) != 1 || all[0].Live() || all[0].Raw != "raw ka" {
				t.Fatalf("history %+v", all)
			}
			if _, err := s.ReviseCheckIn(ctx, a, CheckIn{Day: "2026-11-20", Counts: map[string]int{"calls": 1}}, "e", cap1000, t0); !errors.Is(err, ErrStale) {
				t.Fatalf("editing a withdrawn entry: %v", err)
			}
		})
	}
}

// A move interrupted between its two writes leaves two copies; the next
// read keeps the newer one and takes the other out of its week.
func TestInterruptedMoveIsCompletedOnRead(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			orig, _, _ := save(t, s, checkIn("T1", "U1", "k1", "2026-11-23", t0, map[string]int{"calls": 5}))
			moved, err := s.ReviseCheckIn(ctx, orig, CheckIn{Day: "2026-11-13", Raw: "moved", Counts: map[string]int{"calls": 7}}, "e1", cap1000, t0.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			// Put the old copy back, as if the second write never happened.
			stored := orig
			_, err = s.weeks.get(partitionOf("2026-11-23")).UpdateOne(ctx, bson.D{{Key: "_id", Value: weekID("T1", "U1", "2026-11-23")}},
				bson.D{{Key: "$push", Value: bson.D{{Key: "entries", Value: stored}}}, {Key: "$inc", Value: bson.D{{Key: "days.2026-11-23.calls", Value: 5}}}})
			if err != nil {
				t.Fatal(err)
			}
			all, err := s.UserCheckIns(ctx, "T1", "U1", "2026-11-01", "2026-11-30")
			if err != nil || len(all) != 1 || all[0].Rev != moved.Rev || all[0].Day != "2026-11-13" {
				t.Fatalf("entries with a stale copy: %+v, %v", all, err)
			}
			w, _ := s.Week(ctx, "T1", "U1", "2026-11-23")
			if len(w.Entries) != 0 || w.Days["2026-11-23"]["calls"] != 0 {
				t.Fatalf("the stale copy is still in its week: %+v", w)
			}
		})
	}
}
