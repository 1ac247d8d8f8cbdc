package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// TeamWord is a word a workspace added to /log's vocabulary: Phrase as it
// was typed, Metric the key of the metric it counts ("meetings").
type TeamWord struct {
	Phrase string `bson:"phrase"`
	Metric string `bson:"metric"`
}

// ErrStale is returned when settings changed since they were read: the
// caller reads them again and decides anew.
var ErrStale = errors.New("storage: settings changed meanwhile")

// WorkspaceSettings returns the workspace with its currency and words. A
// workspace nobody set up yet has none: that is the zero Workspace with
// its ID, not an error.
func (s *Store) WorkspaceSettings(ctx context.Context, workspace string) (Workspace, error) {
	var w Workspace
	err := s.workspaces.FindOne(ctx, bson.D{{Key: "_id", Value: workspace}}).Decode(&w)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Workspace{ID: workspace}, nil
	}
	if err != nil {
		return Workspace{}, fmt.Errorf("storage: load workspace settings: %w", err)
	}
	return w, nil
}

// SetCurrency sets the workspace currency (an ISO code) and returns the
// workspace, or ErrNotFound for a workspace that does not exist yet.
func (s *Store) SetCurrency(ctx context.Context, workspace, code string) (Workspace, error) {
	return s.updateSettings(ctx, bson.D{{Key: "_id", Value: workspace}}, bson.D{{Key: "currency", Value: code}}, "currency")
}

// SetTeamWords replaces the workspace's words, if its settings are still
// at rev (ErrStale otherwise: someone changed them since they were read),
// and returns the workspace.
func (s *Store) SetTeamWords(ctx context.Context, workspace string, words []TeamWord, rev int64) (Workspace, error) {
	if words == nil {
		words = []TeamWord{}
	}
	filter := bson.D{{Key: "_id", Value: workspace}, {Key: "settings_rev", Value: rev}}
	if rev == 0 {
		// Workspaces from before settings have no counter at all.
		filter = bson.D{{Key: "_id", Value: workspace}, {Key: "$or", Value: bson.A{
			bson.D{{Key: "settings_rev", Value: 0}},
			bson.D{{Key: "settings_rev", Value: bson.D{{Key: "$exists", Value: false}}}},
		}}}
	}
	w, err := s.updateSettings(ctx, filter, bson.D{{Key: "words", Value: words}}, "words")
	if errors.Is(err, ErrNotFound) {
		if cur, err := s.WorkspaceSettings(ctx, workspace); err == nil && cur.CreatedAt.IsZero() && cur.Admins == nil {
			return Workspace{}, ErrNotFound
		}
		return Workspace{}, ErrStale
	}
	return w, err
}

func (s *Store) updateSettings(ctx context.Context, filter, set bson.D, what string) (Workspace, error) {
	var w Workspace
	err := s.workspaces.FindOneAndUpdate(ctx, filter,
		bson.D{{Key: "$set", Value: set}, {Key: "$inc", Value: bson.D{{Key: "settings_rev", Value: 1}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After),
	).Decode(&w)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Workspace{}, ErrNotFound
	}
	if err != nil {
		return Workspace{}, fmt.Errorf("storage: save %s: %w", what, err)
	}
	return w, nil
}

// HolidaysNone is the holiday calendar of a workspace that skips no
// public holiday, only the days it adds.
const HolidaysNone = "none"

// SetOutStatus sets what a Slack status says when its owner is out in
// workspace (nil: kpi's default), and returns the workspace.
func (s *Store) SetOutStatus(ctx context.Context, workspace string, list []string) (Workspace, error) {
	return s.updateSettings(ctx, bson.D{{Key: "_id", Value: workspace}}, bson.D{{Key: "out_status", Value: list}}, "out status")
}

// SetHolidayCalendar sets the workspace's public holidays: "" for
// France's, HolidaysNone for none.
func (s *Store) SetHolidayCalendar(ctx context.Context, workspace, calendar string) (Workspace, error) {
	return s.updateSettings(ctx, bson.D{{Key: "_id", Value: workspace}}, bson.D{{Key: "holiday_calendar", Value: calendar}}, "holiday calendar")
}

// StatusAbsence is what a user's Slack status last said: out from From
// (a day) to Until (a day, "" while the status lasts), or not out. There
// is one per user, replaced on every change of status.
type StatusAbsence struct {
	ID        string    `bson:"_id"` // workspace/user
	Workspace string    `bson:"workspace"`
	User      string    `bson:"user"`
	Out       bool      `bson:"out"`
	From      string    `bson:"from,omitempty"`
	Until     string    `bson:"until,omitempty"`
	At        time.Time `bson:"at"`
}

// SaveStatusAbsence records what the user's Slack status says now.
func (s *Store) SaveStatusAbsence(ctx context.Context, a StatusAbsence) error {
	if a.Workspace == "" || a.User == "" {
		return errors.New("storage: save status absence: workspace and user are required")
	}
	a.ID = a.Workspace + "/" + a.User
	a.At = a.At.UTC().Truncate(time.Millisecond)
	return upsertByID(ctx, s.coll("status_absences"), a.ID, a, "status absence")
}

// LastStatus returns what the user's Slack status said when it was last
// read (At), from a user_change event or users.profile.get; ErrNotFound
// when it never was.
func (s *Store) LastStatus(ctx context.Context, workspace, user string) (StatusAbsence, error) {
	var a StatusAbsence
	err := s.coll("status_absences").FindOne(ctx, bson.D{{Key: "_id", Value: workspace + "/" + user}, {Key: "workspace", Value: workspace}}).Decode(&a)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return StatusAbsence{}, ErrNotFound
	}
	if err != nil {
		return StatusAbsence{}, fmt.Errorf("storage: load status absence: %w", err)
	}
	return a, nil
}

// AwayOn reports whether the status says its owner is out on day.
func (a StatusAbsence) AwayOn(day string) bool {
	return a.Out && a.From <= day && (a.Until == "" || day <= a.Until)
}

// StatusAway reports whether the user's Slack status says they are out
// on day.
func (s *Store) StatusAway(ctx context.Context, workspace, user, day string) (bool, error) {
	a, err := s.LastStatus(ctx, workspace, user)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return a.AwayOn(day), nil
}

// UserLang is the language a person chose for kpibot, over their Slack
// locale, as the legacy user_langs collection kept it (migrated onto
// Preferences at start).
type UserLang struct {
	ID        string    `bson:"_id"` // workspace/user
	Workspace string    `bson:"workspace"`
	User      string    `bson:"user"`
	Lang      string    `bson:"lang"`
	At        time.Time `bson:"at"`
}

// SetUserLang records the language user chose; "" goes back to their
// Slack locale.
func (s *Store) SetUserLang(ctx context.Context, workspace, user, lang string, at time.Time) error {
	if workspace == "" || user == "" {
		return errors.New("storage: set user language: workspace and user are required")
	}
	if lang == "" {
		return s.setPreferenceFields(ctx, workspace, user, nil, bson.D{{Key: "lang", Value: ""}, {Key: "lang_at", Value: ""}}, "user language")
	}
	return s.setPreferenceFields(ctx, workspace, user, bson.D{{Key: "lang", Value: lang}, {Key: "lang_at", Value: at.UTC().Truncate(time.Millisecond)}}, nil, "user language")
}

// UserLangs returns the languages chosen in workspace, by user, in one
// query.
func (s *Store) UserLangs(ctx context.Context, workspace string) (map[string]string, error) {
	list, err := findAll[Preferences](ctx, s.coll(preferencesCollection), bson.D{{Key: "workspace", Value: workspace}, {Key: "lang", Value: bson.D{{Key: "$exists", Value: true}}}}, "user languages")
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(list))
	for _, p := range list {
		if p.Lang != "" {
			out[p.User] = p.Lang
		}
	}
	return out, nil
}
