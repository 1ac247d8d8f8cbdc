package storage

import (
	"context"
	"errors"
	"fmt"

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
