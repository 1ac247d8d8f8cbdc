package storage

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
)

// The settings modal's choices are saved in one update: reminder,
// language, shout-outs, counts, an absence added and one cleared; each
// reader sees them, and another workspace's person is untouched.
func TestSaveMySettingsInOneWrite(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if err := s.SaveAbsence(ctx, Absence{Workspace: "T1", User: "U1", From: "2026-11-25", To: "2026-11-26", CreatedAt: t0}); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveAbsence(ctx, Absence{Workspace: "T2", User: "U1", From: "2026-11-25", To: "2026-11-26", CreatedAt: t0}); err != nil {
				t.Fatal(err)
			}
			m := MySettings{Workspace: "T1", User: "U1", Reminder: ReminderPref{Time: "08:30"}, Lang: "en", Shoutout: true, ShareCounts: true,
				Add: &Absence{From: "2026-12-21", To: "2026-12-31", CreatedAt: t0}, Clear: []string{"2026-11-25"}, At: t0}
			if err := s.SaveMySettings(ctx, m); err != nil {
				t.Fatal(err)
			}
			if r, err := s.ReminderPref(ctx, "T1", "U1"); err != nil || r.Off || r.Time != "08:30" {
				t.Errorf("reminder %+v, %v", r, err)
			}
			if langs, err := s.UserLangs(ctx, "T1"); err != nil || langs["U1"] != "en" {
				t.Errorf("languages %v, %v", langs, err)
			}
			if on, _ := s.Shoutout(ctx, "T1", "U1"); !on {
				t.Error("shout-outs not saved")
			}
			if on, _ := s.ShareCounts(ctx, "T1", "U1"); !on {
				t.Error("share counts not saved")
			}
			for day, want := range map[string]bool{"2026-11-25": false, "2026-12-24": true} {
				if away, err := s.Away(ctx, "T1", "U1", day); away != want || err != nil {
					t.Errorf("away on %s: %v, %v", day, away, err)
				}
			}
			if away, _ := s.Away(ctx, "T2", "U1", "2026-11-25"); !away {
				t.Error("clearing T1's absence cleared T2's")
			}
			if list, err := s.Absences(ctx, "T1", "U1", "2026-11-01"); err != nil || len(list) != 1 || list[0].From != "2026-12-21" || list[0].To != "2026-12-31" {
				t.Errorf("absences %+v, %v", list, err)
			}
			// Back to the Slack locale and the team's reminder.
			m = MySettings{Workspace: "T1", User: "U1", At: t0}
			if err := s.SaveMySettings(ctx, m); err != nil {
				t.Fatal(err)
			}
			if langs, _ := s.UserLangs(ctx, "T1"); len(langs) != 0 {
				t.Errorf("languages after going back to the Slack locale: %v", langs)
			}
			if on, _ := s.Shoutout(ctx, "T1", "U1"); on {
				t.Error("shout-outs still on")
			}
			// A bad value stores nothing.
			bad := MySettings{Workspace: "T1", User: "U1", Shoutout: true, Add: &Absence{From: "2026-12-31", To: "2026-12-01"}, At: t0}
			if err := s.SaveMySettings(ctx, bad); err == nil {
				t.Fatal("an absence ending before it starts was saved")
			}
			if on, _ := s.Shoutout(ctx, "T1", "U1"); on {
				t.Error("a refused save changed the shout-outs")
			}
		})
	}
}

// Reminder choices, languages and absences stored in their legacy
// collections move onto Preferences at start, once; a choice already on
// Preferences is newer and stays.
func TestLegacyPreferencesMoveOnce(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if err := s.SetUserLang(ctx, "T1", "U2", "fr", t0); err != nil { // newer than its legacy one
				t.Fatal(err)
			}
			for coll, docs := range map[string][]any{
				legacyRemindersCollection: {ReminderPref{ID: "T1/U1", Workspace: "T1", User: "U1", Time: "09:15", UpdatedAt: t0}},
				legacyLangsCollection:     {UserLang{ID: "T1/U1", Workspace: "T1", User: "U1", Lang: "en", At: t0}, UserLang{ID: "T1/U2", Workspace: "T1", User: "U2", Lang: "en", At: t0}},
				legacyAbsencesCollection:  {Absence{ID: "T1/U1/2026-11-30", Workspace: "T1", User: "U1", From: "2026-11-30", To: "2026-12-04", CreatedAt: t0}},
			} {
				if _, err := s.coll(coll).InsertMany(ctx, docs); err != nil {
					t.Fatal(err)
				}
			}
			for range 2 {
				if err := s.migrateLegacyPreferences(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if r, err := s.ReminderPref(ctx, "T1", "U1"); err != nil || r.Time != "09:15" {
				t.Errorf("reminder %+v, %v", r, err)
			}
			if langs, _ := s.UserLangs(ctx, "T1"); langs["U1"] != "en" || langs["U2"] != "fr" {
				t.Errorf("languages %v: U1's moved, U2's newer kept", langs)
			}
			if away, _ := s.Away(ctx, "T1", "U1", "2026-12-02"); !away {
				t.Error("the legacy absence was not moved")
			}
			for _, coll := range []string{legacyRemindersCollection, legacyLangsCollection, legacyAbsencesCollection} {
				if n, err := s.coll(coll).CountDocuments(ctx, bson.D{}); n != 0 || err != nil {
					t.Errorf("%s keeps %d documents, %v", coll, n, err)
				}
			}
		})
	}
}
