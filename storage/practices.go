package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
)

// ErrCapReached is returned when a rep has shared as many practices this
// week as the cap allows.
var ErrCapReached = errors.New("storage: weekly cap reached")

// Practice is something that works, shared by a rep for the Monday review.
type Practice struct {
	ID        string    `bson:"_id"` // workspace/code
	Code      string    `bson:"code"`
	Workspace string    `bson:"workspace"`
	User      string    `bson:"user"`
	Week      string    `bson:"week"` // the Monday of the week it was shared
	Text      string    `bson:"text"`
	CreatedAt time.Time `bson:"created_at"`
}

// SavePractice stores p under a new code unless its author already shared
// weekCap practices that week, so a review's section stays readable.
func (s *Store) SavePractice(ctx context.Context, p Practice, weekCap int) (Practice, error) {
	if p.Workspace == "" || p.User == "" || p.Week == "" || p.Text == "" {
		return Practice{}, errors.New("storage: save practice: workspace, user, week and text are required")
	}
	n, err := s.coll("practices").CountDocuments(ctx, bson.D{{Key: "user", Value: p.User}, {Key: "workspace", Value: p.Workspace}, {Key: "week", Value: p.Week}})
	if err != nil {
		return Practice{}, fmt.Errorf("storage: count practices: %w", err)
	}
	if n >= int64(weekCap) {
		return Practice{}, ErrCapReached
	}
	p.CreatedAt = p.CreatedAt.UTC().Truncate(time.Millisecond)
	return insertWithCode(ctx, s.coll("practices"), "practice", func(code string) Practice {
		p.Code, p.ID = code, p.Workspace+"/"+code
		return p
	})
}

// DeletePractice removes a practice its author shared; ErrNotFound when
// there is none of that code by that author.
func (s *Store) DeletePractice(ctx context.Context, workspace, user, code string) error {
	res, err := s.coll("practices").DeleteOne(ctx, bson.D{{Key: "_id", Value: workspace + "/" + code}, {Key: "user", Value: user}})
	if err != nil {
		return fmt.Errorf("storage: delete practice: %w", err)
	}
	if res.DeletedCount == 0 {
		return ErrNotFound
	}
	return nil
}

// Practices returns the practices shared in the workspace during week,
// oldest first.
func (s *Store) Practices(ctx context.Context, workspace, week string) ([]Practice, error) {
	out, err := findAll[Practice](ctx, s.coll("practices"), bson.D{{Key: "week", Value: week}, {Key: "workspace", Value: workspace}}, "practices")
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Practice) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// Preferences are a user's choices about how the bot treats them in public.
type Preferences struct {
	ID        string `bson:"_id"` // workspace/user
	Workspace string `bson:"workspace"`
	User      string `bson:"user"`
	// Shoutout is the opt-in to be named in a channel for a practice or a
	// gain: public recognition is never assumed.
	Shoutout bool `bson:"shoutout"`
	// ShareCounts is the rep's choice to show their raw activity counts
	// (calls, e-mails, meetings…) to their manager, who otherwise sees
	// rates and outcomes only.
	ShareCounts bool `bson:"share_counts,omitempty"`
	// Reminder is the rep's reminder choice, nil when they made none (the
	// team's schedule).
	Reminder *PrefReminder `bson:"reminder,omitempty"`
	// Lang is the language chosen over the Slack locale, "" for none.
	Lang   string    `bson:"lang,omitempty"`
	LangAt time.Time `bson:"lang_at,omitempty"`
	// Absences are the rep's absences (/kpi away, the settings modal), by
	// first day.
	Absences map[string]PrefAbsence `bson:"absences,omitempty"`
}

// SetShareCounts records whether user shows their raw activity counts to
// their manager (/kpi share counts on|off, and the settings modal).
func (s *Store) SetShareCounts(ctx context.Context, workspace, user string, on bool) error {
	return s.setPreference(ctx, workspace, user, "share_counts", on, "share counts")
}

// ShareCounts reports whether user shows their raw activity counts to
// their manager; false unless they said so.
func (s *Store) ShareCounts(ctx context.Context, workspace, user string) (bool, error) {
	p, err := s.preferences(ctx, workspace, user)
	return p.ShareCounts, err
}

// SetShoutout records whether user agrees to be named in public.
func (s *Store) SetShoutout(ctx context.Context, workspace, user string, on bool) error {
	return s.setPreference(ctx, workspace, user, "shoutout", on, "shout-out")
}

// Shoutout reports whether user opted in to be named in public.
func (s *Store) Shoutout(ctx context.Context, workspace, user string) (bool, error) {
	p, err := s.preferences(ctx, workspace, user)
	return p.Shoutout, err
}

// setPreference sets one of user's Preferences fields, creating their
// document if need be.
func (s *Store) setPreference(ctx context.Context, workspace, user, field string, on bool, what string) error {
	return s.setPreferenceFields(ctx, workspace, user, bson.D{{Key: field, Value: on}}, nil, what)
}

// preferences returns user's Preferences; the zero value, every choice
// off, when they made none.
func (s *Store) preferences(ctx context.Context, workspace, user string) (Preferences, error) {
	var p Preferences
	err := s.coll(preferencesCollection).FindOne(ctx, bson.D{{Key: "_id", Value: prefID(workspace, user)}, {Key: "workspace", Value: workspace}}).Decode(&p)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Preferences{}, nil
	}
	if err != nil {
		return Preferences{}, fmt.Errorf("storage: read preferences: %w", err)
	}
	return p, nil
}
