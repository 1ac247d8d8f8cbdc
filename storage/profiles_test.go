package storage

import (
	"context"
	"errors"
	"testing"
)

func TestUserProfiles(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			// A MongoDB server keeps what an earlier run saved.
			_ = s.db.Collection(profilesCollection).Drop(ctx)
			if _, err := s.UserProfile(ctx, "T1", "U1"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("no profile yet: %v, want ErrNotFound", err)
			}
			for _, p := range []UserProfile{
				{Workspace: "T1", User: "U1", TZ: "Europe/Paris", Locale: "fr-FR", RefreshedAt: t0},
				// A refresh replaces the record whole.
				{Workspace: "T1", User: "U1", TZ: "Asia/Tokyo", RefreshedAt: t0.Add(1)},
				{Workspace: "T1", User: "U2", TZ: "America/New_York", Locale: "en-US", RefreshedAt: t0},
				{Workspace: "T2", User: "U1", Locale: "en-GB", RefreshedAt: t0},
			} {
				if err := s.SaveUserProfile(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			one, err := s.UserProfile(ctx, "T1", "U1")
			if err != nil || one.ID != "T1/U1" || one.TZ != "Asia/Tokyo" || one.Locale != "" || !one.RefreshedAt.Equal(t0) {
				t.Fatalf("T1/U1 = %+v, %v", one, err)
			}
			got, err := s.UserProfiles(ctx, "T1", []string{"U1", "U2", "U3"})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got["U2"].Locale != "en-US" || got["U1"].TZ != "Asia/Tokyo" {
				t.Fatalf("profiles %+v", got)
			}
			// Scoped by workspace.
			if got, _ := s.UserProfiles(ctx, "T2", []string{"U2"}); len(got) != 0 {
				t.Fatalf("T2 sees T1's U2: %+v", got)
			}
			for _, bad := range []UserProfile{{Workspace: "T1"}, {User: "U1"}} {
				if err := s.SaveUserProfile(ctx, bad); err == nil {
					t.Errorf("saved %+v", bad)
				}
			}
		})
	}
}
