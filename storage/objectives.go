package storage

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Objective is a stored SMART objective; the bot converts it to and from
// kpi.Objective. Code is what people type to remove it.
type Objective struct {
	ID        string `bson:"_id"` // workspace/code
	Code      string `bson:"code"`
	Workspace string `bson:"workspace"`
	// Team is the manager of the team the objective belongs to, "" for a
	// rep outside any team.
	Team      string    `bson:"team"`
	Owner     string    `bson:"owner"` // a user ID, or "team"
	Target    string    `bson:"target"`
	Value     float64   `bson:"value"`
	Period    string    `bson:"period"`
	Kind      string    `bson:"kind"`
	Threshold float64   `bson:"threshold,omitempty"`
	Direction string    `bson:"direction,omitempty"`
	Action    string    `bson:"action,omitempty"`
	CreatedBy string    `bson:"created_by"`
	CreatedAt time.Time `bson:"created_at"`
}

// codeAlphabet leaves out look-alikes (0/o, 1/l/i) so a code read on a
// screen can be typed back.
const codeAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

func newCode() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

// SaveObjective stores o under a new short code and returns it.
func (s *Store) SaveObjective(ctx context.Context, o Objective) (Objective, error) {
	if o.Workspace == "" || o.Owner == "" || o.Target == "" {
		return Objective{}, errors.New("storage: save objective: workspace, owner and target are required")
	}
	o.CreatedAt = o.CreatedAt.UTC().Truncate(time.Millisecond)
	return insertWithCode(ctx, s.objectives, "objective", func(code string) Objective {
		o.Code, o.ID = code, o.Workspace+"/"+code
		return o
	})
}

// Objectives returns every objective of the workspace, oldest first. A
// workspace has tens of them, so callers filter by owner and team.
func (s *Store) Objectives(ctx context.Context, workspace string) ([]Objective, error) {
	out, err := findAll[Objective](ctx, s.objectives, bson.D{{Key: "workspace", Value: workspace}}, "objectives")
	if err != nil {
		return nil, err
	}
	sortByCreated(out)
	return out, nil
}

// TeamOwner is the Owner of a team's objective (kpi.TeamOwner).
const TeamOwner = "team"

// ObjectivesFor returns the workspace's objectives owned by owner and,
// when manager is set, those of the team manager manages, oldest first:
// what one rep's check-in can move. One query served by the
// workspace_owner_team index, whatever the workspace's other objectives.
func (s *Store) ObjectivesFor(ctx context.Context, workspace, owner, manager string) ([]Objective, error) {
	if workspace == "" || owner == "" {
		return nil, errors.New("storage: objectives for: workspace and owner are required")
	}
	filter := bson.D{{Key: "workspace", Value: workspace}, {Key: "owner", Value: owner}}
	if manager != "" {
		filter = bson.D{{Key: "workspace", Value: workspace}, {Key: "$or", Value: bson.A{
			bson.D{{Key: "owner", Value: owner}},
			bson.D{{Key: "owner", Value: TeamOwner}, {Key: "team", Value: manager}},
		}}}
	}
	out, err := findAll[Objective](ctx, s.objectives, filter, "objectives")
	if err != nil {
		return nil, err
	}
	sortByCreated(out)
	return out, nil
}

// ensureObjectiveIndex creates the index of ObjectivesFor's two branches
// (workspace and owner; workspace, "team" and the manager), which also
// serves Objectives' workspace filter.
func (s *Store) ensureObjectiveIndex(ctx context.Context) error {
	_, err := s.objectives.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "workspace", Value: 1}, {Key: "owner", Value: 1}, {Key: "team", Value: 1}},
		Options: options.Index().SetName("workspace_owner_team"),
	})
	if err != nil {
		return fmt.Errorf("storage: create objective index: %w", err)
	}
	return nil
}

// Objective returns one objective by code, or ErrNotFound.
func (s *Store) Objective(ctx context.Context, workspace, code string) (Objective, error) {
	var o Objective
	err := s.objectives.FindOne(ctx, bson.D{{Key: "_id", Value: workspace + "/" + code}}).Decode(&o)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Objective{}, ErrNotFound
	}
	if err != nil {
		return Objective{}, fmt.Errorf("storage: find objective: %w", err)
	}
	return o, nil
}

// DeleteObjective removes an objective by code, or returns ErrNotFound.
func (s *Store) DeleteObjective(ctx context.Context, workspace, code string) error {
	res, err := s.objectives.DeleteOne(ctx, bson.D{{Key: "_id", Value: workspace + "/" + code}})
	if err != nil {
		return fmt.Errorf("storage: delete objective: %w", err)
	}
	if res.DeletedCount == 0 {
		return ErrNotFound
	}
	return nil
}

func sortByCreated(list []Objective) {
	slices.SortStableFunc(list, func(a, b Objective) int { return a.CreatedAt.Compare(b.CreatedAt) })
}
