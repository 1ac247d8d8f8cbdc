package storage

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestInstallations(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			if _, err := s.Installation(ctx, "T1"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("never installed: %v", err)
			}
			in := Installation{Workspace: "T1", TeamName: "Acme", BotUser: "UBOT", Scopes: []string{"commands", "chat:write"}, InstalledBy: "UADMIN", InstalledAt: t0, SealedToken: "sealed-1"}
			if err := s.SaveInstallation(ctx, in); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveInstallation(ctx, Installation{Workspace: "T2", InstalledAt: t0, SealedToken: "sealed-2"}); err != nil {
				t.Fatal(err)
			}
			got, err := s.Installation(ctx, "T1")
			if err != nil || !got.Active() || got.SealedToken != "sealed-1" || got.InstalledBy != "UADMIN" || !slices.Equal(got.Scopes, in.Scopes) || !got.InstalledAt.Equal(t0) {
				t.Fatalf("Installation = %+v, %v", got, err)
			}

			// Re-sealing only replaces the token it was read with.
			if ok, err := s.ReplaceSealedToken(ctx, "T1", "stale", "sealed-x"); ok || err != nil {
				t.Fatalf("re-seal from a stale token: %v, %v", ok, err)
			}
			if ok, err := s.ReplaceSealedToken(ctx, "T1", "sealed-1", "sealed-1b"); !ok || err != nil {
				t.Fatalf("re-seal: %v, %v", ok, err)
			}

			at := t0.Add(time.Hour)
			if err := s.RevokeInstallation(ctx, "T1", "app_uninstalled", at); err != nil {
				t.Fatal(err)
			}
			if err := s.RevokeInstallation(ctx, "T1", "tokens_revoked", at.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			got, _ = s.Installation(ctx, "T1")
			if got.Active() || got.SealedToken != "" || got.RevokedBy != "app_uninstalled" || !got.RevokedAt.Equal(at) || got.InstalledBy != "UADMIN" {
				t.Fatalf("revoked: %+v", got)
			}
			// The other workspace is untouched.
			if other, _ := s.Installation(ctx, "T2"); !other.Active() || other.SealedToken != "sealed-2" {
				t.Fatalf("T2 after T1's revocation: %+v", other)
			}

			// A single-workspace install has no record: revoking makes one.
			if err := s.RevokeInstallation(ctx, "T3", "tokens_revoked", at); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Installation(ctx, "T3"); err != nil || got.Active() {
				t.Fatalf("revoked without a record: %+v, %v", got, err)
			}
			if err := s.Reinstated(ctx, "T3"); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.Installation(ctx, "T3"); !got.Active() {
				t.Fatalf("reinstated: %+v", got)
			}

			// A reinstall clears the revocation.
			if err := s.SaveInstallation(ctx, Installation{Workspace: "T1", InstalledAt: at, SealedToken: "sealed-3"}); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.Installation(ctx, "T1"); !got.Active() || got.SealedToken != "sealed-3" {
				t.Fatalf("reinstalled: %+v", got)
			}
			all, err := s.Installations(ctx)
			if err != nil || len(all) != 3 {
				t.Fatalf("Installations = %d, %v", len(all), err)
			}
		})
	}
}
