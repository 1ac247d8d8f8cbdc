package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
)

// ReminderPref is a rep's own choice about the check-in reminder: off, or
// at a time of their own. A rep with no pref gets the team's schedule.
type ReminderPref struct {
	ID        string `bson:"_id"` // workspace/user
	Workspace string `bson:"workspace"`
	User      string `bson:"user"`
	Off       bool   `bson:"off"`
	// Time is "15:04" on weekdays in the rep's own timezone, or "" for
	// the team's reminder schedule.
	Time      string    `bson:"time,omitempty"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// SaveReminderPref records a rep's reminder choice, replacing the previous
// one. Time must be empty or a 24-hour "HH:MM".
func (s *Store) SaveReminderPref(ctx context.Context, p ReminderPref) error {
	if p.Workspace == "" || p.User == "" {
		return errors.New("storage: save reminder pref: workspace and user are required")
	}
	if p.Time != "" {
		if _, err := time.Parse("15:04", p.Time); err != nil || len(p.Time) != 5 {
			return fmt.Errorf("storage: save reminder pref: time %q is not HH:MM", p.Time)
		}
	}
	at := p.UpdatedAt.UTC().Truncate(time.Millisecond)
	if err := s.setPreferenceFields(ctx, p.Workspace, p.User, bson.D{{Key: "reminder", Value: PrefReminder{Off: p.Off, Time: p.Time, UpdatedAt: at}}}, nil, "reminder pref"); err != nil {
		return err
	}
	return s.markWorkspaceDue(ctx, p.Workspace)
}

// reminderPref is the ReminderPref of p, ok false when it holds none.
func reminderPref(p Preferences) (ReminderPref, bool) {
	if p.Reminder == nil {
		return ReminderPref{}, false
	}
	return ReminderPref{ID: p.ID, Workspace: p.Workspace, User: p.User, Off: p.Reminder.Off, Time: p.Reminder.Time, UpdatedAt: p.Reminder.UpdatedAt}, true
}

// ReminderPref returns one rep's reminder choice, or ErrNotFound when the
// rep never made one.
func (s *Store) ReminderPref(ctx context.Context, workspace, user string) (ReminderPref, error) {
	p, err := s.preferences(ctx, workspace, user)
	if err != nil {
		return ReminderPref{}, err
	}
	r, ok := reminderPref(p)
	if !ok {
		return ReminderPref{}, ErrNotFound
	}
	return r, nil
}

// ReminderPrefs returns the reminder choices made in a workspace, by user.
// Reps who never made one are absent: they follow their team's schedule.
func (s *Store) ReminderPrefs(ctx context.Context, workspace string) (map[string]ReminderPref, error) {
	list, err := findAll[Preferences](ctx, s.coll(preferencesCollection), bson.D{{Key: "workspace", Value: workspace}, {Key: "reminder", Value: bson.D{{Key: "$exists", Value: true}}}}, "reminder prefs")
	if err != nil {
		return nil, err
	}
	out := make(map[string]ReminderPref, len(list))
	for _, p := range list {
		if r, ok := reminderPref(p); ok {
			out[p.User] = r
		}
	}
	return out, nil
}
