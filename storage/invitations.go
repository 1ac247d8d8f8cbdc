package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
)

// invitationsCollection holds the invitations to join a team that reps
// have not answered yet.
const invitationsCollection = "invitations"

// Invitation asks a rep to join a manager's team: the rep joins only by
// accepting it, since the manager then sees their figures. A rep has at
// most one waiting invitation; a new one replaces it.
type Invitation struct {
	ID        string    `bson:"_id"` // workspace/rep
	Workspace string    `bson:"workspace"`
	Rep       string    `bson:"rep"`
	Manager   string    `bson:"manager"`
	By        string    `bson:"by"` // who sent it: the manager, or an admin
	CreatedAt time.Time `bson:"created_at"`
}

// SaveInvitation stores inv as its rep's waiting invitation, replacing
// any other.
func (s *Store) SaveInvitation(ctx context.Context, inv Invitation) error {
	if inv.Workspace == "" || inv.Rep == "" || inv.Manager == "" {
		return errors.New("storage: save invitation: workspace, rep and manager are required")
	}
	inv.ID = inv.Workspace + "/" + inv.Rep
	inv.CreatedAt = inv.CreatedAt.UTC().Truncate(time.Millisecond)
	return upsertByID(ctx, s.coll(invitationsCollection), inv.ID, inv, "invitation")
}

// Invitation returns rep's waiting invitation, or ErrNotFound.
func (s *Store) Invitation(ctx context.Context, workspace, rep string) (Invitation, error) {
	var inv Invitation
	err := s.coll(invitationsCollection).FindOne(ctx, bson.D{{Key: "_id", Value: workspace + "/" + rep}}).Decode(&inv)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Invitation{}, ErrNotFound
	}
	if err != nil {
		return Invitation{}, fmt.Errorf("storage: load invitation: %w", err)
	}
	return inv, nil
}

// TakeInvitation removes rep's waiting invitation and returns it, or
// ErrNotFound: of two clicks on Accept, one takes it.
func (s *Store) TakeInvitation(ctx context.Context, workspace, rep string) (Invitation, error) {
	var inv Invitation
	err := s.coll(invitationsCollection).FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: workspace + "/" + rep}}).Decode(&inv)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Invitation{}, ErrNotFound
	}
	if err != nil {
		return Invitation{}, fmt.Errorf("storage: take invitation: %w", err)
	}
	return inv, nil
}

// LeaveTeam takes rep out of the team they are a rep of, and returns its
// manager, or ErrNotFound when they are in none.
func (s *Store) LeaveTeam(ctx context.Context, workspace, rep string) (string, error) {
	manager, err := s.teamOfRep(ctx, workspace, rep, "")
	if err != nil {
		return "", err
	}
	if manager == "" {
		return "", ErrNotFound
	}
	if _, err := s.teams.UpdateMany(ctx,
		bson.D{{Key: "workspace", Value: workspace}, {Key: "reps", Value: rep}},
		bson.D{{Key: "$pull", Value: bson.D{{Key: "reps", Value: rep}}}},
	); err != nil {
		return "", fmt.Errorf("storage: leave team: %w", err)
	}
	if err := s.markTeamDue(ctx, workspace, manager); err != nil {
		return "", err
	}
	return manager, nil
}
