package storage

import (
	"context"
	"errors"
	"testing"
)

func TestReminderPrefs(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			// A MongoDB server keeps what an earlier run saved.
			_ = s.db.Collection(preferencesCollection).Drop(ctx)
			if _, err := s.ReminderPref(ctx, "T1", "U1"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("no pref yet: %v, want ErrNotFound", err)
			}
			if err := s.SaveReminderPref(ctx, ReminderPref{Workspace: "T1", User: "U1", Time: "08:45", UpdatedAt: t0}); err != nil {
				t.Fatal(err)
			}
			// A second save replaces the first.
			if err := s.SaveReminderPref(ctx, ReminderPref{Workspace: "T1", User: "U1", Off: true, Time: "08:45", UpdatedAt: t0}); err != nil {
				t.Fatal(err)
			}
			s.SaveReminderPref(ctx, ReminderPref{Workspace: "T1", User: "U2", Time: "17:00", UpdatedAt: t0})
			s.SaveReminderPref(ctx, ReminderPref{Workspace: "T2", User: "U1", Off: true, UpdatedAt: t0})

			got, err := s.ReminderPrefs(ctx, "T1")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || !got["U1"].Off || got["U1"].Time != "08:45" || got["U2"].Off || got["U2"].Time != "17:00" {
				t.Fatalf("prefs %+v", got)
			}
			if got["U1"].ID != "T1/U1" || got["U1"].Workspace != "T1" || !got["U1"].UpdatedAt.Equal(t0) {
				t.Errorf("pref %+v", got["U1"])
			}
			one, err := s.ReminderPref(ctx, "T2", "U1")
			if err != nil || !one.Off || one.Time != "" {
				t.Fatalf("T2/U1 = %+v, %v", one, err)
			}
			for _, bad := range []ReminderPref{
				{Workspace: "T1", Time: "08:45"},
				{User: "U1"},
				{Workspace: "T1", User: "U1", Time: "8:45"},
				{Workspace: "T1", User: "U1", Time: "25:00"},
				{Workspace: "T1", User: "U1", Time: "soon"},
			} {
				if err := s.SaveReminderPref(ctx, bad); err == nil {
					t.Errorf("saved %+v", bad)
				}
			}
		})
	}
}
