package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
)

// profilesCollection holds one UserProfile per Slack user kpibot has met.
const profilesCollection = "profiles"

// UserProfile is what Slack last told kpibot about one user, kept so that
// nothing has to ask Slack again at the moment it needs the answer: the
// scheduler places each rep's reminder in the rep's own timezone and
// writes it in the rep's language from this record alone, on every tick,
// without a users.info call.
//
// The record is refreshed from Slack at most daily: when the user runs a
// command and the record is older than a day (users.info), when Slack
// sends a user_change event, or by a workspace's daily refresh. Every
// field comes from Slack's user object; kpibot's own choices about a
// person (reminder preferences, consent, roles) live in their own
// collections, so a refresh replaces the whole record safely.
//
// To keep more of what Slack says about a user (its admin flags, say),
// add a field here and fill it where Slack's user object is read
// (slackusers.FromSlack): every refresh goes through there.
type UserProfile struct {
	ID        string `bson:"_id"` // workspace/user
	Workspace string `bson:"workspace"`
	User      string `bson:"user"`
	// TZ is the IANA name of the user's timezone ("Europe/Paris"), or ""
	// when Slack gave none.
	TZ string `bson:"tz,omitempty"`
	// Locale is the user's Slack locale ("fr-FR"), or "".
	Locale string `bson:"locale,omitempty"`
	// Admin is set when Slack counts the user among the workspace's admins
	// or owners (is_admin, is_owner, is_primary_owner): with the user who
	// installed the app, they are kpibot's admins.
	Admin bool `bson:"admin,omitempty"`
	// RefreshedAt is when Slack gave this record.
	RefreshedAt time.Time `bson:"refreshed_at"`
}

// SaveUserProfile stores p, replacing what was stored for its user.
func (s *Store) SaveUserProfile(ctx context.Context, p UserProfile) error {
	if p.Workspace == "" || p.User == "" {
		return errors.New("storage: save user profile: workspace and user are required")
	}
	p.ID = p.Workspace + "/" + p.User
	p.RefreshedAt = p.RefreshedAt.UTC().Truncate(time.Millisecond)
	if err := upsertByID(ctx, s.coll(profilesCollection), p.ID, p, "user profile"); err != nil {
		return err
	}
	// The user's timezone places their reminders, and their team's
	// rituals when they manage it.
	return s.markWorkspaceDue(ctx, p.Workspace)
}

// UserProfile returns one user's stored profile, or ErrNotFound.
func (s *Store) UserProfile(ctx context.Context, workspace, user string) (UserProfile, error) {
	var p UserProfile
	err := s.coll(profilesCollection).FindOne(ctx, bson.D{{Key: "_id", Value: workspace + "/" + user}}).Decode(&p)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return UserProfile{}, ErrNotFound
	}
	if err != nil {
		return UserProfile{}, fmt.Errorf("storage: load user profile: %w", err)
	}
	return p, nil
}

// UserProfiles returns the stored profiles of users in a workspace, by
// user, in one query; users with none are absent.
func (s *Store) UserProfiles(ctx context.Context, workspace string, users []string) (map[string]UserProfile, error) {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = workspace + "/" + u
	}
	list, err := findAll[UserProfile](ctx, s.coll(profilesCollection), bson.D{
		{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}},
		{Key: "workspace", Value: workspace},
	}, "user profiles")
	if err != nil {
		return nil, err
	}
	out := make(map[string]UserProfile, len(list))
	for _, p := range list {
		out[p.User] = p
	}
	return out, nil
}
