package storage

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestWorkspaceSettings(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			// Nobody set the workspace up: no settings, no error.
			w, err := s.WorkspaceSettings(ctx, "T1")
			if err != nil || w.ID != "T1" || w.Currency != "" || w.Words != nil || w.SettingsRev != 0 {
				t.Fatalf("fresh workspace: %+v, %v", w, err)
			}
			if _, err := s.SetCurrency(ctx, "T1", "USD"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("currency of a workspace that does not exist: %v", err)
			}
			if _, err := s.SetTeamWords(ctx, "T1", []TeamWord{{Phrase: "visio", Metric: "meetings"}}, 0); !errors.Is(err, ErrNotFound) {
				t.Fatalf("words of a workspace that does not exist: %v", err)
			}
			if _, err := s.EnsureWorkspace(ctx, "T1", "U1", t0); err != nil {
				t.Fatal(err)
			}
			w, err = s.SetCurrency(ctx, "T1", "USD")
			if err != nil || w.Currency != "USD" || w.SettingsRev != 1 || w.FirstUser() != "U1" {
				t.Fatalf("SetCurrency: %+v, %v", w, err)
			}
			words := []TeamWord{{Phrase: "visio", Metric: "meetings"}, {Phrase: "call découverte", Metric: "calls"}}
			w, err = s.SetTeamWords(ctx, "T1", words, w.SettingsRev)
			if err != nil || !slices.Equal(w.Words, words) || w.SettingsRev != 2 {
				t.Fatalf("SetTeamWords: %+v, %v", w, err)
			}
			// A change made from settings read before the last one is
			// refused: two managers adding words at once keep both.
			if _, err := s.SetTeamWords(ctx, "T1", nil, 1); !errors.Is(err, ErrStale) {
				t.Fatalf("stale words: %v", err)
			}
			w, err = s.SetTeamWords(ctx, "T1", nil, 2)
			if err != nil || len(w.Words) != 0 || w.SettingsRev != 3 {
				t.Fatalf("clearing the words: %+v, %v", w, err)
			}
			got, err := s.WorkspaceSettings(ctx, "T1")
			if err != nil || got.Currency != "USD" || len(got.Words) != 0 || got.SettingsRev != 3 {
				t.Fatalf("read back: %+v, %v", got, err)
			}
			// Settings are per workspace.
			other, err := s.WorkspaceSettings(ctx, "T2")
			if err != nil || other.Currency != "" {
				t.Fatalf("another workspace: %+v, %v", other, err)
			}
		})
	}
}
