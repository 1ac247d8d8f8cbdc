package storage

import (
	"context"
	"testing"
)

func TestRitualSettings(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if err := s.SaveRitualSetting(ctx, RitualSetting{Workspace: "T1", Team: "M1", Ritual: "review", Spec: "mon 10:00", TZ: "Europe/Paris", Channel: "C1", UpdatedAt: t0}); err != nil {
				t.Fatal(err)
			}
			// A second save replaces the first.
			s.SaveRitualSetting(ctx, RitualSetting{Workspace: "T1", Team: "M1", Ritual: "review", Off: true, UpdatedAt: t0})
			s.SaveRitualSetting(ctx, RitualSetting{Workspace: "T1", Team: "M1", Ritual: "digest", Spec: "fri 16:00", UpdatedAt: t0})
			s.SaveRitualSetting(ctx, RitualSetting{Workspace: "T2", Team: "M1", Ritual: "digest", Spec: "tue 08:00", UpdatedAt: t0})
			got, err := s.RitualSettings(ctx, "T1", "M1")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || !got["review"].Off || got["review"].Spec != "" || got["digest"].Spec != "fri 16:00" {
				t.Fatalf("settings %+v", got)
			}
			if err := s.SaveRitualSetting(ctx, RitualSetting{Workspace: "T1", Ritual: "digest"}); err == nil {
				t.Fatal("a setting without a team was saved")
			}
		})
	}
}

func TestAbsences(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if err := s.SaveAbsence(ctx, Absence{Workspace: "T1", User: "U1", From: "2026-12-21", To: "2026-12-31", CreatedAt: t0}); err != nil {
				t.Fatal(err)
			}
			tests := []struct {
				ws, user, day string
				want          bool
			}{
				{"T1", "U1", "2026-12-21", true},
				{"T1", "U1", "2026-12-31", true},
				{"T1", "U1", "2026-12-20", false},
				{"T1", "U1", "2027-01-01", false},
				{"T1", "U2", "2026-12-24", false},
				{"T2", "U1", "2026-12-24", false},
			}
			for _, tt := range tests {
				got, err := s.Away(ctx, tt.ws, tt.user, tt.day)
				if err != nil || got != tt.want {
					t.Errorf("Away(%s, %s, %s) = %v, %v; want %v", tt.ws, tt.user, tt.day, got, err, tt.want)
				}
			}
		})
	}
}

func TestHolidays(t *testing.T) {
	s := stores(t)["memory"]
	ctx := context.Background()
	s.SaveHoliday(ctx, Holiday{Workspace: "T1", Day: "2026-12-24", Name: "Veille de Noël"})
	s.SaveHoliday(ctx, Holiday{Workspace: "T1", Day: "2026-11-11", Off: true})
	s.SaveHoliday(ctx, Holiday{Workspace: "T2", Day: "2026-12-31"})
	got, err := s.Holidays(ctx, "T1")
	if err != nil || len(got) != 2 {
		t.Fatalf("holidays %+v, %v", got, err)
	}
	if err := s.SaveHoliday(ctx, Holiday{Workspace: "T1"}); err == nil {
		t.Fatal("a holiday without a day was saved")
	}
}
