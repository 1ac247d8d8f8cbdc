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

func TestOutStatusHolidayCalendarAndStatusAbsence(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			if _, err := s.SetOutStatus(ctx, "T1", []string{":skier:"}); !errors.Is(err, ErrNotFound) {
				t.Fatalf("a workspace that does not exist: %v", err)
			}
			if _, err := s.EnsureWorkspace(ctx, "T1", "U1", t0); err != nil {
				t.Fatal(err)
			}
			w, err := s.SetOutStatus(ctx, "T1", []string{":skier:", "rtt"})
			if err != nil || !slices.Equal(w.OutStatus, []string{":skier:", "rtt"}) {
				t.Fatalf("SetOutStatus: %+v, %v", w, err)
			}
			if w, _ = s.SetOutStatus(ctx, "T1", nil); w.OutStatus != nil {
				t.Fatalf("back to the default: %+v", w.OutStatus)
			}
			if w, err = s.SetHolidayCalendar(ctx, "T1", HolidaysNone); err != nil || w.HolidayCalendar != HolidaysNone {
				t.Fatalf("SetHolidayCalendar: %+v, %v", w, err)
			}

			if away, err := s.StatusAway(ctx, "T1", "U1", "2026-11-23"); away || err != nil {
				t.Fatalf("no status: %v, %v", away, err)
			}
			for _, c := range []struct {
				a    StatusAbsence
				day  string
				want bool
			}{
				{StatusAbsence{Out: true, From: "2026-11-23"}, "2026-12-31", true},
				{StatusAbsence{Out: true, From: "2026-11-23"}, "2026-11-22", false},
				{StatusAbsence{Out: true, From: "2026-11-23", Until: "2026-11-25"}, "2026-11-25", true},
				{StatusAbsence{Out: true, From: "2026-11-23", Until: "2026-11-25"}, "2026-11-26", false},
				{StatusAbsence{Out: false}, "2026-11-23", false},
			} {
				c.a.Workspace, c.a.User, c.a.At = "T1", "U1", t0
				if err := s.SaveStatusAbsence(ctx, c.a); err != nil {
					t.Fatal(err)
				}
				if away, err := s.StatusAway(ctx, "T1", "U1", c.day); away != c.want || err != nil {
					t.Errorf("%+v on %s: %v, %v", c.a, c.day, away, err)
				}
				if away, _ := s.StatusAway(ctx, "T2", "U1", c.day); away {
					t.Error("another workspace's status")
				}
			}
		})
	}
}

func TestUserLangs(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			if err := s.SetUserLang(ctx, "T1", "U1", "en", t0); err != nil {
				t.Fatal(err)
			}
			s.SetUserLang(ctx, "T1", "U2", "fr", t0)
			s.SetUserLang(ctx, "T2", "U1", "fr", t0)
			got, err := s.UserLangs(ctx, "T1")
			if err != nil || len(got) != 2 || got["U1"] != "en" || got["U2"] != "fr" {
				t.Fatalf("UserLangs = %v, %v", got, err)
			}
			if err := s.SetUserLang(ctx, "T1", "U1", "", t0); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.UserLangs(ctx, "T1"); len(got) != 1 {
				t.Fatalf("after clearing: %v", got)
			}
		})
	}
}
