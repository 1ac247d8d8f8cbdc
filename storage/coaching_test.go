package storage

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestThreadsAndCommitments(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			first, err := s.SaveThread(ctx, Thread{Workspace: "T1", Manager: "M", Rep: "R", Channel: "G1", Draft: []string{"q1", "q2"}, State: ThreadDraft, CreatedAt: t0})
			if err != nil {
				t.Fatal(err)
			}
			second, _ := s.SaveThread(ctx, Thread{Workspace: "T1", Manager: "M", Rep: "R", Channel: "G1", State: ThreadDraft, CreatedAt: t0.Add(time.Hour)})
			s.SaveThread(ctx, Thread{Workspace: "T2", Manager: "M", Rep: "R", Channel: "G9", State: ThreadDraft, CreatedAt: t0})

			got, err := s.DecideThread(ctx, "T1", first.Code, ThreadPosted, []string{"q1 edited"})
			if err != nil || got.State != ThreadPosted || got.Questions[0] != "q1 edited" {
				t.Fatalf("decide: %+v, %v", got, err)
			}
			// A second decision (a double click) is refused.
			if _, err := s.DecideThread(ctx, "T1", first.Code, ThreadSkipped, nil); !errors.Is(err, ErrClaimed) {
				t.Fatalf("second decision: %v, want ErrClaimed", err)
			}
			if _, err := s.DecideThread(ctx, "T2", first.Code, ThreadPosted, nil); !errors.Is(err, ErrNotFound) {
				t.Fatalf("another workspace decided T1's thread: %v", err)
			}
			list, _ := s.Threads(ctx, "T1", "R")
			if len(list) != 2 || list[0].Code != second.Code {
				t.Fatalf("threads %+v", list)
			}
			in, err := s.ThreadIn(ctx, "T1", "G1")
			if err != nil || in.Code != second.Code {
				t.Fatalf("thread in G1: %+v, %v", in, err)
			}
			if _, err := s.ThreadIn(ctx, "T1", "G9"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("T1 sees T2's conversation: %v", err)
			}

			s.SaveCommitment(ctx, Commitment{Workspace: "T1", Rep: "R", Manager: "M", Thread: first.Code, Text: "relancer 3 offres", Due: "2026-12-04", CreatedBy: "R", CreatedAt: t0})
			s.SaveCommitment(ctx, Commitment{Workspace: "T2", Rep: "R", Text: "other", CreatedAt: t0})
			cs, err := s.Commitments(ctx, "T1", "R")
			if err != nil || len(cs) != 1 || cs[0].Due != "2026-12-04" {
				t.Fatalf("commitments %+v, %v", cs, err)
			}
		})
	}
}

// Only the rep marks their own commitment done, once; another user's
// code, or another workspace's, is not found.
func TestCompleteCommitment(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			c, err := s.SaveCommitment(ctx, Commitment{Workspace: "T1", Rep: "R", Manager: "M", Text: "relancer 3 offres", CreatedBy: "M", CreatedAt: t0})
			if err != nil {
				t.Fatal(err)
			}
			for _, bad := range []struct{ ws, rep, code string }{{"T1", "M", c.Code}, {"T2", "R", c.Code}, {"T1", "R", "zzzzz"}} {
				if _, err := s.CompleteCommitment(ctx, bad.ws, bad.rep, bad.code, t0); !errors.Is(err, ErrNotFound) {
					t.Errorf("%+v: %v, want ErrNotFound", bad, err)
				}
			}
			done, err := s.CompleteCommitment(ctx, "T1", "R", c.Code, t0.Add(time.Hour))
			if err != nil || done.DoneAt == nil || !done.DoneAt.Equal(t0.Add(time.Hour)) {
				t.Fatalf("done: %+v, %v", done, err)
			}
			again, err := s.CompleteCommitment(ctx, "T1", "R", c.Code, t0.Add(2*time.Hour))
			if err != nil || !again.DoneAt.Equal(t0.Add(time.Hour)) {
				t.Fatalf("again: %+v, %v", again, err)
			}
			list, _ := s.Commitments(ctx, "T1", "R")
			if len(list) != 1 || list[0].DoneAt == nil {
				t.Fatalf("listed %+v", list)
			}
		})
	}
}
