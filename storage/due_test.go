package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/256dpi/lungo"
)

// byID sorts entries as AllDue gives them.
func byID(list []DueTeam) []DueTeam {
	list = slices.Clone(list)
	slices.SortFunc(list, func(a, b DueTeam) int { return strings.Compare(a.ID, b.ID) })
	return list
}

// unforgotten leaves out the entries ForgetUser pseudonymized.
func unforgotten(list []DueTeam) []DueTeam {
	return slices.DeleteFunc(slices.Clone(list), func(d DueTeam) bool { return strings.HasPrefix(d.Team, "forgotten-") })
}

// The embedded store's index of next-due times, in memory, answers as the
// collection does (MongoDB's, here on lungo): the same entries, revs and
// times after every one of a few hundred random writes of every kind that
// moves a team's next run, and the same teams due at any time. Only
// ForgetUser differs, on purpose: the collection keeps a pseudonymized
// entry of a dissolved team until it comes due, memory drops it at once.
// (An entry with no team, from SetNextDue, is in both, as on MongoDB:
// the scheduler drops it when it comes due.)
func TestDueIndexInMemoryAgreesWithTheCollection(t *testing.T) {
	ctx := context.Background()
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			mem, err := OpenMemory(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer mem.Close(ctx)
			coll, err := openEngineDue(ctx, lungo.NewMemoryStore(), "memory", nil, false)
			if err != nil {
				t.Fatal(err)
			}
			defer coll.Close(ctx)
			if mem.due == nil || coll.due != nil {
				t.Fatal("the stores do not hold the index where this test needs them")
			}
			r := rand.New(rand.NewPCG(seed, 14))
			base := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
			at := func() time.Time {
				return base.Add(time.Duration(r.IntN(600)) * time.Minute).Add(time.Duration(r.IntN(1000)) * time.Millisecond)
			}
			ws := func() string { return fmt.Sprintf("W%d", r.IntN(4)) }
			user := func() string { return fmt.Sprintf("U%02d", r.IntN(30)) }
			both := func(what string, do func(s *Store) error) {
				t.Helper()
				em, ec := do(mem), do(coll)
				if (em == nil) != (ec == nil) {
					t.Fatalf("%s: memory says %v, the collection %v", what, em, ec)
				}
			}
			imported := 0
			for step := range 400 {
				var what string
				switch op := r.IntN(12); op {
				case 0:
					w, next := ws(), at()
					var teams []Team
					for range 1 + r.IntN(3) {
						imported++
						teams = append(teams, Team{Workspace: w, Manager: fmt.Sprintf("I%03d", imported)})
					}
					what = fmt.Sprintf("import %d teams into %s", len(teams), w)
					both(what, func(s *Store) error { return s.ImportTeams(ctx, teams, next) })
				case 1:
					w, m := ws(), user()
					what = "make manager " + w + "/" + m
					both(what, func(s *Store) error { _, err := s.MakeManager(ctx, w, m); return err })
				case 2:
					w, rep := ws(), user()
					all, _ := mem.AllTeams(ctx)
					if len(all) == 0 {
						continue
					}
					tm := all[r.IntN(len(all))]
					w = tm.Workspace
					what = "add " + rep + " to " + tm.ID
					both(what, func(s *Store) error { _, err := s.AddRep(ctx, w, tm.Manager, rep); return err })
				case 3, 4, 5:
					// The scheduler storing a computed time, at the rev it
					// read, or at a stale one.
					list, _ := mem.AllDue(ctx)
					if len(list) == 0 {
						continue
					}
					d, next := list[r.IntN(len(list))], at()
					if r.IntN(4) == 0 {
						d.Rev--
					}
					what = fmt.Sprintf("set %s at rev %d to %s", d.ID, d.Rev, next.Format(time.TimeOnly))
					var got [2]bool
					for i, s := range []*Store{mem, coll} {
						ok, err := s.SetNextDue(ctx, d, next)
						if err != nil {
							t.Fatalf("%s: %v", what, err)
						}
						got[i] = ok
					}
					if got[0] != got[1] {
						t.Fatalf("%s: memory stored %v, the collection %v", what, got[0], got[1])
					}
				case 6:
					// A team with no entry yet (rev 0), or one that has one.
					w, m, next := ws(), user(), at()
					what = "set new " + w + "/" + m
					for _, s := range []*Store{mem, coll} {
						if _, err := s.SetNextDue(ctx, DueTeam{Workspace: w, Team: m}, next); err != nil {
							t.Fatal(err)
						}
					}
				case 7:
					list, _ := mem.AllDue(ctx)
					if len(list) == 0 {
						continue
					}
					d := list[r.IntN(len(list))]
					if r.IntN(2) == 0 {
						d.Rev++
					}
					what = fmt.Sprintf("drop %s at rev %d", d.ID, d.Rev)
					both(what, func(s *Store) error { return s.DropDue(ctx, d) })
				case 8:
					w, u := ws(), user()
					what = "profile of " + w + "/" + u
					both(what, func(s *Store) error {
						return s.SaveUserProfile(ctx, UserProfile{Workspace: w, User: u, TZ: "Europe/Paris", RefreshedAt: base})
					})
				case 9:
					all, _ := mem.AllTeams(ctx)
					if len(all) == 0 {
						continue
					}
					tm := all[r.IntN(len(all))]
					what = "ritual setting of " + tm.ID
					both(what, func(s *Store) error {
						return s.SaveRitualSetting(ctx, RitualSetting{Workspace: tm.Workspace, Team: tm.Manager, Ritual: "digest", Spec: "daily 18:30", TZ: "Europe/Paris"})
					})
				case 10:
					if r.IntN(4) != 0 {
						continue
					}
					w := ws()
					what = "forget workspace " + w
					both(what, func(s *Store) error { _, err := s.ForgetWorkspace(ctx, w); return err })
				case 11:
					w, u := ws(), user()
					what = "forget user " + w + "/" + u
					both(what, func(s *Store) error { _, err := s.ForgetUser(ctx, w, u); return err })
				}
				m, _ := mem.AllDue(ctx)
				c, _ := coll.AllDue(ctx)
				if c = unforgotten(byID(c)); !slices.Equal(m, c) {
					t.Fatalf("step %d (%s): memory\n%+v\nthe collection\n%+v", step, what, m, c)
				}
				until := at()
				dm, _ := mem.TeamsDue(ctx, until)
				dc, _ := coll.TeamsDue(ctx, until)
				if dm, dc = byID(dm), unforgotten(byID(dc)); !slices.Equal(dm, dc) {
					t.Fatalf("step %d (%s): due by %s, memory %+v, the collection %+v", step, what, until, dm, dc)
				}
			}
			if n, _ := mem.AllDue(ctx); len(n) < 10 {
				t.Errorf("only %d entries at the end: the walk did not get far", len(n))
			}
		})
	}
}

// TeamsDue walks the part of the heap that is due, and gives it in order
// of time.
func TestDueIndexInMemoryTeamsDueInOrder(t *testing.T) {
	m := newMemDue()
	base := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	var entries []DueTeam
	for i := range 1000 {
		entries = append(entries, DueTeam{ID: fmt.Sprintf("W/M%04d", i), Workspace: "W", Team: fmt.Sprintf("M%04d", i), NextAt: base.Add(time.Duration((i*7919)%1000) * time.Minute), Rev: 1})
	}
	if err := m.importEntries(entries); err != nil {
		t.Fatal(err)
	}
	got := m.teamsDue(base.Add(9 * time.Minute))
	if len(got) != 10 || !slices.IsSortedFunc(got, compareDue) || got[9].NextAt != base.Add(9*time.Minute) {
		t.Errorf("due by 18:09: %+v, want the 10 teams of 18:00 to 18:09 in order", got)
	}
}

// Reopened, the embedded store has an entry due now for every stored team
// and none for a workspace forgotten: what a full read of the teams says,
// for the scheduler's first pass to compute.
func TestDueIndexAfterReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	next := time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC)
	var teams []Team
	for i := range 50 {
		teams = append(teams, Team{Workspace: fmt.Sprintf("W%d", i%3), Manager: fmt.Sprintf("M%02d", i)})
	}
	if err := s.ImportTeams(ctx, teams, next); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MakeManager(ctx, "W1", "UNEW"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ForgetWorkspace(ctx, "W2"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	all, err := s.AllTeams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want []DueTeam
	for _, tm := range all {
		if tm.Workspace == "W2" {
			t.Fatalf("team %s of the forgotten workspace is back", tm.ID)
		}
		want = append(want, DueTeam{ID: tm.ID, Workspace: tm.Workspace, Team: tm.Manager, NextAt: dueNow, Rev: 1})
	}
	got, _ := s.AllDue(ctx)
	if !slices.Equal(got, byID(want)) || len(got) != 35 {
		t.Errorf("after reopen: %d entries %+v, want every one of the %d teams due now", len(got), got, len(want))
	}
	if due, _ := s.TeamsDue(ctx, dueNow); len(due) != len(want) {
		t.Errorf("%d teams due now after reopen, want %d", len(due), len(want))
	}
}
