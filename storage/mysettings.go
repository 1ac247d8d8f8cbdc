package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// A person's own choices (Preferences) live on one document per user in
// the preferences collection: public shout-outs, sharing counts with the
// manager, the reminder, the language chosen over the Slack locale, and
// absences. The settings modal saves them all in one atomic update
// (SaveMySettings): nothing is half saved if the store fails.
const preferencesCollection = "preferences"

// PrefReminder is a rep's reminder choice as Preferences keep it.
type PrefReminder struct {
	Off       bool      `bson:"off"`
	Time      string    `bson:"time,omitempty"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// PrefAbsence is one absence as Preferences keep it, by its first day.
type PrefAbsence struct {
	From      string    `bson:"from"`
	To        string    `bson:"to"`
	CreatedAt time.Time `bson:"created_at"`
}

// MySettings is everything the settings modal saves at once for one
// person.
type MySettings struct {
	Workspace, User       string
	Reminder              ReminderPref // its Workspace, User and ID are ignored
	Lang                  string       // "" follows the Slack locale
	Shoutout, ShareCounts bool
	// Add is an absence to record (nil: none); Clear are the first days of
	// absences to remove.
	Add   *Absence
	Clear []string
	At    time.Time
}

// prefID is the _id of user's Preferences.
func prefID(workspace, user string) string { return workspace + "/" + user }

// validDay reports whether day is a YYYY-MM-DD date, the only key an
// absence is stored under (a field name: no dot, no dollar).
func validDay(day string) bool {
	_, err := time.Parse(time.DateOnly, day)
	return err == nil && len(day) == len(time.DateOnly)
}

// SaveMySettings saves what the settings modal submitted, in one atomic
// update of the person's Preferences document, then marks the workspace's
// teams due so the scheduler reads the new reminder. A failure leaves
// every choice as it was; the due mark failing after the save is
// reported, and a retry saves the same again.
func (s *Store) SaveMySettings(ctx context.Context, m MySettings) error {
	if m.Workspace == "" || m.User == "" {
		return errors.New("storage: save my settings: workspace and user are required")
	}
	if m.Reminder.Time != "" {
		if _, err := time.Parse("15:04", m.Reminder.Time); err != nil || len(m.Reminder.Time) != 5 {
			return fmt.Errorf("storage: save my settings: time %q is not HH:MM", m.Reminder.Time)
		}
	}
	at := m.At.UTC().Truncate(time.Millisecond)
	set := bson.D{
		{Key: "shoutout", Value: m.Shoutout}, {Key: "share_counts", Value: m.ShareCounts},
		{Key: "reminder", Value: PrefReminder{Off: m.Reminder.Off, Time: m.Reminder.Time, UpdatedAt: at}},
	}
	unset := bson.D{}
	if m.Lang == "" {
		unset = append(unset, bson.E{Key: "lang", Value: ""}, bson.E{Key: "lang_at", Value: ""})
	} else {
		set = append(set, bson.E{Key: "lang", Value: m.Lang}, bson.E{Key: "lang_at", Value: at})
	}
	if a := m.Add; a != nil {
		if !validDay(a.From) || !validDay(a.To) || a.To < a.From {
			return fmt.Errorf("storage: save my settings: absence %q to %q is not two ordered days", a.From, a.To)
		}
		set = append(set, bson.E{Key: "absences." + a.From, Value: PrefAbsence{From: a.From, To: a.To, CreatedAt: a.CreatedAt.UTC().Truncate(time.Millisecond)}})
	}
	for _, day := range m.Clear {
		if !validDay(day) {
			return fmt.Errorf("storage: save my settings: absence day %q", day)
		}
		if m.Add == nil || m.Add.From != day { // the same path cannot be set and unset
			unset = append(unset, bson.E{Key: "absences." + day, Value: ""})
		}
	}
	if err := s.setPreferenceFields(ctx, m.Workspace, m.User, set, unset, "my settings"); err != nil {
		return err
	}
	return s.markWorkspaceDue(ctx, m.Workspace)
}

// setPreferenceFields sets (and unsets) fields of user's Preferences in
// one atomic update, creating the document if need be.
func (s *Store) setPreferenceFields(ctx context.Context, workspace, user string, set, unset bson.D, what string) error {
	set = append(bson.D{{Key: "workspace", Value: workspace}, {Key: "user", Value: user}}, set...)
	update := bson.D{{Key: "$set", Value: set}}
	if len(unset) > 0 {
		update = append(update, bson.E{Key: "$unset", Value: unset})
	}
	if _, err := s.coll(preferencesCollection).UpdateOne(ctx, bson.D{{Key: "_id", Value: prefID(workspace, user)}}, update, options.Update().SetUpsert(true)); err != nil {
		return fmt.Errorf("storage: set %s: %w", what, err)
	}
	return nil
}

// Absences returns user's absences (from /kpi away or the settings modal)
// that end on or after since, by first day.
func (s *Store) Absences(ctx context.Context, workspace, user, since string) ([]Absence, error) {
	p, err := s.preferences(ctx, workspace, user)
	if err != nil {
		return nil, err
	}
	var out []Absence
	for _, a := range p.Absences {
		if a.To >= since {
			out = append(out, Absence{ID: workspace + "/" + user + "/" + a.From, Workspace: workspace, User: user, From: a.From, To: a.To, CreatedAt: a.CreatedAt})
		}
	}
	slices.SortFunc(out, func(a, b Absence) int { return strings.Compare(a.From, b.From) })
	return out, nil
}

// Legacy collections: before the settings modal saved in one write, the
// reminder, the language and absences each had a collection of their own.
const (
	legacyRemindersCollection = "reminders"
	legacyLangsCollection     = "user_langs"
	legacyAbsencesCollection  = "absences"
)

// migrateLegacyPreferences moves the reminder choices, languages and
// absences of the legacy collections onto each person's Preferences, once
// (a legacy document is deleted when moved, so a second start finds
// none). A choice already on Preferences is newer and stays.
func (s *Store) migrateLegacyPreferences(ctx context.Context) error {
	reminders, err := findAll[ReminderPref](ctx, s.coll(legacyRemindersCollection), bson.D{}, "legacy reminder prefs")
	if err != nil {
		return err
	}
	for _, r := range reminders {
		if err := s.adopt(ctx, legacyRemindersCollection, r.ID, r.Workspace, r.User, "reminder", PrefReminder{Off: r.Off, Time: r.Time, UpdatedAt: r.UpdatedAt}); err != nil {
			return err
		}
	}
	langs, err := findAll[UserLang](ctx, s.coll(legacyLangsCollection), bson.D{}, "legacy user languages")
	if err != nil {
		return err
	}
	for _, l := range langs {
		if err := s.adopt(ctx, legacyLangsCollection, l.ID, l.Workspace, l.User, "lang", l.Lang); err != nil {
			return err
		}
	}
	absences, err := findAll[Absence](ctx, s.coll(legacyAbsencesCollection), bson.D{}, "legacy absences")
	if err != nil {
		return err
	}
	for _, a := range absences {
		if !validDay(a.From) {
			continue // never written by kpibot; left where it is
		}
		if err := s.adopt(ctx, legacyAbsencesCollection, a.ID, a.Workspace, a.User, "absences."+a.From, PrefAbsence{From: a.From, To: a.To, CreatedAt: a.CreatedAt}); err != nil {
			return err
		}
	}
	return nil
}

// adopt sets field of user's Preferences to value unless it is set
// already, then deletes the legacy document id of coll.
func (s *Store) adopt(ctx context.Context, coll, id, workspace, user, field string, value any) error {
	prefs := s.coll(preferencesCollection)
	pid := prefID(workspace, user)
	res, err := prefs.UpdateOne(ctx, bson.D{{Key: "_id", Value: pid}, {Key: field, Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "workspace", Value: workspace}, {Key: "user", Value: user}, {Key: field, Value: value}}}})
	if err != nil {
		return fmt.Errorf("storage: move %s %s: %w", coll, id, err)
	}
	if res.MatchedCount == 0 {
		// No document yet, or one that has the field already (newer).
		doc := bson.D{{Key: "_id", Value: pid}, {Key: "workspace", Value: workspace}, {Key: "user", Value: user}}
		top, sub, nested := strings.Cut(field, ".")
		if nested {
			doc = append(doc, bson.E{Key: top, Value: bson.D{{Key: sub, Value: value}}})
		} else {
			doc = append(doc, bson.E{Key: field, Value: value})
		}
		if _, err := prefs.InsertOne(ctx, doc); err != nil && !isDuplicate(err) {
			return fmt.Errorf("storage: move %s %s: %w", coll, id, err)
		}
	}
	if _, err := s.coll(coll).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("storage: move %s %s: %w", coll, id, err)
	}
	return nil
}
