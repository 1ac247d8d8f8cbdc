package storage

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestFirstUserBecomesAdmin(t *testing.T) {
	s := stores(t)["memory"]
	ctx := context.Background()
	var wg sync.WaitGroup
	for _, u := range []string{"U1", "U2", "U3", "U4"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.EnsureWorkspace(ctx, "T1", u, t0); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	w, err := s.EnsureWorkspace(ctx, "T1", "U9", t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Admins) != 1 || w.FirstUser() == "U9" {
		t.Fatalf("first users %v, want exactly one of the first callers", w.Admins)
	}
	other, _ := s.EnsureWorkspace(ctx, "T2", "U9", t0)
	if other.FirstUser() != "U9" {
		t.Fatal("another workspace has its own first user")
	}
}

func TestTeams(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if _, err := s.AddRep(ctx, "T1", "M1", "R1"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("adding to a team that does not exist: %v", err)
			}
			for _, m := range []string{"M1", "M2", "M1"} {
				if _, err := s.MakeManager(ctx, "T1", m); err != nil {
					t.Fatal(err)
				}
			}
			s.AddRep(ctx, "T1", "M1", "R1")
			s.AddRep(ctx, "T1", "M1", "R2")
			s.AddRep(ctx, "T1", "M1", "R2")
			// A manager cannot take a rep from another team: before, M2's
			// add silently moved R2 and M2 read R2's history.
			var inTeam *InTeamError
			if _, err := s.AddRep(ctx, "T1", "M2", "R2"); !errors.As(err, &inTeam) || inTeam.Manager != "M1" {
				t.Fatalf("adding M1's rep to M2's team: %v, want an *InTeamError naming M1", err)
			}
			if team, _ := s.TeamOf(ctx, "T1", "R2"); team.Manager != "M1" {
				t.Fatalf("a refused add moved R2 to %s", team.Manager)
			}
			// A rep has one manager: moving R2, an admin's act, takes them
			// out of M1's team.
			if _, from, err := s.MoveRep(ctx, "T1", "M2", "R2"); err != nil || from != "M1" {
				t.Fatalf("MoveRep = from %q, %v; want from M1", from, err)
			}
			team, err := s.TeamOf(ctx, "T1", "R1")
			if err != nil || team.Manager != "M1" || !slices.Equal(team.Reps, []string{"R1"}) {
				t.Fatalf("team of R1 = %+v, %v", team, err)
			}
			if team, _ := s.TeamOf(ctx, "T1", "R2"); team.Manager != "M2" {
				t.Fatalf("R2's manager = %s, want M2", team.Manager)
			}
			if team, _ := s.TeamOf(ctx, "T1", "M1"); team.Manager != "M1" {
				t.Fatalf("a manager's team is their own: %+v", team)
			}
			if _, err := s.TeamOf(ctx, "T2", "R1"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("another workspace: %v, want ErrNotFound", err)
			}
			if team, err := s.SetTeamChannel(ctx, "T1", "M1", "C42"); err != nil || team.Channel != "C42" {
				t.Fatalf("channel: %+v, %v", team, err)
			}
			if _, err := s.SetTeamChannel(ctx, "T1", "R1", "C1"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("a rep has no team channel to set: %v", err)
			}
			if team, err := s.SetTeamLang(ctx, "T1", "M1", "en"); err != nil || team.Lang != "en" || team.Channel != "C42" {
				t.Fatalf("language: %+v, %v", team, err)
			}
			if team, err := s.TeamOf(ctx, "T1", "M1"); err != nil || team.Lang != "en" {
				t.Fatalf("the language is not stored: %+v, %v", team, err)
			}
			if _, err := s.SetTeamLang(ctx, "T2", "M1", "en"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("another workspace's team: %v, want ErrNotFound", err)
			}
		})
	}
}

func TestWeeksBetweenFiltersUsers(t *testing.T) {
	s := stores(t)["memory"]
	ctx := context.Background()
	for _, c := range []CheckIn{
		checkIn("T1", "R1", "a", "2026-11-23", t0, nil),
		checkIn("T1", "R1", "b", "2026-11-09", t0, nil),
		checkIn("T1", "R2", "c", "2026-11-23", t0, nil),
		checkIn("T1", "R3", "d", "2026-11-23", t0, nil),
		checkIn("T2", "R1", "e", "2026-11-23", t0, nil),
	} {
		save(t, s, c)
	}
	weeks, err := s.WeeksBetween(ctx, "T1", []string{"R1", "R2"}, "2026-11-16", "2026-11-23")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range weeks {
		got = append(got, w.User+"@"+w.Start)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"R1@2026-11-23", "R2@2026-11-23"}) {
		t.Fatalf("weeks %v", got)
	}
	one, _ := s.WeeksBetween(ctx, "T1", []string{"R1"}, "2026-11-01", "2026-11-30")
	if len(one) != 2 {
		t.Fatalf("R1 has %d weeks, want 2", len(one))
	}
}

func TestObjectives(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			a, err := s.SaveObjective(ctx, Objective{Workspace: "T1", Team: "M1", Owner: "team", Target: "signatures", Value: 5, Period: "month", Kind: "balance", CreatedAt: t0})
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Code) != 5 || a.ID != "T1/"+a.Code {
				t.Fatalf("code %q id %q", a.Code, a.ID)
			}
			b, _ := s.SaveObjective(ctx, Objective{Workspace: "T1", Owner: "R1", Target: "meetings", Value: 10, Period: "week", Kind: "alert", Threshold: 3, Direction: "below", Action: "call the hot leads", CreatedAt: t0.Add(1)})
			s.SaveObjective(ctx, Objective{Workspace: "T2", Owner: "R1", Target: "calls", Value: 1, Period: "day", Kind: "balance", CreatedAt: t0})
			list, err := s.Objectives(ctx, "T1")
			if err != nil || len(list) != 2 || list[0].Code != a.Code || list[1].Action != "call the hot leads" {
				t.Fatalf("objectives %+v, %v", list, err)
			}
			if _, err := s.Objective(ctx, "T2", a.Code); !errors.Is(err, ErrNotFound) {
				t.Fatalf("another workspace reads T1's objective: %v", err)
			}
			if err := s.DeleteObjective(ctx, "T2", b.Code); !errors.Is(err, ErrNotFound) {
				t.Fatalf("another workspace deletes T1's objective: %v", err)
			}
			if err := s.DeleteObjective(ctx, "T1", b.Code); err != nil {
				t.Fatal(err)
			}
			if list, _ := s.Objectives(ctx, "T1"); len(list) != 1 {
				t.Fatalf("after delete: %d objectives", len(list))
			}
		})
	}
}

// ObjectivesFor reads a rep's own objectives and their team's, nobody
// else's, and no other workspace's.
func TestObjectivesFor(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			save := func(ws, team, owner string, at int) string {
				o, err := s.SaveObjective(ctx, Objective{Workspace: ws, Team: team, Owner: owner, Target: "meetings", Value: 10, Period: "week", Kind: "alert", CreatedAt: t0.Add(time.Duration(at) * time.Second)})
				if err != nil {
					t.Fatal(err)
				}
				return o.Code
			}
			own := save("T1", "M1", "R1", 3)
			team := save("T1", "M1", TeamOwner, 1)
			save("T1", "M1", "R2", 2)       // a teammate's
			save("T1", "M2", TeamOwner, 4)  // another team's
			save("T2", "M1", "R1", 5)       // another workspace's
			save("T2", "M1", TeamOwner, 6)  // another workspace's team
			solo := save("T1", "", "R9", 7) // a rep outside any team
			codes := func(manager, owner string) []string {
				list, err := s.ObjectivesFor(ctx, "T1", owner, manager)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, o := range list {
					out = append(out, o.Code)
				}
				return out
			}
			if got := codes("M1", "R1"); !slices.Equal(got, []string{team, own}) {
				t.Errorf("R1 in M1's team reads %v, want the team's then their own %v", got, []string{team, own})
			}
			if got := codes("", "R1"); !slices.Equal(got, []string{own}) {
				t.Errorf("R1 with no team reads %v, want their own %v", got, own)
			}
			if got := codes("", "R9"); !slices.Equal(got, []string{solo}) {
				t.Errorf("R9 reads %v, want %v", got, solo)
			}
			if _, err := s.ObjectivesFor(ctx, "T1", "", "M1"); err == nil {
				t.Error("no owner: no error")
			}
		})
	}
}
