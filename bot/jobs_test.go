package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
	"github.com/kpibot/kpibot/storage"
)

func TestRitualJobsFollowSettingsAndRepTimezones(t *testing.T) {
	store := memStore(t)
	ny := mustLoad("America/New_York")
	h := bottest.NewHandler(t, store, newClock(friday).Now, bottest.Profiles{"UBOB": {Loc: ny, Lang: prompts.English}})
	ctx := context.Background()
	store.MakeManager(ctx, "T1", "UMAUD")
	store.AddRep(ctx, "T1", "UMAUD", "UALICE")
	store.AddRep(ctx, "T1", "UMAUD", "UBOB")
	store.SaveRitualSetting(ctx, storage.RitualSetting{Workspace: "T1", Team: "UMAUD", Ritual: "digest", Off: true})
	store.SaveRitualSetting(ctx, storage.RitualSetting{Workspace: "T1", Team: "UMAUD", Ritual: "review", Spec: "tue 10:00", TZ: "Europe/Paris"})
	store.SaveHoliday(ctx, storage.Holiday{Workspace: "T1", Day: "2026-12-24", Name: "Veille de Noël"})
	store.SaveHoliday(ctx, storage.Holiday{Workspace: "T1", Day: "2026-12-25", Off: true})

	jobs, err := h.RitualJobs(ctx, store, friday)
	if err != nil {
		t.Fatal(err)
	}
	next := map[string]time.Time{}
	for _, j := range jobs {
		next[string(j.Ritual)+"/"+j.Target] = j.Schedule.Next(friday)
	}
	if _, ok := next["digest/"]; ok {
		t.Error("a digest turned off still has a job")
	}
	want := map[string]time.Time{
		"review/":         time.Date(2026, 12, 1, 10, 0, 0, 0, paris),
		"reminder/UALICE": time.Date(2026, 11, 30, 17, 30, 0, 0, paris), // Friday 18:00 is past 17:30
		"reminder/UBOB":   time.Date(2026, 11, 27, 17, 30, 0, 0, ny),    // still Friday noon in New York
	}
	for k, w := range want {
		if got, ok := next[k]; !ok || !got.Equal(w) {
			t.Errorf("%s next run %v, want %v", k, got, w)
		}
	}
	if len(jobs) != 6 || jobs[0].Grace != rituals.DefaultGrace(jobs[0].Ritual) || !jobs[0].Holidays.Is(mustDate(t, "2026-12-24")) || jobs[0].Holidays.Is(mustDate(t, "2026-12-25")) || !jobs[0].Holidays.Is(mustDate(t, "2027-01-01")) {
		t.Errorf("jobs %+v", jobs)
	}
}

// knownOnly knows users from storage and fails the test if anything asks
// Slack (Profile) while the scheduler builds its jobs.
type knownOnly struct {
	t     *testing.T
	known bottest.Profiles
}

func (k knownOnly) Profile(context.Context, string, string) (bot.Profile, bool) {
	k.t.Error("the scheduler's tick asked Slack for a profile")
	return bot.Profile{}, false
}

func (k knownOnly) KnownProfile(ctx context.Context, workspace, user string) (bot.Profile, bool) {
	return k.known.KnownProfile(ctx, workspace, user)
}

func TestRitualJobsReadStoredProfilesOnly(t *testing.T) {
	store := memStore(t)
	tokyo := mustLoad("Asia/Tokyo")
	h := bottest.NewHandler(t, store, newClock(friday).Now, knownOnly{t, bottest.Profiles{"UBOB": {Loc: tokyo}}})
	ctx := context.Background()
	store.MakeManager(ctx, "T1", "UMAUD")
	store.AddRep(ctx, "T1", "UMAUD", "UBOB")
	jobs, err := h.RitualJobs(ctx, store, friday)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Ritual == rituals.Reminder && j.Schedule.Loc != tokyo {
			t.Errorf("reminder of %s in %v, want the stored Asia/Tokyo", j.Target, j.Schedule.Loc)
		}
	}
}
