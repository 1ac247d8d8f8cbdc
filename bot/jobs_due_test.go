package bot_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/rituals"
	"github.com/kpibot/kpibot/storage"
)

// recordingPoster records the runs the scheduler posts; it fails the
// first fail posts.
type recordingPoster struct {
	mu    sync.Mutex
	fail  int
	posts []string
}

func (p *recordingPoster) Post(_ context.Context, job rituals.Job, _ string, at time.Time) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail > 0 {
		p.fail--
		return "", errors.New("slack is down")
	}
	p.posts = append(p.posts, fmt.Sprintf("%s/%s@%s", job.Ritual, job.Target, at.In(paris).Format("Mon 15:04")))
	return "1.1", nil
}

// TestIndexedTicksSeeEveryChange runs the scheduler as cmd/kpibot does: a
// first pass over every team fills the index of next-due times, and every
// later 30 s tick reads the teams due only. After each kind of change made
// once the index is filled, the ritual it brings forward runs on time:
// the change marked the team due, so no tick misses it.
func TestIndexedTicksSeeEveryChange(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, time.November, 27, 12, 0, 0, 0, paris) // a Friday
	ny := mustLoad("America/New_York")
	allOff := func(s *storage.Store, rt ...string) {
		for _, r := range rt {
			s.SaveRitualSetting(ctx, storage.RitualSetting{Workspace: "T1", Team: "UMAUD", Ritual: r, Off: true})
		}
	}
	remindAt := func(s *storage.Store, spec string) {
		s.SaveRitualSetting(ctx, storage.RitualSetting{Workspace: "T1", Team: "UMAUD", Ritual: "reminder", Spec: spec, TZ: "Europe/Paris"})
	}
	cases := []struct {
		name   string
		before func(s *storage.Store, p bottest.Profiles)
		change func(s *storage.Store, p bottest.Profiles)
		fail   int
		want   []string
	}{{
		name: "ritual setting",
		before: func(s *storage.Store, _ bottest.Profiles) {
			s.AddRep(ctx, "T1", "UMAUD", "UALICE")
			allOff(s, "reminder")
		},
		change: func(s *storage.Store, _ bottest.Profiles) { remindAt(s, "fri 13:00") },
		want:   []string{"reminder/UALICE@Fri 13:00"},
	}, {
		name:   "a rep joins",
		before: func(s *storage.Store, _ bottest.Profiles) { remindAt(s, "fri 13:00") },
		change: func(s *storage.Store, _ bottest.Profiles) { s.AddRep(ctx, "T1", "UMAUD", "UALICE") },
		want:   []string{"reminder/UALICE@Fri 13:00"},
	}, {
		name: "a rep's timezone",
		before: func(s *storage.Store, p bottest.Profiles) {
			s.AddRep(ctx, "T1", "UMAUD", "UALICE")
			remindAt(s, "fri 13:00")
			p["UALICE"] = bot.Profile{Loc: ny} // 13:00 in New York is 19:00 in Paris
		},
		change: func(s *storage.Store, p bottest.Profiles) {
			p["UALICE"] = bot.Profile{Loc: paris}
			s.SaveUserProfile(ctx, storage.UserProfile{Workspace: "T1", User: "UALICE", TZ: "Europe/Paris", RefreshedAt: start})
		},
		want: []string{"reminder/UALICE@Fri 13:00"},
	}, {
		name: "a rep's own reminder time",
		before: func(s *storage.Store, _ bottest.Profiles) {
			s.AddRep(ctx, "T1", "UMAUD", "UALICE")
			remindAt(s, "fri 18:00")
		},
		change: func(s *storage.Store, _ bottest.Profiles) {
			s.SaveReminderPref(ctx, storage.ReminderPref{Workspace: "T1", User: "UALICE", Time: "13:00"})
		},
		want: []string{"reminder/UALICE@Fri 13:00"},
	}, {
		name: "a reinstall",
		before: func(s *storage.Store, _ bottest.Profiles) {
			s.AddRep(ctx, "T1", "UMAUD", "UALICE")
			remindAt(s, "fri 13:00")
			s.RevokeInstallation(ctx, "T1", "UADMIN", start)
		},
		change: func(s *storage.Store, _ bottest.Profiles) {
			s.SaveInstallation(ctx, storage.Installation{Workspace: "T1", InstalledAt: start})
		},
		want: []string{"reminder/UALICE@Fri 13:00"},
	}, {
		name: "a failed run is retried",
		before: func(s *storage.Store, _ bottest.Profiles) {
			s.SaveRitualSetting(ctx, storage.RitualSetting{Workspace: "T1", Team: "UMAUD", Ritual: "digest", Spec: "fri 12:30", TZ: "Europe/Paris"})
		},
		change: func(*storage.Store, bottest.Profiles) {},
		fail:   1,
		want:   []string{"digest/@Fri 12:30"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := memStore(t)
			profiles := bottest.Profiles{}
			now := start
			clock := func() time.Time { return now }
			h := bottest.NewHandler(t, store, clock, profiles)
			store.MakeManager(ctx, "T1", "UMAUD")
			allOff(store, "digest", "review", "alert", "coaching")
			tc.before(store, profiles)
			poster := &recordingPoster{fail: tc.fail}
			runner := &rituals.Runner{Claimer: store, Poster: poster, Holder: "A", Now: clock, Logger: testkit.Quiet}

			jobs, err := h.RitualJobs(ctx, store, now)
			if err != nil {
				t.Fatal(err)
			}
			runner.Tick(ctx, jobs)
			tc.change(store, profiles)
			listed := 0
			for now = start.Add(30 * time.Second); now.Before(start.Add(70 * time.Minute)); now = now.Add(30 * time.Second) {
				teams, jobs, err := h.DueRitualJobs(ctx, store, now, 30*time.Second, runner.Busy())
				if err != nil {
					t.Fatal(err)
				}
				listed += len(teams)
				runner.TickTeams(ctx, teams, jobs)
			}
			if !slices.Equal(poster.posts, tc.want) {
				t.Errorf("posted %q, want %q", poster.posts, tc.want)
			}
			// The team is read when a change marks it, around its runs
			// and while a failed run waits: not on each of the 139 ticks.
			if listed > 12 {
				t.Errorf("the team was read on %d ticks, want only around its changes and runs", listed)
			}
		})
	}
}
