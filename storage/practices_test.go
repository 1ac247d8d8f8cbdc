package storage

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPractices(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			var codes []string
			for i := range 3 {
				p, err := s.SavePractice(ctx, Practice{Workspace: "T1", User: "U1", Week: "2026-11-23", Text: "relance J+2", CreatedAt: t0.Add(time.Duration(i) * time.Minute)}, 3)
				if err != nil {
					t.Fatal(err)
				}
				codes = append(codes, p.Code)
			}
			if _, err := s.SavePractice(ctx, Practice{Workspace: "T1", User: "U1", Week: "2026-11-23", Text: "one more", CreatedAt: t0}, 3); !errors.Is(err, ErrCapReached) {
				t.Fatalf("fourth practice: %v, want ErrCapReached", err)
			}
			// The cap is per rep and per week.
			if _, err := s.SavePractice(ctx, Practice{Workspace: "T1", User: "U2", Week: "2026-11-23", Text: "démo courte", CreatedAt: t0}, 3); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SavePractice(ctx, Practice{Workspace: "T1", User: "U1", Week: "2026-11-30", Text: "next week", CreatedAt: t0}, 3); err != nil {
				t.Fatal(err)
			}
			if err := s.DeletePractice(ctx, "T1", "U2", codes[0]); !errors.Is(err, ErrNotFound) {
				t.Fatalf("another rep deleted U1's practice: %v", err)
			}
			if err := s.DeletePractice(ctx, "T1", "U1", codes[0]); err != nil {
				t.Fatal(err)
			}
			got, err := s.Practices(ctx, "T1", "2026-11-23")
			if err != nil || len(got) != 3 || got[0].User != "U2" || got[1].Code != codes[1] {
				t.Fatalf("practices %+v, %v", got, err)
			}
			if other, _ := s.Practices(ctx, "T2", "2026-11-23"); len(other) != 0 {
				t.Fatal("another workspace sees T1's practices")
			}
		})
	}
}

func TestShoutoutOptIn(t *testing.T) {
	s := stores(t)["memory"]
	ctx := context.Background()
	if on, err := s.Shoutout(ctx, "T1", "U1"); err != nil || on {
		t.Fatalf("default = %v, %v; want off", on, err)
	}
	s.SetShoutout(ctx, "T1", "U1", true)
	if on, _ := s.Shoutout(ctx, "T1", "U1"); !on {
		t.Fatal("opt-in not kept")
	}
	if on, _ := s.Shoutout(ctx, "T2", "U1"); on {
		t.Fatal("opt-in leaked to another workspace")
	}
	s.SetShoutout(ctx, "T1", "U1", false)
	if on, _ := s.Shoutout(ctx, "T1", "U1"); on {
		t.Fatal("opt-out not kept")
	}
}
